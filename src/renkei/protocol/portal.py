"""Messages the portal (マイナポータル, 情報提供等記録開示システム) exchanges with jpki and municipal nodes.

利用者登録 at first login (decision 0090): the portal learns from jpki which municipality's resident holds the
利用者証明用 certificate that just logged in, asks that municipality's node for a single-use 取得番号 (the node asks
住基ネット, as it does for its own 符号), and turns it into the portal's own 符号 at the hub. The portal keeps only
its 符号; the 住民票コード never leaves the resident register and 住基ネット.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field, field_validator

from renkei.core.ids import validate_agency_code, validate_lg_code
from renkei.protocol.messages import Message, SignedMessage
from renkei.protocol.transport import Transport

PORTAL_SERVICE = "portal"
PORTAL_AGENCY_CODE = (
    "0030099000011700"  # 情報提供等記録開示システム in the 機関コード master (fidelity addendum §7)
)
PORTAL_KIND = "情報提供等記録開示システム"


class CertificateHolderRequest(Message):
    """Which resident holds the 利用者証明用 certificate with this serial (hex)."""

    serial: str = Field(pattern=r"^[0-9A-Fa-f]{1,40}$")


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
