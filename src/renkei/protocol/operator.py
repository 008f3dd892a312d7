"""Operator actions at the hub: changes to the agency registry and the permission table (decision 0037).

No node may change the registry or the permission table by its own call (an agency only re-registers itself,
under the kind its role implies). Every change is an operator's action: a request signed with the Ed25519 key
the hub has enrolled for that operator (a named person), sent over mutual TLS with an operator's organisation
certificate (or in the hub's own process, by a command on its data directory), and written to the hub's records
log with who, what, the state before and after, the reason, and the signed request itself, so an auditor can
check later that the operator asked for exactly this.

Every request carries `action_id` (its idempotency key: a retry answers the action already recorded) and
`requested_at` (refused more than 5 minutes from the hub's clock, so a captured request cannot be replayed later).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from renkei.core import clock
from renkei.core.errors import Invalid
from renkei.core.ids import validate_agency_code, validate_jm, validate_jt, validate_tm
from renkei.protocol.messages import Message, SignedMessage
from renkei.protocol.transport import Transport

HUB_SERVICE = "hub"
OPERATOR_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,31}")


class OperatorAction(StrEnum):
    """The closed vocabulary of operator actions in the hub's records log (CONVENTIONS §10)."""

    OPERATOR_ENROLLED = "operator_enrolled"
    OPERATOR_RETIRED = "operator_retired"
    AGENCY_REGISTERED = "agency_registered"
    AGENCY_CHANGED = "agency_changed"
    AGENCY_KEYS_ROTATED = "agency_keys_rotated"
    AGENCY_RETIRED = "agency_retired"
    PERMISSIONS_ADDED = "permissions_added"
    PERMISSION_ENDED = "permission_ended"
    PERMISSION_REMOVED = "permission_removed"


ACTION_LABELS: dict[str, str] = {
    OperatorAction.OPERATOR_ENROLLED: "運用者の登録",
    OperatorAction.OPERATOR_RETIRED: "運用者の登録抹消",
    OperatorAction.AGENCY_REGISTERED: "機関の登録",
    OperatorAction.AGENCY_CHANGED: "機関の変更",
    OperatorAction.AGENCY_KEYS_ROTATED: "機関の鍵の更新（代行）",
    OperatorAction.AGENCY_RETIRED: "機関の廃止",
    OperatorAction.PERMISSIONS_ADDED: "許可表の行の追加",
    OperatorAction.PERMISSION_ENDED: "許可表の行の終了",
    OperatorAction.PERMISSION_REMOVED: "許可表の行の削除",
}

# The key a record body of an operator action carries (an exchange record has none): readers tell them apart.
ACTION_KEY = "operator_action"


def is_operator_action(body: dict[str, Any]) -> bool:
    return ACTION_KEY in body


def validate_operator_id(value: str) -> str:
    if not OPERATOR_ID.fullmatch(value):
        raise ValueError("運用者IDは英小文字・数字・._- の32文字以内です（先頭は英小文字か数字）")
    return value


def _agency(value: str) -> str:
    return validate_agency_code(value)


class OperatorRequest(SignedMessage):
    """What every operator action carries: who asks, why, when, and the key that makes a retry the same action."""

    operator_id: str
    action_id: str = Field(pattern=r"^[0-9a-f]{32}$")
    requested_at: dt.datetime
    reason: str = Field(min_length=1, max_length=400)

    _check_operator = field_validator("operator_id")(validate_operator_id)

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("理由を入力してください")
        return value.strip()


def new_action(operator_id: str, reason: str) -> dict[str, Any]:
    """The common fields of a new request (a fresh action id, now): ``Model(**new_action(...), ...)``."""
    return {
        "operator_id": operator_id,
        "action_id": uuid.uuid4().hex,
        "requested_at": clock.now(),
        "reason": reason,
    }


# --- the agency registry ------------------------------------------------------------------------------------
class AgencyEnrolment(OperatorRequest):
    """Register an agency the operator vouches for (a minister, a prefecture …), with its public keys."""

    agency_code: str
    name: str = Field(min_length=1, max_length=200)
    kind: str = Field(min_length=1, max_length=60)
    endpoint: str = Field(min_length=1, max_length=300)
    signing_public_key: str
    sealing_public_key: str

    _check_code = field_validator("agency_code")(_agency)


class AgencyChange(OperatorRequest):
    """Change an agency's name, kind (the permission table reads it) or endpoint; at least one."""

    agency_code: str
    name: str | None = Field(default=None, min_length=1, max_length=200)
    kind: str | None = Field(default=None, min_length=1, max_length=60)
    endpoint: str | None = Field(default=None, min_length=1, max_length=300)

    _check_code = field_validator("agency_code")(_agency)

    @model_validator(mode="after")
    def _something(self) -> AgencyChange:
        if self.name is None and self.kind is None and self.endpoint is None:
            raise ValueError("変更する項目（名称・機関種別・接続先）を1つ以上指定してください")
        return self


