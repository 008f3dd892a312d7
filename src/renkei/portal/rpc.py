"""The portal on the protocol: who it is (agency code and public keys), for peers that verify its requests."""

from __future__ import annotations

from renkei.core.db import Databases
from renkei.core.settings import Settings
from renkei.portal.keys import portal_keys
from renkei.protocol.portal import PORTAL_AGENCY_CODE, PORTAL_SERVICE
from renkei.protocol.transport import Body, Dispatcher, Transport, dispatcher_from


def dispatcher(databases: Databases, settings: Settings, transport: Transport | None = None) -> Dispatcher:
    del databases, transport  # the operations so far need neither

    def info(_body: Body) -> Body:
        keys = portal_keys(settings)
        return {
            "agency_code": PORTAL_AGENCY_CODE,
            "signing_public_key": keys.signing_public_pem,
            "sealing_public_key": keys.sealing_public_pem,
        }

    return dispatcher_from({"info": info}, PORTAL_SERVICE)
