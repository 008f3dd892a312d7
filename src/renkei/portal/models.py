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


# -- 自己情報取得API (decisions 0098, 0099) -------------------------------------------------------------------
class PortalApiClient(Base):
    """A third-party service registered by the portal operator: its public keys (private_key_jwt, RFC 7523) and the
    redirect URIs it may use (exact match)."""

    __tablename__ = "portal_api_client"

    client_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    jwks: Mapped[dict[str, Any]] = mapped_column(sa.JSON)  # {"keys": [public JWKs]}
    redirect_uris: Mapped[list[str]] = mapped_column(sa.JSON)
    registered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    registered_by: Mapped[str] = mapped_column(sa.String(64))
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)


class PortalPushedRequest(Base):
    """A pushed authorization request (RFC 9126), referred to once by its request_uri within its lifetime."""

    __tablename__ = "portal_pushed_request"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(sa.ForeignKey("portal_api_client.client_id"), index=True)
    parameters: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    dpop_jkt: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class PortalConsent(Base):
    """A person's consent to one client, as the signed artefact (a JWS) and its state, which only the person moves."""

    __tablename__ = "portal_consent"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("portal_user.id"), index=True)
    client_id: Mapped[str] = mapped_column(sa.ForeignKey("portal_api_client.client_id"), index=True)
    terms: Mapped[dict[str, Any]] = mapped_column(sa.JSON)  # what the artefact says, for lists and checks
    artefact: Mapped[str] = mapped_column(sa.Text)  # compact JWS signed by the portal
    status: Mapped[str] = mapped_column(
        sa.String(10)
    )  # active | paused | revoked (expired is read off the terms)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class PortalConsentUse(Base):
    """Each fetch a client made under a consent (also recorded in the hub's log, shown in やりとり履歴)."""

    __tablename__ = "portal_consent_use"

    id: Mapped[int] = mapped_column(primary_key=True)
    consent_id: Mapped[str] = mapped_column(sa.ForeignKey("portal_consent.id"), index=True)
    used_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    tm_codes: Mapped[list[str]] = mapped_column(sa.JSON)
    record_seq: Mapped[int | None] = mapped_column(sa.BigInteger().with_variant(sa.Integer(), "sqlite"))


class PortalAuthorizationCode(Base):
    """A single-use authorization code (stored hashed), bound to client, redirect URI, PKCE and DPoP key."""

    __tablename__ = "portal_authorization_code"

    code_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(sa.String(64))
    consent_id: Mapped[str] = mapped_column(sa.ForeignKey("portal_consent.id"))
    redirect_uri: Mapped[str] = mapped_column(sa.String(500))
    code_challenge: Mapped[str] = mapped_column(sa.String(128))
    dpop_jkt: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class PortalAccessToken(Base):
    """An opaque access token (stored hashed), sender-constrained to a DPoP key (RFC 9449 `jkt`)."""

    __tablename__ = "portal_access_token"

    token_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    consent_id: Mapped[str] = mapped_column(sa.ForeignKey("portal_consent.id"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    jkt: Mapped[str] = mapped_column(sa.String(64))
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class PortalJwtSeen(Base):
    """jti of client assertions and DPoP proofs already accepted (replay refused until they expire)."""

    __tablename__ = "portal_jwt_seen"

    jti: Mapped[str] = mapped_column(sa.String(128), primary_key=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