class AgencyKeyRotation(OperatorRequest):
    """Replace an agency's keys on its behalf (its own key was lost, so it cannot sign the change itself)."""

    agency_code: str
    signing_public_key: str
    sealing_public_key: str

    _check_code = field_validator("agency_code")(_agency)


class AgencyRetirement(OperatorRequest):
    """Retire an agency: it may no longer query, be queried or re-register itself (its records stay)."""

    agency_code: str

    _check_code = field_validator("agency_code")(_agency)


# --- the permission table (別表第二 / 主務省令 rows) -------------------------------------------------------------
_AGENCY_CODE = re.compile(r"[0-9]{16}")


def _party(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("機関種別または16桁の機関コードを指定してください")
    if value.isdigit() and not _AGENCY_CODE.fullmatch(value):
        raise ValueError(f"機関コードは16桁です: {value}")
    return value


def _code(check: Callable[[str], str], value: str) -> str:
    # pydantic reports a ValueError with the field's location; a file reader turns that into line and column.
    try:
        return check(value)
    except Invalid as exc:
        raise ValueError(exc.message) from None


class PermissionKey(BaseModel):
    """The five columns that name one row: 情報照会者 | 事務 | 事務手続 | 情報提供者 | 特定個人情報.

    情報照会者／情報提供者 hold an agency kind (市町村長 …) or a 16-digit 機関コード; an empty 事務手続コード admits
    every 事務手続 of the 事務."""

    model_config = ConfigDict(str_strip_whitespace=True)

    requester: str = Field(max_length=60)
    jimu_code: str
    procedure_code: str = ""
    provider: str = Field(max_length=60)
    tm_code: str

    _parties = field_validator("requester", "provider")(_party)

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        return (self.requester, self.jimu_code, self.procedure_code, self.provider, self.tm_code)

    @field_validator("jimu_code")
    @classmethod
    def _jm(cls, value: str) -> str:
        return _code(validate_jm, value)

    @field_validator("procedure_code")
    @classmethod
    def _jt(cls, value: str) -> str:
        return _code(validate_jt, value) if value else ""

    @field_validator("tm_code")
    @classmethod
    def _tm(cls, value: str) -> str:
        return _code(validate_tm, value)


class PermissionEntry(PermissionKey):
    """A whole row, as the permission files carry it (`renkei.hub.permissions`), with an optional last day."""

    item: str = Field(max_length=40)
    jimu_name: str = Field(max_length=300)
    procedure_name: str = Field(default="", max_length=300)
    tm_name: str = Field(max_length=100)
    valid_to: dt.date | None = None


class PermissionAddition(OperatorRequest):
    """Add rows (from a 主務省令 amendment or a permission file); rows already in the table are kept as they are."""

    source: str = Field(min_length=1, max_length=300)
    rows: list[PermissionEntry] = Field(min_length=1, max_length=5_000)


class PermissionEnd(OperatorRequest):
    """End a row: it admits queries up to and including `last_day`, none after."""

    key: PermissionKey
    last_day: dt.date


class PermissionRemoval(OperatorRequest):
    """Remove a row entered by mistake (to stop a lawful row from a day on, end it instead)."""

    key: PermissionKey


# --- answers ------------------------------------------------------------------------------------------------
class ActionRecorded(Message):
    """An operator action as the hub recorded it (the same answer for a retry of the same action id)."""

    action_id: str
    action: OperatorAction
    operator_id: str
    target: str
    record_seq: int
    recorded_at: dt.datetime
    before: Any = None
    after: Any = None


class ActionsQuery(Message):
    limit: int = Field(default=50, ge=1, le=1000)


class ActionList(Message):
    actions: list[ActionRecorded]


class OperatorClient:
    """One method per operator operation of the hub; each request must already be signed (`request.signed(key)`)."""

    def __init__(self, transport: Transport, *, service: str = HUB_SERVICE) -> None:
        self._transport = transport
        self._service = service

    def _call(self, operation: str, request: BaseModel) -> ActionRecorded:
        answer = self._transport.call(self._service, operation, request.model_dump(mode="json"))
        return ActionRecorded.model_validate(answer)

    def register_agency(self, request: AgencyEnrolment) -> ActionRecorded:
        return self._call("operator_register_agency", request)

    def change_agency(self, request: AgencyChange) -> ActionRecorded:
        return self._call("operator_change_agency", request)

    def rotate_agency_keys(self, request: AgencyKeyRotation) -> ActionRecorded:
        return self._call("operator_rotate_agency_keys", request)

    def retire_agency(self, request: AgencyRetirement) -> ActionRecorded:
        return self._call("operator_retire_agency", request)

    def add_permissions(self, request: PermissionAddition) -> ActionRecorded:
        return self._call("operator_add_permissions", request)

    def end_permission(self, request: PermissionEnd) -> ActionRecorded:
        return self._call("operator_end_permission", request)

    def remove_permission(self, request: PermissionRemoval) -> ActionRecorded:
        return self._call("operator_remove_permission", request)

    def actions(self, *, limit: int = 50) -> list[ActionRecorded]:
        answer = self._transport.call(self._service, "operator_actions", {"limit": limit})
        return ActionList.model_validate(answer).actions
