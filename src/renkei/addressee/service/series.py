"""Number series (the 統合宛名番号 and each business system's 宛名番号) and the list of business systems."""

from __future__ import annotations

from sqlalchemy.orm import Session

from renkei.addressee.models import AddresseeCounter
from renkei.addressee.schemas import SERIES_START, SYSTEMS
from renkei.core.errors import Invalid


def allocate(session: Session, series: str, count: int) -> list[int]:
    """Reserve `count` consecutive numbers of a series (the 統合宛名番号 or one system's 宛名番号)."""
    counter = session.get(AddresseeCounter, series, with_for_update=True)
    if counter is None:
        counter = AddresseeCounter(name=series, next_value=SERIES_START.get(series.removeprefix("atena:"), 1))
        session.add(counter)
    first = counter.next_value
    counter.next_value = first + count
    session.flush()
    return list(range(first, first + count))


def check_system(system: str) -> str:
    if system not in SYSTEMS:
        raise Invalid(f"不明な業務システムです: {system}（{', '.join(SYSTEMS)}）", field="業務システム")
    return system
