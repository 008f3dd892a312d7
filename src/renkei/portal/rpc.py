"""The portal on the wire (paths /portal/v1/…): who it is, お知らせ from municipalities, and their ぴったりサービス
inbox and decisions. A municipality's node (or its business systems) acts only for its own 団体コード, as its
organisation certificate names it; the signature over each request is checked against the key the hub holds."""

from __future__ import annotations

from renkei.core.db import Databases
from renkei.core.errors import Unavailable
from renkei.core.settings import Settings
from renkei.portal import notices, pittari
from renkei.portal.keys import portal_keys
from renkei.protocol.api import Empty, ServiceApi, operation
from renkei.protocol.hub import HubClient
from renkei.protocol.identity import Caller
from renkei.protocol.portal import (
    PORTAL_AGENCY_CODE,
    PORTAL_SERVICE,
    ApplicationRecord,
    DecisionRequest,
    Inbox,
    InboxRequest,
    NoticeAccepted,
    NoticeSubmission,
    PortalInfo,
)
from renkei.protocol.transport import Transport

EVERY_NODE = frozenset({"municipality", "business", "hub", "jpki", "jukinet", "operator", "portal"})
MUNICIPAL = frozenset({"municipality", "business"})  # a municipality's node or its business systems


def api(databases: Databases, settings: Settings, transport: Transport | None = None) -> ServiceApi:
    hub = HubClient(transport) if transport is not None else None

    def hub_client() -> HubClient:
        if hub is None:
            raise Unavailable("ポータルからハブに接続できません", record=PORTAL_SERVICE)
        return hub

    @operation("info", Empty, PortalInfo, callers=EVERY_NODE)
    def info(_request: Empty, _caller: Caller) -> PortalInfo:
        """ポータルの機関コードと公開鍵 / the portal's agency code and keys."""
        keys = portal_keys(settings)
        return PortalInfo(
            agency_code=PORTAL_AGENCY_CODE,
            signing_public_key=keys.signing_public_pem,
            sealing_public_key=keys.sealing_public_pem,
        )

    @operation("send_notice", NoticeSubmission, NoticeAccepted, callers=MUNICIPAL)
    def send_notice(submission: NoticeSubmission, caller: Caller) -> NoticeAccepted:
        """お知らせの送信（署名付き、自団体の住民あて） / a municipality's notice to its residents."""
        caller.must_be_agency(submission.agency_code, field="agency_code")
        caller.must_be_municipality(submission.lg_code)
        notices.check_sender(submission, hub=hub_client())  # over the network, before the transaction
        with databases.session(PORTAL_SERVICE) as session:
            return notices.accept(session, submission=submission)

    @operation("application_inbox", InboxRequest, Inbox, callers=MUNICIPAL)
    def application_inbox(request: InboxRequest, caller: Caller) -> Inbox:
        """ぴったりサービスの受信箱（署名付き、自団体あての申請） / the municipality's application inbox."""
        caller.must_be_agency(request.agency_code, field="agency_code")
        caller.must_be_municipality(request.lg_code)
        pittari.check_municipality(request, hub=hub_client())
        with databases.session(PORTAL_SERVICE) as session:
            return Inbox(applications=pittari.inbox(session, lg_code=request.lg_code))

    @operation("decide_application", DecisionRequest, ApplicationRecord, callers=MUNICIPAL)
    def decide_application(request: DecisionRequest, caller: Caller) -> ApplicationRecord:
        """申請の受理・返戻（署名付き、自団体あての申請） / accept or return an application."""
        caller.must_be_agency(request.agency_code, field="agency_code")
        caller.must_be_municipality(request.lg_code)
        pittari.check_municipality(request, hub=hub_client())
        with databases.session(PORTAL_SERVICE) as session:
            return pittari.decide(session, request=request)

    return ServiceApi(PORTAL_SERVICE, PORTAL_SERVICE, "renkei portal マイナポータル").add(
        info, send_notice, application_inbox, decide_application
    )
