"""Status changes of end-entity certificates: revoke, hold (一時停止) and release, each with its CRL entry."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.errors import Conflict
from renkei.jpki import der, log
from renkei.jpki.models import Authority, Certificate, OcspResponse, Revocation
from renkei.jpki.oids import Reason


def next_seq(session: Session, authority_id: int) -> int:
    """Bump the CA's change sequence atomically (on PostgreSQL this also serialises changes per CA)."""
    seq = session.execute(
        sa.update(Authority)
        .where(Authority.id == authority_id)
        .values(change_seq=Authority.change_seq + 1)
        .returning(Authority.change_seq)
    ).scalar_one()
    return int(seq)


def change(session: Session, certificate: Certificate, *, action: str, reason: Reason) -> bool:
    """Apply `action` (revoke | hold | release); False when the certificate is already in that state.

    RFC 5280 §5.3.1: a hold is reason certificateHold and may be lifted (the delta CRL then lists the serial with
    removeFromCRL); a revocation is final.
    """
    if action == "revoke":
        if certificate.status == "revoked":
            return False
        in_crl, new_status = True, "revoked"
    elif action == "hold":
        if certificate.status == "hold":
            return False
        if certificate.status == "revoked":
            raise Conflict(
                "失効済みの証明書は一時停止できません", record=str(certificate.serial), field="status"
            )
        in_crl, new_status, reason = True, "hold", Reason.CERTIFICATE_HOLD
    elif action == "release":
        if certificate.status == "good":
            return False
        if certificate.status == "revoked":
            raise Conflict(
                "失効済みの証明書は一時停止を解除できません", record=str(certificate.serial), field="status"
            )
        in_crl, new_status, reason = False, "good", Reason.REMOVE_FROM_CRL
    else:
        raise ValueError(action)
    at = clock.now().replace(microsecond=0)
    seq = next_seq(session, certificate.authority_id)
    session.execute(
        sa.update(Revocation)
        .where(Revocation.certificate_id == certificate.id, Revocation.in_crl)
        .values(in_crl=False)
    )
    session.add(
        Revocation(
            authority_id=certificate.authority_id,
            certificate_id=certificate.id,
            seq=seq,
            action=action,
            reason=int(reason),
            at=at,
            not_after=certificate.not_after,
            entry_der=der.crl_entry(certificate.serial, at, int(reason)),
            in_crl=in_crl,
        )
    )
    session.execute(sa.delete(OcspResponse).where(OcspResponse.certificate_id == certificate.id))
    certificate.status = new_status
    certificate.reason = None if new_status == "good" else int(reason)
    certificate.revoked_at = None if new_status == "good" else at
    session.flush()
    log_action = {"revoke": "revoke", "hold": "suspend", "release": "resume"}[action]
    log.append(
        session,
        log_action,
        serial=certificate.serial,
        detail={"kind": certificate.kind, "reason": int(reason)},
    )
    return True
