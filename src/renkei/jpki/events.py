"""異動 from the residents' outbox: revoke the 署名用 certificate when the 基本4情報 change, both on death.

Idempotent by event id; a person with no card is recorded as a no-op, not an error. A move_in re-links the
holder from the previous municipality's (lg_code, resident_id) to the new one.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.jpki import log, revocation, window
from renkei.jpki.models import Card, Certificate, Holder, IdentityEvent
from renkei.jpki.oids import Reason
from renkei.protocol.jpki import EventOutcome, IdentityChange

CHANGES = ("move_out", "move_in", "name_change", "address_change")


def _personal(change: IdentityChange) -> dict[str, object]:
    return {
        "name": change.name,
        "address": change.address,
        "birth_date": change.birth_date.isoformat(),
        "sex": change.sex,
        "former_surname": change.former_surname or None,
    }


def _find_holder(session: Session, change: IdentityChange) -> tuple[Holder | None, bool]:
    holder = session.scalar(
        sa.select(Holder).where(Holder.lg_code == change.lg_code, Holder.resident_id == change.resident_id)
    )
    if holder is not None or change.kind != "move_in" or change.previous_lg_code is None:
        return holder, False
    previous = session.scalar(
        sa.select(Holder).where(
            Holder.lg_code == change.previous_lg_code, Holder.resident_id == change.previous_resident_id
        )
    )
    if previous is None:
        return None, False
    previous.lg_code, previous.resident_id = change.lg_code, change.resident_id
    return previous, True


def notify_identity_change(session: Session, *, change: IdentityChange) -> EventOutcome:
    """Apply one ResidentEvent; a repeated event id returns what the first delivery did."""
    done = session.get(IdentityEvent, change.event_id)
    if done is not None:
        return EventOutcome(event_id=done.event_id, outcome="duplicate", revoked=list(done.revoked))
    holder, relinked = _find_holder(session, change)
    revoked: list[str] = []
    outcome = "no_card"
    if holder is not None:
        live = list(
            session.scalars(
                sa.select(Certificate)
                .where(Certificate.holder_id == holder.id, Certificate.status != "revoked")
                .order_by(Certificate.id)
            )
        )
        new = _personal(change)
        if change.kind == "death":
            for certificate in live:
                revocation.change(session, certificate, action="revoke", reason=Reason.CESSATION_OF_OPERATION)
                revoked.append(f"{certificate.serial:X}")
            for card in session.scalars(sa.select(Card).where(Card.holder_id == holder.id)):
                window.close_card(session, card)
            holder.deceased = True
            outcome = "revoked_all"
        elif change.kind in CHANGES:
            for certificate in live:
                # A 転出 always ends the 署名用 certificate's address; other changes only when the 4情報 differ.
                if certificate.kind == "sign" and (change.kind == "move_out" or certificate.personal != new):
                    revocation.change(
                        session, certificate, action="revoke", reason=Reason.AFFILIATION_CHANGED
                    )
                    revoked.append(f"{certificate.serial:X}")
            outcome = "revoked_sign" if revoked else "no_change"
        else:
            outcome = "no_change"
        holder.name, holder.address, holder.sex = change.name, change.address, change.sex
        holder.birth_date, holder.former_surname = change.birth_date, change.former_surname
        holder.updated_at = clock.now()
    session.add(
        IdentityEvent(
            event_id=change.event_id,
            kind=change.kind,
            lg_code=change.lg_code,
            resident_id=change.resident_id,
            outcome=outcome,
            revoked=revoked,
            processed_at=clock.now(),
        )
    )
    session.flush()
    log.append(
        session,
        "identity_event",
        detail={"event_id": change.event_id, "kind": change.kind, "outcome": outcome, "relinked": relinked},
    )
    return EventOutcome(event_id=change.event_id, outcome=outcome, relinked=relinked, revoked=revoked)
