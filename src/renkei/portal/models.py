"""The portal's tables: its users (by the portal's own 符号), their login certificates, login challenges."""

from __future__ import annotations

import datetime as dt
from typing import Any

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


class PortalNotice(Base):
    """お知らせ from a municipality (its signature checked on arrival), to the residents in its recipient rows."""

    __tablename__ = "portal_notice"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    agency_code: Mapped[str] = mapped_column(sa.String(16))
    lg_code: Mapped[str] = mapped_column(sa.String(6))
    title: Mapped[str] = mapped_column(sa.String(100))
    body: Mapped[str] = mapped_column(sa.Text)
    condition: Mapped[str] = mapped_column(sa.String(200))
    sent_by: Mapped[str] = mapped_column(sa.String(64))
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    recipients: Mapped[int] = mapped_column(sa.Integer)


class PortalNoticeRecipient(Base):
    """One addressee of a notice, as the municipality knows them; read_at once the person opened it."""

    __tablename__ = "portal_notice_recipient"
    __table_args__ = (sa.Index("ix_portal_notice_recipient_person", "lg_code", "resident_id"),)

    notice_id: Mapped[str] = mapped_column(sa.ForeignKey("portal_notice.id"), primary_key=True)
    lg_code: Mapped[str] = mapped_column(sa.String(6), primary_key=True)
    resident_id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class PortalApplication(Base):
    """An electronic application (ぴったりサービス), signed on the card as CMS, with its signing-time OCSP answer."""

    __tablename__ = "portal_application"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("portal_user.id"), index=True)
    lg_code: Mapped[str] = mapped_column(sa.String(6), index=True)
    service_code: Mapped[str] = mapped_column(sa.String(40))
    content: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    cms: Mapped[bytes] = mapped_column(sa.LargeBinary)
    signer_serial: Mapped[str] = mapped_column(sa.String(40))
    ocsp_response: Mapped[bytes] = mapped_column(sa.LargeBinary)
    ocsp_nonce: Mapped[bytes] = mapped_column(sa.LargeBinary)
    ocsp_produced_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(sa.String(12))  # submitted | accepted | returned
    note: Mapped[str] = mapped_column(sa.Text, default="")
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decided_by: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)
