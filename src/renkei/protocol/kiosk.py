"""The wire of コンビニ交付: the kiosk and 証明書交付センター (national) ↔ jpki and each municipality's 証明書発行サーバ.

The center authenticates the card (利用者証明用 certificate, PIN on the card, OCSP at jpki), learns from jpki which
municipality and resident the certificate belongs to, and asks that municipality's 証明書発行サーバ (service
``lg<団体コード>-certificates``) for the certificate PDF. The My Number and the 住民票コード never cross. Decision 0086.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from renkei.core.ids import validate_lg_code
from renkei.protocol.portal import CertificateHolder  # who holds a certificate (one model for every caller)
from renkei.protocol.transport import Transport

JPKI = "jpki"
CertificateKind = Literal["juminhyo", "inkan", "kazei"]
KIND_LABELS: dict[str, str] = {"juminhyo": "住民票の写し", "inkan": "印鑑登録証明書", "kazei": "課税証明書"}


def certificate_service(lg_code: str) -> str:
    """Service name of a municipality's 証明書発行サーバ."""
    return f"lg{validate_lg_code(lg_code)}-certificates"


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CertificateOrder(_Message):
    """What the resident chose on the kiosk screen."""

    kind: CertificateKind
    household: bool = False  # 住民票の写し: 世帯全員 instead of 本人のみ
    fiscal_year: int | None = Field(default=None, ge=2000, le=2100)  # 課税証明書: 年度
    copies: int = Field(default=1, ge=1, le=10)


class IssueRequest(_Message):
    """証明書交付センター → 証明書発行サーバ: who (the register's resident id), what, from which kiosk."""

    resident_id: int
    order: CertificateOrder
    kiosk_id: str
    auth_serial: str


class IssuedDocument(_Message):
    number: str
    kind: CertificateKind
    pdf: str  # base64
    verification_code: str
    fee: int
    issued_at: dt.datetime

    def pdf_bytes(self) -> bytes:
        return base64.b64decode(self.pdf)


class CodeCheck(_Message):
    """What the 証明書確認 service answers for a verification code (the 問い合わせサイト stand-in)."""

    found: bool
    number: str | None = None
    kind: CertificateKind | None = None
    issued_at: dt.datetime | None = None
    name: str | None = None
    sha256: str | None = None
    message: str


class IssuanceRecord(_Message):
    """One certificate issued to the person, as the municipality recorded it (shown to the person at a kiosk)."""

    number: str
    kind: CertificateKind
    kiosk_id: str | None
    copies: int
    fee: int
    issued_at: dt.datetime


class CodeRequest(_Message):
    """A verification code printed on a certificate (証明書確認番号)."""

    code: str = Field(min_length=1, max_length=40)


class HistoryRequest(_Message):
    resident_id: int = Field(ge=1)


class IssuanceHistory(_Message):
    issued: list[IssuanceRecord]


class CertificateServer:
    """Typed calls to one municipality's 証明書発行サーバ."""

    def __init__(self, transport: Transport, lg_code: str) -> None:
        self._transport = transport
        self._service = certificate_service(lg_code)

    def issue(self, request: IssueRequest) -> IssuedDocument:
        answer = self._transport.call(self._service, "issue_certificate", request.model_dump(mode="json"))
        return IssuedDocument.model_validate(answer)

    def history(self, resident_id: int) -> list[IssuanceRecord]:
        # Bodies as the user gave them: the server's models (HistoryRequest, CodeRequest) judge them.
        body = {"resident_id": resident_id}
        return IssuanceHistory.model_validate(self._transport.call(self._service, "history", body)).issued

    def check_code(self, code: str) -> CodeCheck:
        return CodeCheck.model_validate(self._transport.call(self._service, "check_code", {"code": code}))


class KioskJpki:
    """The jpki operations the center needs beyond `JpkiClient`: OCSP and the holder of a certificate."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def ocsp(self, request_der: bytes) -> bytes:
        answer = self._transport.call(JPKI, "ocsp", {"der": base64.b64encode(request_der).decode()})
        return base64.b64decode(str(answer["der"]))

    def certificate_holder(self, serial: str) -> CertificateHolder:
        answer = self._transport.call(JPKI, "certificate_holder", {"serial": serial})
        return CertificateHolder.model_validate(answer)

    def ca_certificate(self, role: str) -> bytes:
        answer = self._transport.call(JPKI, "ca_certificates", {})
        return base64.b64decode(str(answer[role]))
