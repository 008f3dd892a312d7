"""Tables of 証明書交付センター: every kiosk transaction, issued or refused, with the fee for the settlement."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from renkei.core.db import Base, UTCDateTime


class KioskTransaction(Base):
    """One use of a kiosk: what was asked, the outcome and the message shown, the issued number and fee."""

    __tablename__ = "kiosk_transaction"

    id: Mapped[int] = mapped_column(primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(sa.String(20), index=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    lg_code: Mapped[str | None] = mapped_column(sa.String(6), index=True, nullable=True)
    auth_serial: Mapped[str | None] = mapped_column(sa.String(40), nullable=True)
    outcome: Mapped[str] = mapped_column(sa.String(10))  # issued | refused
    stage: Mapped[str] = mapped_column(sa.String(20))
    message: Mapped[str] = mapped_column(sa.String(400))
    number: Mapped[str | None] = mapped_column(sa.String(20), nullable=True)
    copies: Mapped[int] = mapped_column()
    fee: Mapped[int] = mapped_column()
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
