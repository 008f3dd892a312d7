"""Following the resident register: apply its outbox events to the addressee (idempotent by event id)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.addressee import keys
from renkei.addressee.models import AddresseeConsumedEvent, AddresseeLink, AddresseePerson
from renkei.addressee.service.people import register_residents
from renkei.core import clock
from renkei.core.settings import Settings
from renkei.residents import service as residents
from renkei.residents.schemas import Registered, ResidentEvent

CONSUMER = "addressee"
_STATUS = {"move_out": "moved_out", "death": "deceased"}


def consume_resident_events(session: Session, *, settings: Settings, limit: int = 1000) -> int:
    """Apply pending resident events in order and acknowledge them; returns how many were applied.

    birth / move_in → a 統合宛名番号 (a returning former resident, found by My Number, gets the old one back);
    move_out / death → marked; name_change / address_change → 基本4情報 updated.
    """
    applied = 0
    while True:
        events = residents.pending_events(session, consumer=CONSUMER, limit=limit)
        if not events:
            return applied
        for event in events:
            if session.get(AddresseeConsumedEvent, event.event_id) is None:
                _apply(session, event, settings)
                session.add(AddresseeConsumedEvent(event_id=event.event_id, consumed_at=clock.now()))
                applied += 1
        residents.acknowledge(session, consumer=CONSUMER, event_ids=[e.event_id for e in events])
        session.flush()


def _apply(session: Session, event: ResidentEvent, settings: Settings) -> None:
    person = session.scalar(
        sa.select(AddresseePerson).where(AddresseePerson.resident_id == event.resident_id)
    )
    if event.kind in ("birth", "move_in"):
        if person is None:
            person = _returning_resident(session, event, settings)
        if person is None:
            resident = residents.get_resident(session, resident_id=event.resident_id)
            mynumber = residents.mynumber_of(session, resident_id=event.resident_id, settings=settings)
            register_residents(
                session,
                registered=[
                    Registered(
                        resident_id=event.resident_id,
                        atena_number=resident.atena_number,
                        name=event.name,
                        name_kana=event.name_kana,
                        birth_date=event.birth_date,
                        sex=event.sex,
                        address=event.address,
                        mynumber=mynumber,
                    )
                ],
                settings=settings,
            )
            return
    if person is None:
        return
    person.name = event.name
    person.name_kana = event.name_kana
    person.address = event.address
    person.status = _STATUS.get(event.kind, "active")
    person.updated_at = clock.now()
    session.flush()


def _returning_resident(session: Session, event: ResidentEvent, settings: Settings) -> AddresseePerson | None:
    """Someone who moved out and comes back keeps their 統合宛名番号 (found through the My Number's blind index)."""
    mynumber = residents.mynumber_of(session, resident_id=event.resident_id, settings=settings)
    person = session.scalar(
        sa.select(AddresseePerson)
        .where(
            AddresseePerson.mynumber_index == keys.index_of(settings, mynumber),
            AddresseePerson.kind == "resident",
            AddresseePerson.status == "moved_out",
        )
        .order_by(AddresseePerson.integrated_number)
        .limit(1)
    )
    if person is None:
        return None
    resident = residents.get_resident(session, resident_id=event.resident_id)
    person.resident_id = event.resident_id
    session.add(
        AddresseeLink(
            system="juki", atena_number=resident.atena_number, integrated_number=person.integrated_number
        )
    )
    return person
