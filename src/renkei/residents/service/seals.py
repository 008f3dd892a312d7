"""印鑑登録 as far as the 印鑑登録証明書 needs it: register, abolish, and the current seal of a resident.

Who may register follows the usual 印鑑条例: a resident aged 15 or more; one seal at a time; the 印影 bears up to
8 characters of the person's name. Decision 0086.
"""

from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.errors import Conflict, Invalid, NotFound
from renkei.residents.models import ResidentsSeal
from renkei.residents.service.changes import active_resident

MIN_AGE = 15


class SealView(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)

    id: int
    resident_id: int
    number: str
    impression: str
    registered_on: dt.date
    abolished_on: dt.date | None


def current_seal(session: Session, *, resident_id: int) -> SealView | None:
    row = session.scalar(
        sa.select(ResidentsSeal).where(
            ResidentsSeal.resident_id == resident_id, ResidentsSeal.abolished_on.is_(None)
        )
    )
    return None if row is None else SealView.model_validate(row)


def register_seal(session: Session, *, resident_id: int, impression: str) -> SealView:
    """印鑑登録; registering the same impression again returns the registration already made."""
    resident = active_resident(session, resident_id)
    text = impression.strip()
    if not 1 <= len(text) <= 8:
        raise Invalid("印影の文字は1〜8文字です", record=str(resident_id), field="印影")
    if not all(c in resident.surname + resident.given_name + (resident.former_surname or "") for c in text):
        raise Invalid(
            "印影は住民票に記載の氏名（旧氏を含む）の文字に限ります", record=str(resident_id), field="印影"
        )
    today = clock.today()
    age = (
        today.year
        - resident.birth_date.year
        - ((today.month, today.day) < (resident.birth_date.month, resident.birth_date.day))
    )
    if age < MIN_AGE:
        raise Invalid(f"{MIN_AGE}歳未満の方は印鑑登録できません", record=str(resident_id), field="生年月日")
    existing = current_seal(session, resident_id=resident_id)
    if existing is not None:
        if existing.impression == text:
            return existing
        raise Conflict(
            "登録済みの印鑑があります。廃止してから登録してください", record=existing.number, field="印鑑登録"
        )
    row = ResidentsSeal(
        resident_id=resident_id,
        number=f"{secrets.randbelow(10**10):010d}",
        impression=text,
        registered_on=today,
    )
    session.add(row)
    session.flush()
    return SealView.model_validate(row)


def abolish_seal(session: Session, *, resident_id: int) -> SealView:
    row = session.scalar(
        sa.select(ResidentsSeal).where(
            ResidentsSeal.resident_id == resident_id, ResidentsSeal.abolished_on.is_(None)
        )
    )
    if row is None:
        raise NotFound("登録された印鑑がありません", record=str(resident_id), field="印鑑登録")
    row.abolished_on = clock.today()
    session.flush()
    return SealView.model_validate(row)
