"""証明書交付センター use cases: one kiosk transaction end to end, the record of it, and the monthly settlement.

No database transaction is open while the center calls jpki or the municipality (CONVENTIONS §18): the calls are
made first, then the outcome is recorded in one short transaction. A refusal is recorded and answered with the
message the kiosk shows, never raised past the kiosk.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

import sqlalchemy as sa
from cryptography import x509
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.errors import Forbidden, Invalid, NotFound, RenkeiError, Unauthenticated, Unavailable
from renkei.kiosk import ocsp
from renkei.kiosk.models import KioskTransaction
from renkei.protocol.jpki import JpkiClient
from renkei.protocol.kiosk import (
    KIND_LABELS,
    CertificateOrder,
    CertificateServer,
    IssuanceRecord,
    IssuedDocument,
    IssueRequest,
    KioskJpki,
)
from renkei.protocol.provision import month_range
from renkei.protocol.transport import Transport

Sessions = Callable[[], AbstractContextManager[Session]]

# What the kiosk screen says (the wording of the マルチコピー機 guidance, in substance).
MESSAGES = {
    "expired": "このカードの利用者証明用電子証明書は有効期限が切れています。お住まいの市区町村窓口で更新してください。",
    "revoked": "このカードの利用者証明用電子証明書は失効しています。お住まいの市区町村窓口にお問い合わせください。",
    "hold": "このカードの利用者証明用電子証明書は一時停止されています。お住まいの市区町村窓口にお問い合わせください。",
    "unknown": "このカードの電子証明書を確認できません。お住まいの市区町村窓口にお問い合わせください。",
    "unverified": "電子証明書の有効性を確認できませんでした。しばらくしてからもう一度お試しください。",
    "no_card": "カードを読み取れません。マイナンバーカードを置き直してください。",
}


@dataclass(frozen=True)
class Outcome:
    issued: bool
    message: str
    stage: str
    document: IssuedDocument | None = None

    def pdf(self) -> bytes:
        assert self.document is not None
        return self.document.pdf_bytes()


class _Refusal(Exception):
    def __init__(self, stage: str, message: str) -> None:
        super().__init__(message)
        self.stage = stage
        self.message = message


def _authenticate(transport: Transport, *, kiosk_id: str, card_number: str, pin: str) -> str:
    """The card and its PIN, the certificate's validity and OCSP status, the login signature; the serial."""
    jpki = JpkiClient(transport)
    challenge = jpki.login_challenge(audience=f"証明書交付センター:{kiosk_id}")
    try:
        response = jpki.card_login_response(card_number=card_number, pin=pin, challenge=challenge)
    except NotFound:
        raise _Refusal("card", MESSAGES["no_card"]) from None
    except (Forbidden, Unauthenticated, Invalid) as error:
        raise _Refusal("pin", error.message) from None
    certificate = x509.load_der_x509_certificate(base64.b64decode(response.certificate))
    now = clock.now()
    if now > certificate.not_valid_after_utc or now < certificate.not_valid_before_utc:
        raise _Refusal("certificate", MESSAGES["expired"])
    extra = KioskJpki(transport)
    issuer = x509.load_der_x509_certificate(extra.ca_certificate("auth"))
    state, _reason = ocsp.status(extra, certificate, issuer)
    if state != "good":
        raise _Refusal("ocsp", MESSAGES[state])
    try:
        result = jpki.login_complete(response)
    except RenkeiError as error:
        raise _Refusal("login", error.message) from None
    return result.serial


def issue(
    transport: Transport,
    sessions: Sessions,
    *,
    kiosk_id: str,
    card_number: str,
    pin: str,
    order: CertificateOrder,
) -> Outcome:
    """One kiosk transaction: authenticate, find the municipality, have it issue, record; refusals are recorded."""
    lg_code: str | None = None
    serial: str | None = None
    stage = "card"
    document: IssuedDocument | None = None
    try:
        serial = _authenticate(transport, kiosk_id=kiosk_id, card_number=card_number, pin=pin)
        stage = "holder"
        try:
            holder = KioskJpki(transport).certificate_holder(serial)
        except RenkeiError:
            raise _Refusal(stage, MESSAGES["unknown"]) from None
        lg_code = holder.lg_code
        stage = "municipality"
        try:
            document = CertificateServer(transport, lg_code).issue(
                IssueRequest(
                    resident_id=holder.resident_id, order=order, kiosk_id=kiosk_id, auth_serial=serial
                )
            )
        except Unavailable:
            raise _Refusal(
                stage, "お住まいの市区町村の証明書発行サーバに接続できません。窓口をご利用ください。"
            ) from None
        except RenkeiError as error:
            raise _Refusal(stage, error.message) from None
        outcome = Outcome(
            True, f"{KIND_LABELS[order.kind]}を交付しました（手数料 {document.fee}円）", "issued", document
        )
    except _Refusal as refusal:
        outcome = Outcome(False, refusal.message, refusal.stage)
    with sessions() as session:
        session.add(
            KioskTransaction(
                kiosk_id=kiosk_id,
                kind=order.kind,
                lg_code=lg_code,
                auth_serial=serial,
                outcome="issued" if outcome.issued else "refused",
                stage=outcome.stage,
                message=outcome.message,
                number=document.number if document else None,
                copies=order.copies,
                fee=document.fee if document else 0,
                at=clock.now(),
            )
        )
    return outcome


def history(
    transport: Transport, *, kiosk_id: str, card_number: str, pin: str
) -> tuple[str, list[IssuanceRecord]]:
    """交付履歴 for the person at the kiosk, after the same card, PIN and OCSP checks as an issuance."""
    try:
        serial = _authenticate(transport, kiosk_id=kiosk_id, card_number=card_number, pin=pin)
        try:
            holder = KioskJpki(transport).certificate_holder(serial)
            records = CertificateServer(transport, holder.lg_code).history(holder.resident_id)
        except RenkeiError as error:
            raise _Refusal("history", error.message) from None
    except _Refusal as refusal:
        return refusal.message, []
    return f"交付履歴 {len(records)}件", records


@dataclass(frozen=True)
class SettlementLine:
    lg_code: str
    kind: str
    count: int
    copies: int
    fees: int

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


def settlement(session: Session, *, month: str, lg_code: str | None = None) -> list[SettlementLine]:
    """Fees collected at kiosks in a month (Asia/Tokyo), per municipality and certificate kind, to be remitted."""
    start, end = month_range(month)
    query = (
        sa.select(
            KioskTransaction.lg_code,
            KioskTransaction.kind,
            sa.func.count(),
            sa.func.sum(KioskTransaction.copies),
            sa.func.sum(KioskTransaction.fee),
        )
        .where(KioskTransaction.outcome == "issued", KioskTransaction.at >= start, KioskTransaction.at < end)
        .group_by(KioskTransaction.lg_code, KioskTransaction.kind)
        .order_by(KioskTransaction.lg_code, KioskTransaction.kind)
    )
    if lg_code:
        query = query.where(KioskTransaction.lg_code == lg_code)
    return [
        SettlementLine(str(lg), str(kind), int(n), int(c or 0), int(f or 0))
        for lg, kind, n, c, f in session.execute(query)
    ]


def transactions(session: Session, *, limit: int = 50) -> list[KioskTransaction]:
    return list(
        session.scalars(sa.select(KioskTransaction).order_by(KioskTransaction.id.desc()).limit(limit))
    )
