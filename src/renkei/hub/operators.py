"""Operator actions at the hub: enrolled operators, and their signed changes to the registry and permission table.

Each action checks the operator's signature against the key the hub enrolled for that person, then changes the
registry or the table and appends one entry to the hub's records log (the same witnessed `RECORDS` as the
exchanges) holding who, what, the state before and after, the reason and the signed request, in the same
transaction; `hub_operator_action` indexes the entry by the request's action id, so a retry answers the recorded
action and never acts twice (decision 0037). Services flush, never commit.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.errors import Conflict, Forbidden, Invalid, NotFound
from renkei.core.settings import Settings
from renkei.hub import signs
from renkei.hub.models import RECORDS, HubAgency, HubOperator, HubOperatorAction, HubPermission, HubRecord
from renkei.hub.permissions import ensure_default_permissions
from renkei.hub.schemas import PermissionRow
from renkei.hub.service import SIGNED_WINDOW
from renkei.protocol import signing
from renkei.protocol.identity import Caller
from renkei.protocol.operator import (
    ACTION_KEY,
    ActionRecorded,
    AgencyChange,
    AgencyEnrolment,
    AgencyKeyRotation,
    AgencyRetirement,
    OperatorAction,
    OperatorRequest,
    PermissionAddition,
    PermissionEnd,
    PermissionKey,
    PermissionRemoval,
    validate_operator_id,
)
from renkei.protocol.sealing import load_sealing_public_key

LOCAL = "hub-local"  # the operator id recorded for enrolments made on the hub's own data directory


# --- operators ---------------------------------------------------------------------------------------------
def _operator_id(value: str) -> str:
    try:
        return validate_operator_id(value)
    except ValueError as exc:
        raise Invalid(str(exc), record=value, field="operator_id") from None


def enrol_operator(
    session: Session, *, operator_id: str, name: str, public_key: str, enrolled_by: str, settings: Settings
) -> ActionRecorded:
    """Enrol a person as hub operator with their Ed25519 public key (only on the hub's own data directory)."""
    operator_id = _operator_id(operator_id)
    if not name.strip():
        raise Invalid("運用者の氏名を入力してください", record=operator_id, field="name")
    key = signing.public_key_pem(signing.load_signing_public_key(public_key, field="public_key"))
    if session.get(HubOperator, operator_id) is not None:
        raise Conflict(
            f"運用者ID「{operator_id}」は登録済みです（IDは再利用しません）",
            record=operator_id,
            field="operator_id",
        )
    now = clock.now()
    row = HubOperator(
        operator_id=operator_id,
        name=name.strip()[:100],
        signing_public_key=key,
        key_id=signing.key_id(key),
        enrolled_at=now,
    )
    session.add(row)
    session.flush()
    return _record(
        session,
        settings,
        action=OperatorAction.OPERATOR_ENROLLED,
        action_id=_local_action_id(),
        operator_id=LOCAL,
        operator_name=enrolled_by,
        caller=Caller.embedded(),
        target=operator_id,
        reason="運用者の登録",
        before=None,
        after=_operator_state(row),
    )


def retire_operator(
    session: Session, *, operator_id: str, reason: str, retired_by: str, settings: Settings
) -> ActionRecorded:
    """Withdraw an operator's right to act (the key stays, so the operator's past actions remain checkable)."""
    row = session.get(HubOperator, _operator_id(operator_id))
    if row is None:
        raise NotFound(
            f"運用者「{operator_id}」は登録されていません", record=operator_id, field="operator_id"
        )
    if not reason.strip():
        raise Invalid("理由を入力してください", record=operator_id, field="reason")
    before = _operator_state(row)
    if row.retired_at is None:
        row.retired_at = clock.now()
        session.flush()
    return _record(
        session,
        settings,
        action=OperatorAction.OPERATOR_RETIRED,
        action_id=_local_action_id(),
        operator_id=LOCAL,
        operator_name=retired_by,
        caller=Caller.embedded(),
        target=row.operator_id,
        reason=reason.strip(),
        before=before,
        after=_operator_state(row),
    )


def list_operators(session: Session) -> list[HubOperator]:
    return list(session.scalars(sa.select(HubOperator).order_by(HubOperator.operator_id)))


def _operator_state(row: HubOperator) -> dict[str, Any]:
    return {
        "name": row.name,
        "key_id": row.key_id,
        "signing_public_key": row.signing_public_key,
        "retired_at": row.retired_at.isoformat() if row.retired_at else None,
    }


def _local_action_id() -> str:
    return uuid.uuid4().hex


# --- checking a request ------------------------------------------------------------------------------------
def _digest(request: OperatorRequest) -> str:
    return hashlib.sha256(signing.canonical_json(request.signing_payload())).hexdigest()


def _authorise(session: Session, request: OperatorRequest) -> HubOperator | ActionRecorded:
    """The enrolled operator who signed `request`, or the action already recorded under its action id (a retry).

    Every failure is Forbidden (403): a request not signed by an enrolled, active operator is nobody's action."""
    operator = session.get(HubOperator, request.operator_id)
    if operator is None or operator.retired_at is not None:
        raise Forbidden(
            f"運用者「{request.operator_id}」は登録されていないか、登録を抹消されています",
            record=request.action_id,
            field="operator_id",
        )
    try:
        request.verify(operator.signing_public_key, record=request.action_id)
    except Invalid as exc:
        raise Forbidden(
            f"運用者の署名を確認できません: {exc.message}", record=request.action_id, field="signature"
        ) from None
    done = session.get(HubOperatorAction, request.action_id)
    if done is not None:
        if done.request_digest != _digest(request) or done.operator_id != request.operator_id:
            raise Conflict(
                "同じ操作IDで内容の異なる要求があります（新しい操作は新しい操作IDで送ってください）",
                record=request.action_id,
                field="action_id",
            )
        return _recorded(session, done)
    if abs(clock.now() - request.requested_at) > SIGNED_WINDOW:
        raise Forbidden(
            f"要求日時（{request.requested_at.isoformat()}）が現在時刻から"
            f"{int(SIGNED_WINDOW.total_seconds() // 60)}分を超えて離れているため受け付けません",
            record=request.action_id,
            field="requested_at",
        )
    return operator


def _via(caller: Caller) -> dict[str, Any]:
    if caller.is_embedded:
        return {"role": "embedded"}  # a command on the hub's own data directory
    return {
        "role": caller.role,
        "node": caller.node,
        "agency_code": caller.agency_code,
        "serial": caller.serial,
    }


def _record(
    session: Session,
    settings: Settings,
    *,
    action: OperatorAction,
    action_id: str,
    operator_id: str,
    operator_name: str,
    caller: Caller,
    target: str,
    reason: str,
    before: Any,
    after: Any,
    request: OperatorRequest | None = None,
    key_id: str | None = None,
) -> ActionRecorded:
    body = {
        ACTION_KEY: action.value,
        "action_id": action_id,
        "operator_id": operator_id,
        "operator_name": operator_name,
        "operator_key_id": key_id,
        "via": _via(caller),
        "target": target,
        "reason": reason,
        "before": before,
        "after": after,
        "request": request.signing_payload() if request is not None else None,
        "signature": request.signature if request is not None else None,
    }
    seq = RECORDS.append(session, body, key=signs.hub_keys(settings).signing)
    entry = session.get(HubRecord, seq)
    assert entry is not None
    session.add(
        HubOperatorAction(
            action_id=action_id,
            operator_id=operator_id,
            action=action.value,
            target=target[:60],
            request_digest=_digest(request) if request is not None else "",
            record_seq=seq,
            recorded_at=entry.recorded_at,
        )
    )
    session.flush()
    return _answer(entry)


def _answer(entry: HubRecord) -> ActionRecorded:
    body = entry.body
    return ActionRecorded(
        action_id=str(body["action_id"]),
        action=OperatorAction(body[ACTION_KEY]),
        operator_id=str(body["operator_id"]),
        target=str(body["target"]),
        record_seq=entry.seq,
        recorded_at=entry.recorded_at,
        before=body.get("before"),
        after=body.get("after"),
    )


def _recorded(session: Session, done: HubOperatorAction) -> ActionRecorded:
    entry = session.get(HubRecord, done.record_seq)
    if entry is None:  # the index and the log are written in one transaction; this is a damaged database
        raise NotFound(f"操作 {done.action_id} の記録がありません", record=done.action_id, field="record_seq")
    return _answer(entry)


def list_actions(session: Session, *, limit: int = 50) -> list[ActionRecorded]:
    """Operator actions, newest first (the console and `renkei hub operator actions`)."""
    rows = session.execute(
        sa.select(HubRecord)
        .join(HubOperatorAction, HubOperatorAction.record_seq == HubRecord.seq)
        .order_by(HubRecord.seq.desc())
        .limit(limit)
    )
    return [_answer(entry) for (entry,) in rows]


def _act(
    session: Session,
    settings: Settings,
    request: OperatorRequest,
    caller: Caller,
    operator: HubOperator,
    *,
    action: OperatorAction,
    target: str,
    before: Any,
    after: Any,
) -> ActionRecorded:
    return _record(
        session,
        settings,
        action=action,
        action_id=request.action_id,
        operator_id=operator.operator_id,
        operator_name=operator.name,
        caller=caller,
        target=target,
        reason=request.reason,
        before=before,
        after=after,
        request=request,
        key_id=operator.key_id,
    )


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


def register_agency(
    session: Session, *, request: AgencyEnrolment, caller: Caller, settings: Settings
) -> ActionRecorded:
    """Register an agency the operator vouches for (a minister, a prefecture …), under any kind."""
    operator = _authorise(session, request)
    if isinstance(operator, ActionRecorded):
        return operator
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
    session.flush()
    return _act(
        session,
        settings,
        request,
        caller,
        operator,
        action=OperatorAction.AGENCY_REGISTERED,
        target=agency.agency_code,
        before=None,
        after=_agency_state(agency),
    )


def change_agency(
    session: Session, *, request: AgencyChange, caller: Caller, settings: Settings
) -> ActionRecorded:
    """Change an agency's name, kind or endpoint (its own calls may not change its kind: decision 0036)."""
    operator = _authorise(session, request)
    if isinstance(operator, ActionRecorded):
        return operator
    agency = _active_agency(session, request.agency_code)
    before = _agency_state(agency)
    agency.name = request.name if request.name is not None else agency.name
    agency.kind = request.kind if request.kind is not None else agency.kind
    agency.endpoint = request.endpoint if request.endpoint is not None else agency.endpoint
    agency.updated_at = clock.now()
    session.flush()
    return _act(
        session,
        settings,
        request,
        caller,
        operator,
        action=OperatorAction.AGENCY_CHANGED,
        target=agency.agency_code,
        before=before,
        after=_agency_state(agency),
    )


def rotate_agency_keys(
    session: Session, *, request: AgencyKeyRotation, caller: Caller, settings: Settings
) -> ActionRecorded:
    """Replace an agency's keys on its behalf, when it lost the key it would sign its own rotation with."""
    operator = _authorise(session, request)
    if isinstance(operator, ActionRecorded):
        return operator
    agency = _active_agency(session, request.agency_code)
    signing_pem, sealing_pem = _keys(request.signing_public_key, request.sealing_public_key)
    before = _agency_state(agency)
    agency.signing_public_key, agency.sealing_public_key = signing_pem, sealing_pem
    agency.updated_at = clock.now()
    session.flush()
    return _act(
        session,
        settings,
        request,
        caller,
        operator,
        action=OperatorAction.AGENCY_KEYS_ROTATED,
        target=agency.agency_code,
        before=before,
        after=_agency_state(agency),
    )


def retire_agency(
    session: Session, *, request: AgencyRetirement, caller: Caller, settings: Settings
) -> ActionRecorded:
    """Retire an agency: from now on it neither queries nor is queried, nor may it register itself again."""
    operator = _authorise(session, request)
    if isinstance(operator, ActionRecorded):
        return operator
    agency = _active_agency(session, request.agency_code)
    before = _agency_state(agency)
    agency.retired_at = agency.updated_at = clock.now()
    session.flush()
    return _act(
        session,
        settings,
        request,
        caller,
        operator,
        action=OperatorAction.AGENCY_RETIRED,
        target=agency.agency_code,
        before=before,
        after=_agency_state(agency),
    )


# --- the permission table --------------------------------------------------------------------------------
def _row_state(row: HubPermission) -> dict[str, Any]:
    state = {name: getattr(row, name) for name in PermissionRow.model_fields}
    state["valid_to"] = row.valid_to.isoformat() if row.valid_to else None
    state["source"] = row.source
    return state


def _find_row(session: Session, key: PermissionKey, *, record: str) -> HubPermission:
    ensure_default_permissions(session)
    p = HubPermission
    row = session.scalar(
        sa.select(p).where(
            p.requester == key.requester,
            p.jimu_code == key.jimu_code,
            p.procedure_code == key.procedure_code,
            p.provider == key.provider,
            p.tm_code == key.tm_code,
        )
    )
    if row is None:
        raise NotFound(
            "許可表にその行はありません（" + " | ".join(key.key) + "）", record=record, field="key"
        )
    return row


def add_permissions(
    session: Session, *, request: PermissionAddition, caller: Caller, settings: Settings
) -> ActionRecorded:
    """Add rows to the permission table; a row whose five-column key is already there is kept as it is."""
    operator = _authorise(session, request)
    if isinstance(operator, ActionRecorded):
        return operator
    ensure_default_permissions(session)
    existing = {
        (p.requester, p.jimu_code, p.procedure_code, p.provider, p.tm_code)
        for p in session.scalars(sa.select(HubPermission))
    }
    now = clock.now()
    added: list[dict[str, Any]] = []
    kept = 0
    for entry in request.rows:
        row = PermissionRow.model_validate(entry.model_dump())
        if row.key in existing:
            kept += 1
            continue
        existing.add(row.key)
        stored = HubPermission(**row.model_dump(), source=request.source[:300], loaded_at=now)
        session.add(stored)
        added.append(row.model_dump(mode="json"))
    session.flush()
    return _act(
        session,
        settings,
        request,
        caller,
        operator,
        action=OperatorAction.PERMISSIONS_ADDED,
        target=request.source[:60],
        before=None,
        after={"added": added, "kept": kept, "source": request.source},
    )


def end_permission(
    session: Session, *, request: PermissionEnd, caller: Caller, settings: Settings
) -> ActionRecorded:
    """End a row: it admits queries up to and including `last_day` (a row already ended is ended again)."""
    operator = _authorise(session, request)
    if isinstance(operator, ActionRecorded):
        return operator
    row = _find_row(session, request.key, record=request.action_id)
    before = _row_state(row)
    row.valid_to = request.last_day
    session.flush()
    return _act(
        session,
        settings,
        request,
        caller,
        operator,
        action=OperatorAction.PERMISSION_ENDED,
        target=f"{row.jimu_code}/{row.tm_code}",
        before=before,
        after=_row_state(row),
    )


def remove_permission(
    session: Session, *, request: PermissionRemoval, caller: Caller, settings: Settings
) -> ActionRecorded:
    """Remove a row entered by mistake (its content stays in the records log as `before`)."""
    operator = _authorise(session, request)
    if isinstance(operator, ActionRecorded):
        return operator
    row = _find_row(session, request.key, record=request.action_id)
    before = _row_state(row)
    target = f"{row.jimu_code}/{row.tm_code}"
    session.delete(row)
    session.flush()
    return _act(
        session,
        settings,
        request,
        caller,
        operator,
        action=OperatorAction.PERMISSION_REMOVED,
        target=target,
        before=before,
        after=None,
    )
