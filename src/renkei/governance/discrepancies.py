"""Figures an imported sheet stated that the formulas contradict: kept beside the data until a person checks them."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.errors import Invalid, NotFound
from renkei.governance.models import GovernanceDiscrepancy


def record_discrepancy(
    session: Session, *, sheet: str, row_number: int, column: str, record_key: str, stated: str, computed: str
) -> GovernanceDiscrepancy:
    existing = session.scalar(
        sa.select(GovernanceDiscrepancy).where(
            GovernanceDiscrepancy.sheet == sheet,
            GovernanceDiscrepancy.record_key == record_key,
            GovernanceDiscrepancy.column == column,
            GovernanceDiscrepancy.stated == stated,
            GovernanceDiscrepancy.resolved_at.is_(None),
        )
    )
    if existing is not None:  # importing the same sheet twice does not double the flags
        existing.row_number, existing.computed = row_number, computed
        return existing
    item = GovernanceDiscrepancy(
        sheet=sheet,
        row_number=row_number,
        column=column,
        record_key=record_key,
        stated=stated,
        computed=computed,
        found_at=clock.now(),
    )
    session.add(item)
    session.flush()
    return item


def list_discrepancies(session: Session, *, open_only: bool = True) -> list[GovernanceDiscrepancy]:
    query = sa.select(GovernanceDiscrepancy).order_by(GovernanceDiscrepancy.id)
    if open_only:
        query = query.where(GovernanceDiscrepancy.resolved_at.is_(None))
    return list(session.scalars(query))


def resolve_discrepancy(session: Session, *, discrepancy_id: int, resolved_by: str) -> GovernanceDiscrepancy:
    """A person checked the flagged figure (and corrected the ratings if the sheet was right)."""
    item = session.get(GovernanceDiscrepancy, discrepancy_id)
    if item is None:
        raise NotFound(f"不一致 {discrepancy_id} はありません", record=str(discrepancy_id))
    if not resolved_by.strip():
        raise Invalid("確認者を入力してください", record=str(discrepancy_id), field="確認者")
    item.resolved_by, item.resolved_at = resolved_by.strip(), clock.now()
    session.flush()
    return item
