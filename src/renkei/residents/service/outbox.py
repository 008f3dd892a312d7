"""The outbox read side: each consumer sees every event until it acknowledges it (at-least-once delivery)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.errors import Invalid
from renkei.residents.models import ResidentsEvent, ResidentsEventAck
from renkei.residents.schemas import ResidentEvent


def to_event(row: ResidentsEvent) -> ResidentEvent:
    p = row.payload
    return ResidentEvent(
        event_id=row.event_id,
        kind=row.kind,  # type: ignore[arg-type]
        lg_code=p["lg_code"],
        resident_id=row.resident_id,
        occurred_at=row.occurred_at,
        effective_on=dt.date.fromisoformat(p["effective_on"]),
        name=p["name"],
        name_kana=p["name_kana"],
        former_surname=p.get("former_surname"),
        address=p["address"],
        birth_date=dt.date.fromisoformat(p["birth_date"]),
        sex=p["sex"],
        previous_lg_code=p.get("previous_lg_code"),
        previous_resident_id=p.get("previous_resident_id"),
    )


def _consumer(consumer: str) -> str:
    consumer = consumer.strip()
    if not consumer or len(consumer) > 40:
        raise Invalid("購読者名は1〜40文字です", field="consumer")
    return consumer


def pending_events(session: Session, *, consumer: str, limit: int = 500) -> list[ResidentEvent]:
    """Events `consumer` has not acknowledged yet, oldest first."""
    consumer = _consumer(consumer)
    acked = sa.select(ResidentsEventAck.event_id).where(
        ResidentsEventAck.consumer == consumer, ResidentsEventAck.event_id == ResidentsEvent.event_id
    )
    rows = session.scalars(
        sa.select(ResidentsEvent).where(~sa.exists(acked)).order_by(ResidentsEvent.id).limit(max(1, limit))
    )
    return [to_event(r) for r in rows]


def acknowledge(session: Session, *, consumer: str, event_ids: Sequence[str]) -> None:
    """Mark events as handled by `consumer`; acknowledging twice is harmless."""
    consumer = _consumer(consumer)
    wanted = set(event_ids)
    if not wanted:
        return
    known = set(
        session.scalars(sa.select(ResidentsEvent.event_id).where(ResidentsEvent.event_id.in_(wanted)))
    )
    unknown = wanted - known
    if unknown:
        raise Invalid("存在しないイベントです", record=sorted(unknown)[0], field="event_id")
    done = set(
        session.scalars(
            sa.select(ResidentsEventAck.event_id).where(
                ResidentsEventAck.consumer == consumer, ResidentsEventAck.event_id.in_(wanted)
            )
        )
    )
    now = clock.now()
    for event_id in sorted(wanted - done):
        session.add(ResidentsEventAck(consumer=consumer, event_id=event_id, acknowledged_at=now))
    session.flush()
