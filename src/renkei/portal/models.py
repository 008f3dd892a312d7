"""The portal's tables: its users (by the portal's own 符号), their login certificates, login challenges."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from renkei.core.db import Base, UTCDateTime


class PortalUser(Base):
    """A person registered on the portal, known by the portal's 符号 (never by My Number or 住民票コード)."""

    __tablename__ = "portal_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    sign: Mapped[str] = mapped_column(sa.String(32), unique=True)
    lg_code: Mapped[str] = mapped_column(sa.String(6))  # the municipality of the card at the last login
    resident_id: Mapped[int] = mapped_column(sa.Integer)
    registered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class PortalCertificate(Base):
    """A 利用者証明用 certificate that has logged in, and whose user it is (a renewed card adds a row)."""

    __tablename__ = "portal_certificate"

    serial: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("portal_user.id"), index=True)
    registered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class PortalChallenge(Base):
    """A one-time login challenge the card must sign (5 minutes, used once)."""

    __tablename__ = "portal_challenge"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    nonce: Mapped[bytes] = mapped_column(sa.LargeBinary(32))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
