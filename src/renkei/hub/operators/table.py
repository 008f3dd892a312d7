"""Operator actions on the permission table (別表第二 / 主務省令 rows): add, end, remove."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.errors import NotFound
from renkei.hub.models import HubPermission
from renkei.hub.operators.log import Change, operator_action
from renkei.hub.permissions import ensure_default_permissions
from renkei.hub.schemas import PermissionRow
from renkei.protocol.operator import (
    OperatorAction,
    PermissionAddition,
    PermissionEnd,
    PermissionKey,
    PermissionRemoval,
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


@operator_action(OperatorAction.PERMISSIONS_ADDED)
def add_permissions(session: Session, request: PermissionAddition) -> Change:
    """Add rows to the permission table; a row whose five-column key is already there is kept as it is."""
    ensure_default_permissions(session)
    existing = {
        (p.requester, p.jimu_code, p.procedure_code, p.provider, p.tm_code)
        for p in session.scalars(sa.select(HubPermission))
    }
    now = clock.now()
    added: list[dict[str, Any]] = []
    for entry in request.rows:
        row = PermissionRow.model_validate(entry.model_dump())
        if row.key not in existing:
            existing.add(row.key)
            session.add(HubPermission(**row.model_dump(), source=request.source[:300], loaded_at=now))
            added.append(row.model_dump(mode="json"))
    kept = len(request.rows) - len(added)
    return request.source[:60], None, {"added": added, "kept": kept, "source": request.source}


@operator_action(OperatorAction.PERMISSION_ENDED)
def end_permission(session: Session, request: PermissionEnd) -> Change:
    """End a row: it admits queries up to and including `last_day` (a row already ended is ended again)."""
    row = _find_row(session, request.key, record=request.action_id)
    before = _row_state(row)
    row.valid_to = request.last_day
    return f"{row.jimu_code}/{row.tm_code}", before, _row_state(row)


@operator_action(OperatorAction.PERMISSION_REMOVED)
def remove_permission(session: Session, request: PermissionRemoval) -> Change:
    """Remove a row entered by mistake (its content stays in the records log as `before`)."""
    row = _find_row(session, request.key, record=request.action_id)
    before = _row_state(row)
    session.delete(row)
    return f"{row.jimu_code}/{row.tm_code}", before, None
