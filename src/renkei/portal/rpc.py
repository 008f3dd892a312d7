"""The portal on the protocol: who it is, お知らせ from municipalities, and their ぴったりサービス inbox and decisions."""

from __future__ import annotations

from renkei.core.db import Databases
from renkei.core.errors import Unavailable
from renkei.core.settings import Settings
from renkei.portal import notices, pittari
from renkei.portal.keys import portal_keys
from renkei.protocol.api import ServiceApi
from renkei.protocol.hub import HubClient
from renkei.protocol.portal import (
    PORTAL_AGENCY_CODE,
    PORTAL_SERVICE,
    DecisionRequest,
    Inbox,
    InboxRequest,
    NoticeSubmission,
    parse,
)
from renkei.protocol.transport import Body, Transport, dispatcher_from


def dispatcher(databases: Databases, settings: Settings, transport: Transport | None = None) -> ServiceApi:
    hub = HubClient(transport) if transport is not None else None

    def info(_body: Body) -> Body:
        keys = portal_keys(settings)
        return {
            "agency_code": PORTAL_AGENCY_CODE,
            "signing_public_key": keys.signing_public_pem,
            "sealing_public_key": keys.sealing_public_pem,
        }

    def send_notice(body: Body) -> Body:
        if hub is None:
            raise Unavailable("ポータルからハブに接続できません", record=PORTAL_SERVICE)
        submission = parse(NoticeSubmission, body)
        notices.check_sender(submission, hub=hub)  # over the network, before the transaction
        with databases.session(PORTAL_SERVICE) as session:
            return notices.accept(session, submission=submission).model_dump(mode="json")

    def application_inbox(body: Body) -> Body:
        if hub is None:
            raise Unavailable("ポータルからハブに接続できません", record=PORTAL_SERVICE)
        request = parse(InboxRequest, body)
        pittari.check_municipality(request, hub=hub)
        with databases.session(PORTAL_SERVICE) as session:
            return Inbox(applications=pittari.inbox(session, lg_code=request.lg_code)).model_dump(mode="json")

    def decide_application(body: Body) -> Body:
        if hub is None:
            raise Unavailable("ポータルからハブに接続できません", record=PORTAL_SERVICE)
        request = parse(DecisionRequest, body)
        pittari.check_municipality(request, hub=hub)
        with databases.session(PORTAL_SERVICE) as session:
            return pittari.decide(session, request=request).model_dump(mode="json")

    operations = {
        "info": info,
        "send_notice": send_notice,
        "application_inbox": application_inbox,
        "decide_application": decide_application,
    }
    return dispatcher_from(operations, PORTAL_SERVICE)
