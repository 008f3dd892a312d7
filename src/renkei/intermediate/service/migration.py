"""The 副本 in force, for a vendor migration (`renkei.connectors.migration`, decision 0074)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.intermediate.models import IntermediateCopy
from renkei.intermediate.schemas import SEGMENT_DELETE


def copies_in_force(session: Session, *, lg_code: str) -> list[IntermediateCopy]:
    """Every copy not superseded and not a deletion, whatever its publication window, in レコード識別番号 order."""
    query = sa.select(IntermediateCopy).where(
        IntermediateCopy.lg_code == lg_code,
        IntermediateCopy.superseded_at.is_(None),
        IntermediateCopy.segment != SEGMENT_DELETE,
    )
    return list(session.scalars(query.order_by(IntermediateCopy.record_id)))
