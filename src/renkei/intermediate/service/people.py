"""Who a copy or a query is about: 宛名番号 → 団体内統合宛名番号 through the addressee system (統合宛名).

The intermediate server never sees the My Number: business systems name people by their own 宛名番号 or by the
統合宛名番号, and the addressee system says whether that person exists.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.addressee import service as addressee
from renkei.core.bulk import select_in
from renkei.core.errors import Invalid, NotFound, RenkeiError
from renkei.intermediate.models import IntermediateSign
from renkei.intermediate.schemas import CopyInput

NO_INTEGRATED_NUMBER = "統合宛名番号が付番されていない方の副本は登録できません"


def integrated_number_for(
    session: Session, *, integrated_number: str | None, system: str | None, atena: str | None
) -> str:
    """The 統合宛名番号 a request names directly, or the one behind a business system's 宛名番号."""
    if integrated_number:
        return addressee.get(session, integrated_number=integrated_number).integrated_number
    if not atena:
        raise Invalid("宛名番号か統合宛名番号を指定してください", field="宛名番号")
    if not system:
        raise Invalid("宛名番号の業務システムを指定してください", field="業務システム")
    return addressee.find_by_atena(session, system=system, atena=atena).integrated_number


_SIGNS: sa.Table = IntermediateSign.__table__  # type: ignore[assignment]


def resolve_integrated_numbers(
    session: Session, *, lg_code: str, entries: Sequence[CopyInput]
) -> dict[int, str | RenkeiError]:
    """For each entry (keyed by id()), its 統合宛名番号, or the error saying why there is none.

    A 統合宛名番号 this node already holds a 符号 for was checked with the addressee system when the 符号 was
    obtained, so a whole chunk of them is confirmed by one query on the 符号 table; only the others are asked of
    the addressee system one by one.
    """
    direct = {e.integrated_number for e in entries if e.integrated_number}
    known: dict[tuple[str | None, str | None, str | None], str | RenkeiError] = {}
    if direct:
        for (number,) in select_in(
            session,
            _SIGNS,
            ("integrated_number",),
            "integrated_number",
            list(direct),
            equal={"lg_code": lg_code},
        ):
            known[(number, None, None)] = number
    out: dict[int, str | RenkeiError] = {}
    for entry in entries:
        key = (
            (entry.integrated_number, None, None)
            if entry.integrated_number
            else (None, entry.system, entry.atena)
        )
        if key not in known:
            try:
                known[key] = integrated_number_for(
                    session, integrated_number=entry.integrated_number, system=entry.system, atena=entry.atena
                )
            except NotFound as error:
                field = "団体内統合宛名番号" if entry.integrated_number else "宛名番号"
                known[key] = NotFound(f"{NO_INTEGRATED_NUMBER}（{error.message}）", field=field)
            except RenkeiError as error:
                known[key] = error
        out[id(entry)] = known[key]
    return out


Wanted = tuple[
    str | None, str | None, str | None
]  # (統合宛名番号, 業務システム, 宛名番号) as a request names a person


def resolve_people(
    session: Session, *, lg_code: str, wanted: Sequence[Wanted]
) -> dict[Wanted, tuple[str, str] | RenkeiError]:
    """For each person a batch of queries names, their 統合宛名番号 and this agency's 符号 to ask with, or the
    error that says why there is none — one query per table for the whole batch.

    Only a person currently served here has a 符号 to ask with (a released one is not used to ask)."""
    from renkei.intermediate.service.signs import sign_not_acquired

    numbers = addressee.integrated_numbers(session, wanted=wanted)
    resolved = sorted({n for n in numbers.values() if isinstance(n, str)})
    signs = dict(
        select_in(
            session,
            _SIGNS,
            ("integrated_number", "sign"),
            "integrated_number",
            resolved,
            equal={"lg_code": lg_code},
            null=("released_at",),
        )
    )
    out: dict[Wanted, tuple[str, str] | RenkeiError] = {}
    for key, number in numbers.items():
        if not isinstance(number, str):
            out[key] = number
        elif number not in signs:
            out[key] = NotFound(sign_not_acquired(number), record=number, field="符号")
        else:
            out[key] = (number, signs[number])
    return out
