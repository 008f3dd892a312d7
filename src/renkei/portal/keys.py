"""The portal's node keys (Ed25519 to sign its requests, X25519 to be sealed to) and its hub registration."""

from __future__ import annotations

from renkei.core.settings import Settings
from renkei.protocol.hub import HubClient
from renkei.protocol.keys import NodeKeys
from renkei.protocol.messages import AgencyInfo, AgencyRegistration
from renkei.protocol.portal import PORTAL_AGENCY_CODE, PORTAL_KIND, PORTAL_SERVICE

PORTAL_NAME = "情報提供等記録開示システム（マイナポータル）"


def portal_keys(settings: Settings) -> NodeKeys:
    """Derived from the `portal_key` secret (data-dir/keys/portal_key.key unless configured)."""
    return NodeKeys.derive(settings.secret("portal_key"), "portal")


def register_with_hub(settings: Settings, *, hub: HubClient) -> AgencyInfo:
    """Register (or confirm) the portal at the hub as kind 情報提供等記録開示システム; safe to repeat."""
    keys = portal_keys(settings)
    registration = AgencyRegistration(
        agency_code=PORTAL_AGENCY_CODE,
        name=PORTAL_NAME,
        kind=PORTAL_KIND,
        endpoint=PORTAL_SERVICE,
        signing_public_key=keys.signing_public_pem,
        sealing_public_key=keys.sealing_public_pem,
    )
    return hub.register_agency(registration.signed(keys.signing))
