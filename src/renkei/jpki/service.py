"""公的個人認証サービス use cases: the public face of `renkei.jpki` (services flush, callers commit).

Window: `issue_card`, `reset_pin`, `suspend`, `resume`, `revoke`, `renew`, `holder_status`.
異動: `notify_identity_change`. Operators: `init_hierarchy`, `publish_crl`, `current_crl`, `rotate_responder`,
`preproduce_ocsp`, `verify_issuance_log`. Verifiers: `register_verifier`, `verify_certificate`.
Using the card: `start_login`, `card_login_response`, `complete_login`, `sign_detached`, `sign_pdf`.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core.errors import Invalid, NotFound
from renkei.core.settings import Settings
from renkei.jpki import ca, crl, events, log, ocsp
from renkei.jpki.models import Authority, Crl, LogEntry
from renkei.jpki.usage import (
    card_login_response,
    card_sign,
    complete_login,
    read_certificate,
    sign_detached,
    sign_pdf,
    start_login,
)
from renkei.jpki.verifiers import list_verifiers
from renkei.jpki.verifiers import register as register_verifier
from renkei.jpki.verifiers import verify as verify_certificate
from renkei.jpki.window import holder_status, issue_card, renew, reset_pin, resume, revoke, suspend
from renkei.protocol.jpki import EventOutcome, IdentityChange

__all__ = [
    "authority_certificates",
    "card_login_response",
    "card_sign",
    "complete_login",
    "current_crl",
    "holder_status",
    "init_hierarchy",
    "issue_card",
    "list_verifiers",
    "notify_identity_change",
    "preproduce_ocsp",
    "publish_crl",
    "read_certificate",
    "recent_log",
    "register_verifier",
    "renew",
    "reset_pin",
    "resume",
    "revoke",
    "rotate_responder",
    "sign_detached",
    "sign_pdf",
    "start_login",
    "suspend",
    "verify_certificate",
    "verify_issuance_log",
]


def init_hierarchy(
    session: Session,
    *,
    settings: Settings,
    base_url: str = ca.DEFAULT_BASE_URL,
    keystore_kind: str | None = None,
) -> list[dict[str, Any]]:
    """Create the root and the two issuing CAs (idempotent); returns a summary of each."""
    made = ca.init_hierarchy(session, settings=settings, base_url=base_url, keystore_kind=keystore_kind)
    return [
        {
            "role": a.role,
            "generation": a.generation,
            "subject": ca.parsed(a.certificate_der).subject.human_friendly,
            "not_after": a.not_after,
            "key_label": a.key_label,
        }
        for a in made
    ]


def authority_certificates(session: Session, *, settings: Settings) -> dict[str, bytes]:
    """DER certificates of the active CAs by role (root, sign, auth): the trust anchors verifiers install."""
    return {role: a.certificate_der for role, a in ca.authorities(session, settings=settings).items()}


def _role(role: str) -> str:
    if role not in ca.ROLES:
        raise Invalid("認証局は root, sign, auth のいずれかです", field="role")
    return role


def publish_crl(session: Session, *, settings: Settings, role: str, delta: bool = False) -> Crl:
    """The next CRL of a CA; publishing a delta re-signs the full CRL too (both reflect the same changes)."""
    return crl.publish_with_full(session, settings=settings, role=_role(role), delta=delta)


def current_crl(session: Session, *, settings: Settings, role: str, delta: bool = False) -> bytes:
    return crl.current(session, settings=settings, role=_role(role), delta=delta).der


def rotate_responder(session: Session, *, settings: Settings, role: str) -> dict[str, Any]:
    responder = ca.rotate_responder(session, settings=settings, role=role)
    return {"role": role, "responder_id": responder.id, "not_after": responder.not_after}


def preproduce_ocsp(session: Session, *, settings: Settings, role: str) -> int:
    return ocsp.preproduce(session, settings=settings, role=role)


def notify_identity_change(session: Session, *, event: Any) -> EventOutcome:
    """Consume one residents' outbox event (ResidentEvent or its JSON); idempotent by event id."""
    return events.notify_identity_change(session, change=IdentityChange.of(event))


def verify_issuance_log(session: Session) -> int:
    return log.verify(session)


def recent_log(session: Session, *, limit: int = 50) -> list[LogEntry]:
    return list(session.scalars(sa.select(LogEntry).order_by(LogEntry.id.desc()).limit(limit)))


def authority(session: Session, *, role: str) -> Authority:
    found = session.scalar(sa.select(Authority).where(Authority.role == role, Authority.active))
    if found is None:
        raise NotFound("認証局がありません", record=role, field="role")
    return found
