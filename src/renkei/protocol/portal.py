"""Messages the portal (マイナポータル, 情報提供等記録開示システム) exchanges with jpki and municipal nodes.

利用者登録 at first login (decision 0090): the portal learns from jpki which municipality's resident holds the
利用者証明用 certificate that just logged in, asks that municipality's node for a single-use 取得番号 (the node asks
住基ネット, as it does for its own 符号), and turns it into the portal's own 符号 at the hub. The portal keeps only
its 符号; the 住民票コード never leaves the resident register and 住基ネット.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, Field, ValidationError, field_validator

from renkei.core.errors import Invalid
from renkei.core.ids import validate_agency_code, validate_lg_code
from renkei.protocol.messages import Message, SignedMessage
from renkei.protocol.transport import Transport

PORTAL_SERVICE = "portal"
PORTAL_AGENCY_CODE = (
    "0030099000011700"  # 情報提供等記録開示システム in the 機関コード master (fidelity addendum §7)
)
PORTAL_KIND = "情報提供等記録開示システム"


M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], body: Mapping[str, Any]) -> M:
    """The request as `model`, or `Invalid` naming the first field that is wrong (never a 500)."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or model.__name__
        raise Invalid(f"{where}: {first['msg']}", record=model.__name__, field=where) from None


class CertificateHolderRequest(Message):
    """Which resident holds the certificate of this kind with this serial (hex)."""

    serial: str = Field(pattern=r"^[0-9A-Fa-f]{1,40}$")
    kind: Literal["auth", "sign"] = "auth"


class CertificateHolder(Message):
    lg_code: str
    resident_id: int
    card_number: str


class OcspExchange(Message):
    """A DER OCSPRequest or OCSPResponse (RFC 6960), Base64, carried over the protocol instead of HTTP POST /ocsp."""

    der: str = Field(min_length=4, max_length=64_000)


class PortalAcquisitionRequest(SignedMessage):
    """The portal asks a municipality for a 取得番号 of one of its residents, to obtain the portal's 符号."""

    agency_code: str
    lg_code: str
    resident_id: int = Field(ge=1)
    auth_serial: str = Field(pattern=r"^[0-9A-Fa-f]{1,40}$")
    requested_at: dt.datetime

    @field_validator("agency_code")
    @classmethod
    def _agency(cls, value: str) -> str:
        return validate_agency_code(value)

    @field_validator("lg_code")
    @classmethod
    def _lg(cls, value: str) -> str:
        return validate_lg_code(value)


class PortalAcquisitionNumber(Message):
    acquisition_number: str


class MunicipalPortalClient:
    """What the portal asks a municipality's node (service ``lg`` + 団体コード)."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def acquisition_number(self, request: PortalAcquisitionRequest) -> PortalAcquisitionNumber:
        answer = self._transport.call(
            "lg" + request.lg_code, "portal_acquisition_number", request.model_dump(mode="json")
        )
        return PortalAcquisitionNumber.model_validate(answer)


# --- お知らせ (municipality → portal) ----------------------------------------------------------------------
class PortalInfo(Message):
    """Who the portal is: its 機関コード and the keys a municipality checks and seals to."""

    agency_code: str
    signing_public_key: str
    sealing_public_key: str


class NoticeSubmission(SignedMessage):
    """A municipality's notice to some of its residents, signed with its hub-registered key; idempotent by id."""

    notice_id: str = Field(pattern=r"^[0-9a-f]{32}$")
    agency_code: str
    lg_code: str
    title: str = Field(min_length=1, max_length=100)
    body: str = Field(min_length=1, max_length=4000)
    condition: str = Field(min_length=1, max_length=200)  # how the recipients were chosen, in words
    recipients: list[int] = Field(min_length=1, max_length=200_000)
    sent_by: str = Field(min_length=1, max_length=64)
    sent_at: dt.datetime

    @field_validator("agency_code")
    @classmethod
    def _agency(cls, value: str) -> str:
        return validate_agency_code(value)

    @field_validator("lg_code")
    @classmethod
    def _lg(cls, value: str) -> str:
        return validate_lg_code(value)


class NoticeAccepted(Message):
    notice_id: str
    recipients: int


class PortalClient:
    """What other nodes ask the portal (service ``portal``)."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def info(self) -> PortalInfo:
        return PortalInfo.model_validate(self._transport.call(PORTAL_SERVICE, "info", {}))

    def send_notice(self, submission: NoticeSubmission) -> NoticeAccepted:
        answer = self._transport.call(PORTAL_SERVICE, "send_notice", submission.model_dump(mode="json"))
        return NoticeAccepted.model_validate(answer)


# --- ぴったりサービス: electronic applications, kept at the portal, fetched and decided by the municipality ------
class ApplicationRecord(Message):
    """One signed application as the municipality's inbox shows it; `content` is what was signed (canonical JSON)."""

    application_id: str
    service_code: str
    service_name: str
    lg_code: str
    content: dict[str, Any]
    cms: str  # base64 DER, detached over canonical_json(content)
    ocsp_response: str  # base64 DER: the certificate's status at signing time, as the responder signed it
    ocsp_nonce: str  # base64
    ocsp_produced_at: dt.datetime
    status: Literal["submitted", "accepted", "returned"]
    note: str = ""
    submitted_at: dt.datetime
    decided_at: dt.datetime | None = None


class InboxRequest(SignedMessage):
    agency_code: str
    lg_code: str
    requested_at: dt.datetime

    @field_validator("agency_code")
    @classmethod
    def _agency(cls, value: str) -> str:
        return validate_agency_code(value)

    @field_validator("lg_code")
    @classmethod
    def _lg(cls, value: str) -> str:
        return validate_lg_code(value)


class Inbox(Message):
    applications: list[ApplicationRecord]


class DecisionRequest(SignedMessage):
    agency_code: str
    lg_code: str
    application_id: str = Field(pattern=r"^[0-9a-f]{32}$")
    decision: Literal["accepted", "returned"]
    note: str = Field(default="", max_length=500)
    decided_by: str = Field(min_length=1, max_length=64)
    decided_at: dt.datetime

    @field_validator("agency_code")
    @classmethod
    def _agency(cls, value: str) -> str:
        return validate_agency_code(value)

    @field_validator("lg_code")
    @classmethod
    def _lg(cls, value: str) -> str:
        return validate_lg_code(value)


def _portal_call(transport: Transport, operation: str, message: Message) -> dict[str, Any]:
    return transport.call(PORTAL_SERVICE, operation, message.model_dump(mode="json"))


class ApplicationInboxClient:
    """The municipality's side of ぴったりサービス: its inbox at the portal, and its decisions."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def inbox(self, request: InboxRequest) -> Inbox:
        return Inbox.model_validate(_portal_call(self._transport, "application_inbox", request))

    def decide(self, request: DecisionRequest) -> ApplicationRecord:
        return ApplicationRecord.model_validate(_portal_call(self._transport, "decide_application", request))
