"""Operators and the record of their actions: enrolment, the signed request checked, the records-log entry.

Each action checks the operator's signature against the key the hub enrolled for that person, then changes the
registry or the table and appends one entry to the hub's records log (the same witnessed `RECORDS` as the
exchanges) holding who, what, the state before and after, the reason and the signed request, in the same
transaction; `hub_operator_action` indexes the entry by the request's action id, so a retry answers the recorded
action and never acts twice (decision 0037). Services flush, never commit.
"""

from __future__ import annotations

import functools
import hashlib
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.errors import Conflict, Forbidden, Invalid, NotFound
from renkei.core.settings import Settings
from renkei.hub import signs
from renkei.hub.models import RECORDS, HubOperator, HubOperatorAction, HubRecord
from renkei.hub.service import SIGNED_WINDOW
from renkei.protocol import signing
from renkei.protocol.identity import Caller
from renkei.protocol.operator import (
    ACTION_KEY,
    ActionRecorded,
    OperatorAction,
    OperatorRequest,
    validate_operator_id,
)

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


# What a change reports: (target, before, after) for the record.
Change = tuple[str, Any, Any]


R = TypeVar("R", bound=OperatorRequest)
Action = Callable[..., ActionRecorded]  # (session, *, request, caller, settings) -> the recorded action


def operator_action(action: OperatorAction) -> Callable[[Callable[[Session, R], Change]], Action]:
    """Turn `change(session, request) -> (target, before, after)` into the operator action that checks the request,
    makes the change and records it: ``fn(session, *, request, caller, settings)``."""

    def wrap(change: Callable[[Session, R], Change]) -> Action:
        @functools.wraps(change)
        def act(session: Session, *, request: R, caller: Caller, settings: Settings) -> ActionRecorded:
            return perform(
                session,
                request,
                settings=settings,
                caller=caller,
                action=action,
                change=lambda: change(session, request),
            )

        return act

    return wrap


def perform(
    session: Session,
    request: OperatorRequest,
    *,
    settings: Settings,
    caller: Caller,
    action: OperatorAction,
    change: Callable[[], Change],
) -> ActionRecorded:
    """Check the operator's request (a retry answers the recorded action), make the change, record it."""
    operator = _authorise(session, request)
    if isinstance(operator, ActionRecorded):
        return operator
    target, before, after = change()
    session.flush()
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
