"""Using the card: reading its certificates, challenge-response login (利用者証明), CMS and PDF signatures (署名).

The card side (`card_*`) stands for the holder's card reader: it checks the PIN on the card and signs there.
The relying-party side (`start_login`, `complete_login`) is what the portal or a コンビニ交付 terminal calls.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import os
import secrets
from typing import Any

import sqlalchemy as sa
from asn1crypto import algos, cms, x509
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.errors import Conflict, Forbidden, Invalid, NotFound, Unauthenticated
from renkei.core.settings import Settings
from renkei.jpki import cards, tokens, verifiers, window
from renkei.jpki.models import Authority, Card, Certificate, Challenge
from renkei.protocol.jpki import LoginChallenge, LoginResponse, LoginResult, b64, login_message, unb64

CHALLENGE_TTL = dt.timedelta(minutes=5)


def read_certificate(
    session: Session, *, settings: Settings, card_number: str, slot: str, pin: str | None = None
) -> bytes:
    """The certificate on the card: the 利用者証明用 one is readable without a PIN, the 署名用 one needs it."""
    card = session.scalar(sa.select(Card).where(Card.card_number == card_number))
    if card is None:
        raise NotFound("カードが見つかりません", record=card_number, field="card_number")
    if slot == "sign":
        if pin is None:
            raise Unauthenticated(
                "署名用電子証明書の読み出しには署名用PINが必要です", record=card_number, field="sign_pin"
            )
        cards.check_pin(session, settings, card, "sign", pin)
    return window.current_certificate(session, card, slot).der


def _card_for_use(session: Session, settings: Settings, card_number: str, slot: str, pin: str) -> Card:
    card = session.scalar(sa.select(Card).where(Card.card_number == card_number))
    if card is None:
        raise NotFound("カードが見つかりません", record=card_number, field="card_number")
    cards.check_pin(session, settings, card, slot, pin)
    return card


def card_sign(
    session: Session, *, settings: Settings, card_number: str, slot: str, pin: str, data: bytes
) -> bytes:
    """Sign `data` on the card with the `slot` key after its PIN (sha256WithRSAEncryption)."""
    card = _card_for_use(session, settings, card_number, slot, pin)
    return tokens.token_for(session, settings, card).sign(slot, data)


# -- login ------------------------------------------------------------------------------------------
def start_login(session: Session, *, audience: str) -> LoginChallenge:
    audience = audience.strip()
    if not audience:
        raise Invalid("利用者（audience）を指定してください", field="audience")
    now = clock.now()
    challenge = Challenge(
        id=secrets.token_hex(16),
        nonce=os.urandom(32),
        audience=audience,
        created_at=now,
        expires_at=now + CHALLENGE_TTL,
    )
    session.add(challenge)
    session.flush()
    return LoginChallenge(
        challenge_id=challenge.id,
        nonce=b64(challenge.nonce),
        audience=audience,
        expires_at=challenge.expires_at,
    )


def card_login_response(
    session: Session, *, settings: Settings, card_number: str, pin: str, challenge: LoginChallenge
) -> LoginResponse:
    """The card's half of the login: the 利用者証明用 certificate and a signature over the challenge."""
    message = login_message(challenge.challenge_id, challenge.audience, unb64(challenge.nonce))
    signature = card_sign(
        session, settings=settings, card_number=card_number, slot="auth", pin=pin, data=message
    )
    certificate = read_certificate(session, settings=settings, card_number=card_number, slot="auth")
    return LoginResponse(
        challenge_id=challenge.challenge_id, certificate=b64(certificate), signature=b64(signature)
    )


