"""Reading the register: one resident, lists and searches, a household, a resident's 異動 history, counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core import clock, ids
from renkei.core.errors import NotFound
from renkei.residents.models import ResidentsChange, ResidentsHousehold, ResidentsResident
from renkei.residents.schemas import ChangeView, ResidentView
from renkei.residents.service.history import view


def get_resident(session: Session, *, resident_id: int) -> ResidentView:
    resident = session.get(ResidentsResident, resident_id)
    if resident is None:
        raise NotFound("住民が見つかりません", record=str(resident_id), field="resident_id")
    return view(session, resident)


def find_by_atena_number(session: Session, *, atena_number: str) -> ResidentView:
    atena = ids.validate_atena(atena_number)
    resident = session.scalar(sa.select(ResidentsResident).where(ResidentsResident.atena_number == atena))
    if resident is None:
        raise NotFound("宛名番号に該当する住民がいません", record=atena, field="宛名番号")
    return view(session, resident)


def list_residents(
    session: Session,
    *,
    query: str | None = None,
    status: str | None = "active",
    limit: int = 50,
    offset: int = 0,
) -> list[ResidentView]:
    """Residents by 宛名番号 order; `query` matches the kanji or kana name (a space-free substring)."""
    stmt = _filtered(sa.select(ResidentsResident), query=query, status=status)
    stmt = stmt.order_by(ResidentsResident.atena_number)
    rows = session.scalars(stmt.limit(min(max(limit, 1), 100_000)).offset(max(offset, 0)))
    return [view(session, r) for r in rows]


def count_residents(session: Session, *, query: str | None = None, status: str | None = "active") -> int:
    """How many residents `list_residents` would page through with the same filter."""
    stmt = _filtered(sa.select(sa.func.count()).select_from(ResidentsResident), query=query, status=status)
    return int(session.scalar(stmt) or 0)


def _filtered(stmt: Any, *, query: str | None, status: str | None) -> Any:
    if status:
        stmt = stmt.where(ResidentsResident.status == status)
    if query:
        q = f"%{query.replace(' ', '').replace('　', '')}%"
        stmt = stmt.where(
            sa.or_(
                (ResidentsResident.surname + ResidentsResident.given_name).like(q),
                (ResidentsResident.surname_kana + ResidentsResident.given_name_kana).like(q),
            )
        )
    return stmt


def household_members(session: Session, *, household_number: str) -> list[ResidentView]:
    household = session.scalar(
        sa.select(ResidentsHousehold).where(ResidentsHousehold.household_number == household_number)
    )
    if household is None:
        raise NotFound("世帯が見つかりません", record=household_number, field="世帯番号")
    rows = session.scalars(
        sa.select(ResidentsResident)
        .where(ResidentsResident.household_id == household.id)
        .order_by(ResidentsResident.atena_number)
    )
    return [view(session, r) for r in rows]


def changes_of(session: Session, *, resident_id: int) -> list[ChangeView]:
    rows = session.scalars(
        sa.select(ResidentsChange)
        .where(ResidentsChange.resident_id == resident_id)
        .order_by(ResidentsChange.id)
    )
    return [ChangeView.model_validate(r) for r in rows]


def counts(session: Session) -> dict[str, int]:
    """住民 (active residents), 世帯 (households with an active member), and everyone ever registered."""
    active = session.scalar(
        sa.select(sa.func.count()).select_from(ResidentsResident).where(ResidentsResident.status == "active")
    )
    households = session.scalar(
        sa.select(sa.func.count(sa.distinct(ResidentsResident.household_id))).where(
            ResidentsResident.status == "active"
        )
    )
    total = session.scalar(sa.select(sa.func.count()).select_from(ResidentsResident))
    return {"residents": int(active or 0), "households": int(households or 0), "registered": int(total or 0)}


def changes_per_month(
    session: Session, *, months: int = 12, today: dt.date | None = None
) -> list[tuple[str, int]]:
    """('2026-05', number of 異動 that took effect that month) for the last `months` months, oldest first."""
    today = today or clock.today()
    keys = []
    year, month = today.year, today.month
    for _ in range(months):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    keys.reverse()
    first = dt.date(int(keys[0][:4]), int(keys[0][5:]), 1)
    counted: dict[str, int] = dict.fromkeys(keys, 0)
    for (effective_on,) in session.execute(
        sa.select(ResidentsChange.effective_on).where(ResidentsChange.effective_on >= first)
    ):
        key = effective_on.strftime("%Y-%m")
        if key in counted:
            counted[key] += 1
    return list(counted.items())


def changes_recorded(session: Session, *, kind: str, start: dt.datetime, end: dt.datetime) -> int:
    """How many 異動 of `kind` this register recorded in [start, end) (the 人口移動報告 check counts 転入)."""
    found = session.scalar(
        sa.select(sa.func.count())
        .select_from(ResidentsChange)
        .where(
            ResidentsChange.kind == kind,
            ResidentsChange.recorded_at >= start,
            ResidentsChange.recorded_at < end,
        )
    )
    return int(found or 0)


def residents_at(session: Session, *, address_prefixes: list[str]) -> list[ResidentView]:
    """Active residents whose address begins with any of the prefixes (an area struck by a disaster)."""
    prefixes = [p.strip() for p in address_prefixes if p.strip()]
    if not prefixes:
        return []
    rows = session.scalars(
        sa.select(ResidentsResident)
        .where(
            ResidentsResident.status == "active",
            sa.or_(*(ResidentsResident.address.startswith(p, autoescape=True) for p in prefixes)),
        )
        .order_by(ResidentsResident.atena_number)
    )
    return [view(session, r) for r in rows]
