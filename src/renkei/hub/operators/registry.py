"""Operator actions on the agency registry: register, change, rotate keys on an agency's behalf, retire."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.errors import Conflict, NotFound
from renkei.hub.models import HubAgency
from renkei.hub.operators.log import Change, operator_action
from renkei.protocol import signing
from renkei.protocol.operator import (
    AgencyChange,
    AgencyEnrolment,
    AgencyKeyRotation,
    AgencyRetirement,
    OperatorAction,
)
from renkei.protocol.sealing import load_sealing_public_key


# --- the agency registry ---------------------------------------------------------------------------------
def _agency_state(agency: HubAgency) -> dict[str, Any]:
    return {
        "name": agency.name,
        "kind": agency.kind,
        "endpoint": agency.endpoint,
        "signing_key_id": signing.key_id(agency.signing_public_key),
        "sealing_key_sha256": hashlib.sha256(agency.sealing_public_key.encode()).hexdigest()[:16],
        "retired_at": agency.retired_at.isoformat() if agency.retired_at else None,
    }


def _active_agency(session: Session, agency_code: str) -> HubAgency:
    agency = session.get(HubAgency, agency_code)
    if agency is None:
        raise NotFound(
            f"機関コード「{agency_code}」は登録されていません", record=agency_code, field="agency_code"
        )
    if agency.retired_at is not None:
        raise Conflict(f"機関コード「{agency_code}」は廃止済みです", record=agency_code, field="agency_code")
    return agency


def _keys(signing_pem: str, sealing_pem: str) -> tuple[str, str]:
    signing.load_signing_public_key(signing_pem)
    load_sealing_public_key(sealing_pem)
    return signing_pem, sealing_pem


@operator_action(OperatorAction.AGENCY_REGISTERED)
def register_agency(session: Session, request: AgencyEnrolment) -> Change:
    """Register an agency the operator vouches for (a minister, a prefecture …), under any kind."""
    signing_pem, sealing_pem = _keys(request.signing_public_key, request.sealing_public_key)
    if session.get(HubAgency, request.agency_code) is not None:
        raise Conflict(
            f"機関コード「{request.agency_code}」は登録済みです（変更は agency change で行います）",
            record=request.agency_code,
            field="agency_code",
        )
    now = clock.now()
    agency = HubAgency(
        agency_code=request.agency_code,
        name=request.name,
        kind=request.kind,
        endpoint=request.endpoint,
        signing_public_key=signing_pem,
        sealing_public_key=sealing_pem,
        registered_at=now,
        updated_at=now,
    )
    session.add(agency)
    return agency.agency_code, None, _agency_state(agency)


@operator_action(OperatorAction.AGENCY_CHANGED)
def change_agency(session: Session, request: AgencyChange) -> Change:
    """Change an agency's name, kind or endpoint (its own calls may not change its kind: decision 0036)."""
    agency = _active_agency(session, request.agency_code)
    before = _agency_state(agency)
    agency.name = request.name if request.name is not None else agency.name
    agency.kind = request.kind if request.kind is not None else agency.kind
    agency.endpoint = request.endpoint if request.endpoint is not None else agency.endpoint
    agency.updated_at = clock.now()
    return agency.agency_code, before, _agency_state(agency)


@operator_action(OperatorAction.AGENCY_KEYS_ROTATED)
def rotate_agency_keys(session: Session, request: AgencyKeyRotation) -> Change:
    """Replace an agency's keys on its behalf, when it lost the key it would sign its own rotation with."""
    agency = _active_agency(session, request.agency_code)
    signing_pem, sealing_pem = _keys(request.signing_public_key, request.sealing_public_key)
    before = _agency_state(agency)
    agency.signing_public_key, agency.sealing_public_key = signing_pem, sealing_pem
    agency.updated_at = clock.now()
    return agency.agency_code, before, _agency_state(agency)


@operator_action(OperatorAction.AGENCY_RETIRED)
def retire_agency(session: Session, request: AgencyRetirement) -> Change:
    """Retire an agency: from now on it neither queries nor is queried, nor may it register itself again."""
    agency = _active_agency(session, request.agency_code)
    before = _agency_state(agency)
    agency.retired_at = agency.updated_at = clock.now()
    return agency.agency_code, before, _agency_state(agency)
