"""The municipality's part in the portal's 利用者登録: a 取得番号 for one resident, asked by the portal (decision 0090).

The request must be signed with the key the hub has registered for an agency of kind 情報提供等記録開示システム,
and jpki must confirm that the 利用者証明用 certificate named in it is held by that very resident: the portal can
only ask for the person who has just logged in with their card.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from renkei.core.errors import Forbidden
from renkei.core.settings import Settings
from renkei.protocol.hub import HubClient
from renkei.protocol.jpki import JpkiClient
from renkei.protocol.jukinet import JukinetClient
from renkei.protocol.portal import PORTAL_KIND, PortalAcquisitionNumber, PortalAcquisitionRequest
from renkei.residents import service as residents


def check_portal_request(
    *, lg_code: str, request: PortalAcquisitionRequest, hub: HubClient, jpki: JpkiClient
) -> None:
    """Refuse unless the portal signed the request and the certificate is this resident's (network calls only)."""
    record = f"{request.lg_code}/{request.resident_id}"
    if request.lg_code != lg_code:
        raise Forbidden("他の団体の住民についての要求です", record=record, field="lg_code")
    agency = hub.agency(request.agency_code)
    if agency.kind != PORTAL_KIND:
        raise Forbidden("情報提供等記録開示システム以外からの要求です", record=request.agency_code)
    request.verify(agency.signing_public_key, record=request.agency_code)
    holder = jpki.certificate_holder(serial=request.auth_serial)
    if (holder.lg_code, holder.resident_id) != (request.lg_code, request.resident_id):
        raise Forbidden("利用者証明用電子証明書の保有者ではありません", record=record, field="auth_serial")


def portal_acquisition_number(
    session: Session, *, settings: Settings, request: PortalAcquisitionRequest, jukinet: JukinetClient
) -> PortalAcquisitionNumber:
    numbers = residents.issue_acquisition_numbers(
        session, resident_ids=[request.resident_id], jukinet=jukinet, settings=settings
    )
    return PortalAcquisitionNumber(acquisition_number=numbers[request.resident_id])
