"""`renkei jpki export`: the CA, OCSP responder and end-entity certificates as PEM, for verifiers and tools."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy.orm import Session

from renkei.core.errors import NotFound
from renkei.core.settings import Settings
from renkei.jpki import ca
from renkei.jpki.models import Card, Certificate, Responder


def pem(der: bytes) -> bytes:
    return x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)


def certificates(
    session: Session,
    *,
    settings: Settings,
    serials: Sequence[tuple[str, int]] = (),
    card_numbers: Sequence[str] = (),
) -> dict[str, bytes]:
    """File name → PEM: root/sign/auth CAs, each active responder, and the end-entity certificates asked for.

    End-entity certificates are named by (CA role, serial) or by card number (both of the card's certificates);
    an unknown one is an error naming it. Certificates are public: nothing here is a key.
    """
    authorities = ca.authorities(session, settings=settings)
    out = {f"{role}.pem": pem(a.certificate_der) for role, a in authorities.items()}
    for role, authority in authorities.items():
        responder = session.scalar(
            sa.select(Responder)
            .where(Responder.authority_id == authority.id, Responder.active)
            .order_by(Responder.id.desc())
        )
        if responder is not None:
            out[f"responder-{role}.pem"] = pem(responder.certificate_der)
    for role, serial in serials:
        issuer = authorities.get(role)
        found = (
            None
            if issuer is None or serial >= 2**63
            else session.scalar(
                sa.select(Certificate).where(
                    Certificate.authority_id == issuer.id, Certificate.serial == serial
                )
            )
        )
        if found is None:
            raise NotFound(
                f"証明書がありません（{role} 認証局、シリアル {serial:#x}）",
                record=str(serial),
                field="serial",
            )
        out[f"{role}-{serial:x}.pem"] = pem(found.der)
    for number in card_numbers:
        card = session.scalar(sa.select(Card).where(Card.card_number == number))
        if card is None:
            raise NotFound(f"カードがありません: {number}", record=number, field="card_number")
        for certificate in session.scalars(
            sa.select(Certificate).where(Certificate.card_id == card.id).order_by(Certificate.id)
        ):
            out[f"card-{number}-{certificate.kind}-{certificate.serial:x}.pem"] = pem(certificate.der)
    return out
