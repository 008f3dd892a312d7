"""Tables of the LGWAN-ASP registry: one row per service and one per checklist item of its review."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from renkei.core.db import Base, UTCDateTime


class LgwanAspService(Base):
    """An LGWAN-ASP service: 申請 → 審査中 → 登録 → 廃止."""

    __tablename__ = "lgwan_asp_service"
    __table_args__ = (sa.UniqueConstraint("provider", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_number: Mapped[str | None] = mapped_column(sa.String(12), unique=True, nullable=True)
    provider: Mapped[str] = mapped_column(sa.String(100))
    provider_kind: Mapped[str] = mapped_column(sa.String(20))
    name: Mapped[str] = mapped_column(sa.String(100))
    category: Mapped[str] = mapped_column(sa.String(30))
    connection_form: Mapped[str] = mapped_column(sa.String(30))
    description: Mapped[str] = mapped_column(sa.String(400))
    status: Mapped[str] = mapped_column(sa.String(4))
    applied_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    registered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    abolished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class LgwanReviewItem(Base):
    """One item of a service's 登録・接続審査 checklist, with its result."""

    __tablename__ = "lgwan_review_item"

    service_id: Mapped[int] = mapped_column(sa.ForeignKey("lgwan_asp_service.id"), primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(4), primary_key=True)
    result: Mapped[str] = mapped_column(sa.String(4))
    note: Mapped[str] = mapped_column(sa.String(200))
    checked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