def complete_login(session: Session, *, response: LoginResponse) -> LoginResult:
    """Check the challenge is fresh and unused, the certificate valid and unrevoked, the signature right."""
    challenge = session.get(Challenge, response.challenge_id)
    now = clock.now()
    if challenge is None:
        raise NotFound("認証要求が見つかりません", record=response.challenge_id, field="challenge_id")
    if challenge.used_at is not None:
        raise Conflict("この認証要求は使用済みです", record=challenge.id, field="challenge_id")
    if challenge.expires_at <= now:
        raise Forbidden("認証要求の有効期限が切れています", record=challenge.id, field="challenge_id")
    try:
        certificate_der, signature = unb64(response.certificate), unb64(response.signature)
    except ValueError as exc:
        raise Invalid("Base64として読めません", record=challenge.id, field="certificate") from exc
    result, stored = verifiers.check_chain(session, certificate_der, at=now)
    if result.kind != "auth":
        raise Forbidden("利用者証明用電子証明書ではありません", record=result.serial, field="certificate")
    if not result.valid:
        raise Forbidden(
            f"証明書が有効ではありません: {result.message}", record=result.serial, field="certificate"
        )
    message = login_message(challenge.id, challenge.audience, challenge.nonce)
    if not verifiers.verify_signature(certificate_der, message, signature):
        raise Unauthenticated("署名が検証できません", record=challenge.id, field="signature")
    challenge.used_at = now
    session.flush()
    assert stored is not None
    return LoginResult(serial=f"{stored.serial:X}", subject=stored.subject_cn, audience=challenge.audience)


# -- signing documents -------------------------------------------------------------------------------
class CardSigner(signers.Signer):  # type: ignore[misc]
    """A pyHanko signer whose raw signature is made on the card (the PIN was checked when it was made)."""

    def __init__(self, *, signing_cert: x509.Certificate, chain: list[x509.Certificate], sign: Any) -> None:
        super().__init__(
            signing_cert=signing_cert,
            cert_registry=SimpleCertificateStore.from_certs(chain),  # type: ignore[no-untyped-call]
            signature_mechanism=algos.SignedDigestAlgorithm({"algorithm": "sha256_rsa"}),
        )
        self._sign = sign

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        if digest_algorithm != "sha256":
            raise Invalid("JPKIの署名は SHA-256 のみです", field="digest_algorithm")
        if dry_run:
            return bytes(256)
        signature: bytes = self._sign(data)
        return signature


def card_signer(session: Session, *, settings: Settings, card_number: str, pin: str) -> CardSigner:
    card = _card_for_use(session, settings, card_number, "sign", pin)
    certificate = window.current_certificate(session, card, "sign")
    if certificate.status != "good":
        raise Forbidden(
            "署名用電子証明書が失効または一時停止されています",
            record=f"{certificate.serial:X}",
            field="status",
        )
    token = tokens.token_for(session, settings, card)
    return CardSigner(
        signing_cert=x509.Certificate.load(certificate.der),
        chain=_chain(session, certificate),
        sign=lambda data: token.sign("sign", data),
    )


def _chain(session: Session, certificate: Certificate) -> list[x509.Certificate]:
    chain = []
    authority = session.get(Authority, certificate.authority_id)
    while authority is not None:
        chain.append(x509.Certificate.load(authority.certificate_der))
        authority = session.get(Authority, authority.issuer_id) if authority.issuer_id else None
    return chain


def sign_detached(session: Session, *, settings: Settings, card_number: str, pin: str, data: bytes) -> bytes:
    """A CMS SignedData (RFC 5652) over `data`, detached, signed on the card with the 署名用 key; DER."""
    signer = card_signer(session, settings=settings, card_number=card_number, pin=pin)
    content_info: cms.ContentInfo = asyncio.run(signer.async_sign_general_data(data, "sha256", detached=True))
    return bytes(content_info.dump())


def sign_pdf(
    session: Session, *, settings: Settings, card_number: str, pin: str, pdf: bytes, reason: str = "電子申請"
) -> bytes:
    """Sign a PDF (PAdES-style CMS in a signature field) with the 署名用 certificate on the card."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    signer = card_signer(session, settings=settings, card_number=card_number, pin=pin)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(field_name="JPKISignature", reason=reason, md_algorithm="sha256")
    output = asyncio.run(signers.async_sign_pdf(writer, meta, signer=signer))
    return bytes(output.getvalue())
