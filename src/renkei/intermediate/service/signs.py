"""符号管理 (FGU): obtain this agency's 符号 at birth and move-in, release it at move-out and death.

The resident register's outbox is read as consumer "intermediate". For each new resident the register asks
住基ネット for a single-use 取得番号 (the 住民票コード never leaves the register), the node sends the 取得番号s to the
hub, and stores the 符号 the hub returns beside the 統合宛名番号 (番号法第21条の2; domain reference §3).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.addressee import service as addressee
from renkei.core import clock
from renkei.core.errors import Invalid, NotFound
from renkei.core.settings import Settings
from renkei.intermediate.models import IntermediateSign
from renkei.intermediate.service.node import node_keys
from renkei.protocol.hub import HubClient
from renkei.protocol.jukinet import JukinetClient
from renkei.protocol.messages import SignAcquisitionRequest
from renkei.residents import service as residents

CONSUMER = "intermediate"
ACQUIRE_ON = frozenset({"birth", "move_in"})
DROP_ON = frozenset({"move_out", "death"})


@dataclass(slots=True)
class SignSync:
    acquired: int = 0
    removed: int = 0
    events: int = 0
    waiting: list[str] = field(default_factory=list)


def sign_not_acquired(integrated_number: str) -> str:
    """The real 中間サーバー message (fidelity addendum §2)."""
    return f"指定された団体内統合宛名番号「{integrated_number}」は符号が未取得です。"


def sign_of(session: Session, *, lg_code: str, integrated_number: str) -> str:
    """The 符号 to ask with: only a person currently served here has one (released ones are not used to ask)."""
    sign = session.scalar(
        sa.select(IntermediateSign.sign).where(
            IntermediateSign.lg_code == lg_code,
            IntermediateSign.integrated_number == integrated_number,
            IntermediateSign.released_at.is_(None),
        )
    )
    if sign is None:
        raise NotFound(sign_not_acquired(integrated_number), record=integrated_number, field="符号")
    return sign


def integrated_number_of_sign(session: Session, *, lg_code: str, sign: str) -> str | None:
    return session.scalar(
        sa.select(IntermediateSign.integrated_number).where(
            IntermediateSign.lg_code == lg_code, IntermediateSign.sign == sign
        )
    )


def acquire_signs(
    session: Session,
    *,
    lg_code: str,
    settings: Settings,
    resident_ids: Sequence[int],
    jukinet: JukinetClient,
    hub: HubClient,
    reason: str = "acquire",
) -> int:
    """Obtain and store 符号 for residents who have a 統合宛名番号 and no 符号 yet; returns how many were stored."""
    wanted: dict[int, str] = {}
    for resident_id in resident_ids:
        wanted[resident_id] = addressee.integrated_number_of_resident(session, resident_id=resident_id)
    held: set[str] = set()
    for held_sign in session.scalars(
        sa.select(IntermediateSign).where(
            IntermediateSign.lg_code == lg_code,
            IntermediateSign.integrated_number.in_(set(wanted.values())),
        )
    ):
        # Someone who comes back keeps the 符号 this agency already holds for them (it never changes).
        held_sign.released_at = None
        held.add(held_sign.integrated_number)
    todo = [rid for rid, number in wanted.items() if number not in held]
    if not todo:
        return 0
    keys = node_keys(session, lg_code=lg_code, settings=settings)
    stored = 0
    for start in range(0, len(todo), 5000):
        batch = todo[start : start + 5000]
        numbers = residents.issue_acquisition_numbers(
            session, resident_ids=batch, jukinet=jukinet, settings=settings
        )
        request = SignAcquisitionRequest(
            agency_code=keys.agency_code,
            acquisition_numbers=[numbers[rid] for rid in batch],
            requested_at=clock.now(),
        ).signed(keys.signing_key)
        response = hub.acquire_signs(request)
        by_number = {s.acquisition_number: s.sign for s in response.signs}
        now = clock.now()
        rows = []
        for rid in batch:
            value = by_number.get(numbers[rid])
            if value is None:
                raise Invalid("符号取得の応答に取得番号が欠けています", record=str(rid), field="取得番号")
            rows.append(
                {
                    "lg_code": lg_code,
                    "integrated_number": wanted[rid],
                    "sign": value,
                    "acquired_at": now,
                    "reason": reason,
                }
            )
        session.execute(sa.insert(IntermediateSign), rows)
        stored += len(rows)
    session.flush()
    return stored


def remove_sign(session: Session, *, lg_code: str, integrated_number: str) -> bool:
    """Release the 符号 at move-out or death: not used to ask any more, kept to answer for the copies held here."""
    result = session.execute(
        sa.update(IntermediateSign)
        .where(
            IntermediateSign.lg_code == lg_code,
            IntermediateSign.integrated_number == integrated_number,
            IntermediateSign.released_at.is_(None),
        )
        .values(released_at=clock.now())
    )
    return bool(getattr(result, "rowcount", 0))


def sync_signs(
    session: Session,
    *,
    lg_code: str,
    settings: Settings,
    jukinet: JukinetClient,
    hub: HubClient,
    limit: int = 1000,
) -> SignSync:
    """Apply the resident register's new events: 符号 for births and move-ins, none after move-out or death.

    Events are handled in order; an event whose person has no 統合宛名番号 yet (the addressee system has not seen
    it) stops the run and stays unacknowledged, to be retried next time.
    """
    result = SignSync()
    events = residents.pending_events(session, consumer=CONSUMER, limit=limit)
    done: list[str] = []
    acquire: list[int] = []
    for event in events:
        if event.kind in ACQUIRE_ON:
            try:
                addressee.integrated_number_of_resident(session, resident_id=event.resident_id)
            except NotFound:
                result.waiting.append(event.event_id)
                break
            acquire.append(event.resident_id)
        elif event.kind in DROP_ON:
            try:
                number = addressee.integrated_number_of_resident(session, resident_id=event.resident_id)
            except NotFound:
                number = None
            if number is not None and remove_sign(session, lg_code=lg_code, integrated_number=number):
                result.removed += 1
        done.append(event.event_id)
    if acquire:
        result.acquired = acquire_signs(
            session,
            lg_code=lg_code,
            settings=settings,
            resident_ids=acquire,
            jukinet=jukinet,
            hub=hub,
            reason="event",
        )
    if done:
        residents.acknowledge(session, consumer=CONSUMER, event_ids=done)
    result.events = len(done)
    return result


def sign_count(session: Session, *, lg_code: str) -> int:
    """符号 in use for asking (people currently served by this municipality)."""
    return int(
        session.scalar(
            sa.select(sa.func.count())
            .select_from(IntermediateSign)
            .where(IntermediateSign.lg_code == lg_code, IntermediateSign.released_at.is_(None))
        )
        or 0
    )


def acquire_missing_signs(
    session: Session,
    *,
    lg_code: str,
    settings: Settings,
    jukinet: JukinetClient,
    hub: HubClient,
    page: int = 5000,
) -> int:
    """符号 for every active resident holding a 統合宛名番号 but no 符号 (after a bulk import, which sends no events)."""
    stored = 0
    offset = 0
    while True:
        people = residents.list_residents(session, status="active", limit=page, offset=offset)
        if not people:
            return stored
        offset += len(people)
        ids = []
        for person in people:
            try:
                addressee.integrated_number_of_resident(session, resident_id=person.id)
            except NotFound:
                continue
            ids.append(person.id)
        stored += acquire_signs(
            session,
            lg_code=lg_code,
            settings=settings,
            resident_ids=ids,
            jukinet=jukinet,
            hub=hub,
            reason="bulk",
        )
