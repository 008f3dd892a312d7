"""The record every 異動 leaves: a history row (事由, 届出日, 異動日) and an outbox event, in one transaction."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.residents.models import ResidentsChange, ResidentsEvent, ResidentsHousehold, ResidentsResident
from renkei.residents.schemas import REASON_CODES, ResidentView


def name_of(resident: ResidentsResident) -> str:
    return f"{resident.surname}　{resident.given_name}"


def kana_of(resident: ResidentsResident) -> str:
    return f"{resident.surname_kana}　{resident.given_name_kana}"


def snapshot(resident: ResidentsResident) -> dict[str, Any]:
    """The 基本4情報 and status of a resident as plain JSON (what history rows and events carry)."""
    return {
        "name": name_of(resident),
        "name_kana": kana_of(resident),
        "former_surname": resident.former_surname,
        "address": resident.address,
        "postal_code": resident.postal_code,
        "birth_date": resident.birth_date.isoformat(),
        "sex": resident.sex,
        "status": resident.status,
    }


def record_change(
    session: Session,
    resident: ResidentsResident,
    *,
    kind: str,
    notified_on: dt.date,
    effective_on: dt.date,
    before: dict[str, Any] | None,
) -> ResidentsEvent:
    """Keep the 異動 as history and announce it through the outbox (never with the My Number or 住民票コード)."""
    now = clock.now()
    resident.updated_at = now
    session.flush()
    after = snapshot(resident)
    session.add(
        ResidentsChange(
            resident_id=resident.id,
            kind=kind,
            reason_code=REASON_CODES[kind],
            notified_on=notified_on,
            effective_on=effective_on,
            before=before,
            after=after,
            recorded_at=now,
        )
    )
    payload = {
        **after,
        "lg_code": resident.lg_code,
        "effective_on": effective_on.isoformat(),
        "previous_lg_code": resident.previous_lg_code if kind == "move_in" else None,
        "previous_resident_id": resident.previous_resident_id if kind == "move_in" else None,
    }
    event = ResidentsEvent(
        event_id=str(uuid.uuid4()), kind=kind, resident_id=resident.id, occurred_at=now, payload=payload
    )
    session.add(event)
    session.flush()
    return event


def view(session: Session, resident: ResidentsResident) -> ResidentView:
    household = session.get(ResidentsHousehold, resident.household_id)
    assert household is not None
    return ResidentView(
        id=resident.id,
        atena_number=resident.atena_number,
        household_number=household.household_number,
        relationship=resident.relationship,
        name=name_of(resident),
        name_kana=kana_of(resident),
        surname=resident.surname,
        given_name=resident.given_name,
        surname_kana=resident.surname_kana,
        given_name_kana=resident.given_name_kana,
        former_surname=resident.former_surname,
        birth_date=resident.birth_date,
        sex=resident.sex,
        postal_code=resident.postal_code,
        address=resident.address,
        status=resident.status,  # type: ignore[arg-type]
        resident_since=resident.resident_since,
        removed_on=resident.removed_on,
    )
