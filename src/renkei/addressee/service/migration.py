"""Moving the 団体内統合宛名 between vendors: every person, link and number series out, and back in unchanged.

Used by `renkei.connectors.migration` (decision 0074). The My Number leaves only in memory, for the caller to seal
for the migration file; restoring seals it under this node's key and rebuilds the blind index with this node's key.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.addressee import keys
from renkei.addressee.models import AddresseeCounter, AddresseeLink, AddresseePerson
from renkei.core import clock, ids
from renkei.core.errors import Conflict, Invalid
from renkei.core.settings import Settings


@dataclasses.dataclass(frozen=True)
class MigrationPerson:
    integrated_number: str
    resident_atena: str  # the 住基 宛名番号 for a resident, "" for a 住登外者
    kind: str
    name: str
    name_kana: str
    birth_date: dt.date
    sex: str
    address: str
    status: str
    mynumber: str  # "" when none is held
    links: tuple[tuple[str, str], ...]  # (system, 宛名番号)


def export_people(
    session: Session, *, settings: Settings, atena_of_resident: Mapping[int, str]
) -> tuple[list[MigrationPerson], dict[str, int]]:
    """Every person with their links, and the number series' next values."""
    sealer = keys.sealer(settings)
    links: dict[str, list[tuple[str, str]]] = {}
    for link in session.scalars(
        sa.select(AddresseeLink).order_by(AddresseeLink.system, AddresseeLink.atena_number)
    ):
        links.setdefault(link.integrated_number, []).append((link.system, link.atena_number))
    people = []
    for p in session.scalars(sa.select(AddresseePerson).order_by(AddresseePerson.integrated_number)):
        mynumber = (
            sealer.decrypt(p.mynumber_sealed, keys.associated_data(p.integrated_number)).decode()
            if p.mynumber_sealed
            else ""
        )
        people.append(
            MigrationPerson(
                integrated_number=p.integrated_number,
                resident_atena=atena_of_resident.get(p.resident_id, "") if p.resident_id is not None else "",
                kind=p.kind, name=p.name, name_kana=p.name_kana, birth_date=p.birth_date, sex=p.sex,
                address=p.address, status=p.status, mynumber=mynumber,
                links=tuple(links.get(p.integrated_number, [])),
            )
        )  # fmt: skip
    counters = {c.name: c.next_value for c in session.scalars(sa.select(AddresseeCounter))}
    return people, counters


def restore_people(
    session: Session,
    *,
    people: Sequence[MigrationPerson],
    counters: Mapping[str, int],
    resident_ids: Mapping[str, int],
    settings: Settings,
) -> int:
    """Insert into an empty addressee store; residents are joined by their 住基 宛名番号. Returns the count."""
    if session.scalar(sa.select(sa.func.count()).select_from(AddresseePerson)):
        raise Conflict("移行先の統合宛名が空ではありません（移行は新しいノードに行います）", field="統合宛名")
    sealer = keys.sealer(settings)
    index_key = settings.secret("blind_index_key")
    now = clock.now()
    for p in people:
        record = f"統合宛名 {p.integrated_number}"
        resident_id = None
        if p.resident_atena:
            resident_id = resident_ids.get(p.resident_atena)
            if resident_id is None:
                raise Invalid(
                    f"住民記録にない宛名番号です: {p.resident_atena}",
                    record=record,
                    field="住民記録の宛名番号",
                )
        if p.mynumber:
            ids.validate_mynumber(p.mynumber)
        session.add(
            AddresseePerson(
                integrated_number=p.integrated_number, resident_id=resident_id, kind=p.kind, name=p.name,
                name_kana=p.name_kana, birth_date=p.birth_date, sex=p.sex, address=p.address, status=p.status,
                mynumber_sealed=sealer.encrypt(p.mynumber.encode(), keys.associated_data(p.integrated_number)) if p.mynumber else None,
                mynumber_index=keys.fast_index(index_key, p.mynumber) if p.mynumber else None, updated_at=now,
            )
        )  # fmt: skip
    session.flush()
    for p in people:
        for system, atena in p.links:
            session.add(
                AddresseeLink(system=system, atena_number=atena, integrated_number=p.integrated_number)
            )
    for name, value in counters.items():
        counter = session.get(AddresseeCounter, name)
        if counter is None:
            session.add(AddresseeCounter(name=name, next_value=value))
        else:
            counter.next_value = max(counter.next_value, value)
    session.flush()
    return len(people)
