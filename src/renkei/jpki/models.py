"""Tables of the jpki node: keys, authorities, holders, cards, certificates, revocations, CRLs, OCSP, verifiers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from renkei.core.db import Base, UTCDateTime


class StoredKey(Base):
    """A CA or responder key: the public half, and for the software store the sealed private half."""

    __tablename__ = "jpki_key"

    label: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    store: Mapped[str] = mapped_column(sa.String(16))
    public_key: Mapped[bytes] = mapped_column(sa.LargeBinary)
    sealed_key: Mapped[bytes | None] = mapped_column(sa.LargeBinary, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Authority(Base):
    """A CA of the hierarchy: the root, or the 署名用 / 利用者証明用 issuing CA (role root|sign|auth)."""

    __tablename__ = "jpki_authority"
    __table_args__ = (sa.UniqueConstraint("role", "generation"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(sa.String(8))
    generation: Mapped[int] = mapped_column(sa.Integer)
    issuer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("jpki_authority.id"), nullable=True)
    key_label: Mapped[str] = mapped_column(sa.ForeignKey("jpki_key.label"))
    subject_der: Mapped[bytes] = mapped_column(sa.LargeBinary)
    certificate_der: Mapped[bytes] = mapped_column(sa.LargeBinary)
    not_before: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    not_after: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    base_url: Mapped[str] = mapped_column(sa.String(200))
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    # CRL numbers of full and delta CRLs share one sequence (RFC 5280 §5.2.3).
    next_crl_number: Mapped[int] = mapped_column(sa.Integer, default=1)
    # Bumped on every status change of a certificate it issued; delta CRLs and OCSP caches follow it.
    change_seq: Mapped[int] = mapped_column(sa.Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Responder(Base):
    """A delegated OCSP responder certificate for one issuing CA (RFC 6960 §4.2.2.2)."""

    __tablename__ = "jpki_responder"

    id: Mapped[int] = mapped_column(primary_key=True)
    authority_id: Mapped[int] = mapped_column(sa.ForeignKey("jpki_authority.id"), index=True)
    key_label: Mapped[str] = mapped_column(sa.ForeignKey("jpki_key.label"))
    certificate_der: Mapped[bytes] = mapped_column(sa.LargeBinary)
    not_before: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    not_after: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Holder(Base):
    """A card holder as the municipal register last told jpki: (lg_code, resident_id) and the 基本4情報."""

    __tablename__ = "jpki_holder"
    __table_args__ = (sa.UniqueConstraint("lg_code", "resident_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lg_code: Mapped[str] = mapped_column(sa.String(6))
    resident_id: Mapped[int] = mapped_column(sa.Integer)
    name: Mapped[str] = mapped_column(sa.String(200))
    former_surname: Mapped[str | None] = mapped_column(sa.String(100), nullable=True)
    address: Mapped[str] = mapped_column(sa.String(400))
    birth_date: Mapped[dt.date] = mapped_column(sa.Date)
    sex: Mapped[str] = mapped_column(sa.String(1))
    deceased: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Card(Base):
    """A My Number card as a token: its key pairs live on it; the PIN counters are the chip's."""

    __tablename__ = "jpki_card"

    id: Mapped[int] = mapped_column(primary_key=True)
    card_number: Mapped[str] = mapped_column(sa.String(16), unique=True)
    holder_id: Mapped[int] = mapped_column(sa.ForeignKey("jpki_holder.id"), index=True)
    token_kind: Mapped[str] = mapped_column(sa.String(16))
    token_label: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)
    status: Mapped[str] = mapped_column(sa.String(16))  # active | suspended | closed
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_on: Mapped[dt.date] = mapped_column(sa.Date)
    pin_salt: Mapped[bytes] = mapped_column(sa.LargeBinary)
    auth_pin_mac: Mapped[bytes] = mapped_column(sa.LargeBinary)
    auth_pin_failures: Mapped[int] = mapped_column(sa.Integer, default=0)
    sign_pin_mac: Mapped[bytes | None] = mapped_column(sa.LargeBinary, nullable=True)
    sign_pin_failures: Mapped[int] = mapped_column(sa.Integer, default=0)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class CardKey(Base):
    """A key pair generated on a card: the public key, and for a software token the sealed private key."""

    __tablename__ = "jpki_card_key"

    card_id: Mapped[int] = mapped_column(sa.ForeignKey("jpki_card.id"), primary_key=True)
    slot: Mapped[str] = mapped_column(sa.String(8), primary_key=True)  # auth | sign
    generation: Mapped[int] = mapped_column(sa.Integer, primary_key=True, default=1)
    public_key: Mapped[bytes] = mapped_column(sa.LargeBinary)
    sealed_key: Mapped[bytes | None] = mapped_column(sa.LargeBinary, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Certificate(Base):
    """An end-entity certificate; never deleted (the issuance log refers to it for ever)."""

    __tablename__ = "jpki_certificate"
    __table_args__ = (sa.UniqueConstraint("authority_id", "serial"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    authority_id: Mapped[int] = mapped_column(sa.ForeignKey("jpki_authority.id"))
    serial: Mapped[int] = mapped_column(sa.BigInteger)
    kind: Mapped[str] = mapped_column(sa.String(8))  # sign | auth
    card_id: Mapped[int | None] = mapped_column(sa.ForeignKey("jpki_card.id"), nullable=True, index=True)
    holder_id: Mapped[int | None] = mapped_column(sa.ForeignKey("jpki_holder.id"), nullable=True, index=True)
    subject_cn: Mapped[str] = mapped_column(sa.String(64))
    not_before: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    not_after: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    der: Mapped[bytes] = mapped_column(sa.LargeBinary)
    status: Mapped[str] = mapped_column(sa.String(8), default="good")  # good | hold | revoked
    reason: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The 基本4情報 written into a 署名用 certificate, to tell whether a later 異動 changed them.
    personal: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON, nullable=True)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Revocation(Base):
    """One status change (revoke, hold, release) with its CRL entry pre-encoded in DER."""

    __tablename__ = "jpki_revocation"
    __table_args__ = (
        sa.Index("ix_jpki_revocation_crl", "authority_id", "in_crl"),
        sa.Index("ix_jpki_revocation_seq", "authority_id", "seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    authority_id: Mapped[int] = mapped_column(sa.ForeignKey("jpki_authority.id"))
    certificate_id: Mapped[int] = mapped_column(sa.ForeignKey("jpki_certificate.id"), index=True)
    seq: Mapped[int] = mapped_column(sa.Integer)
    action: Mapped[str] = mapped_column(sa.String(8))  # revoke | hold | release
    reason: Mapped[int] = mapped_column(sa.Integer)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    not_after: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    entry_der: Mapped[bytes] = mapped_column(sa.LargeBinary)
    in_crl: Mapped[bool] = mapped_column(sa.Boolean)


class Crl(Base):
    """A published full or delta CRL (delta_base set) of one CA."""

    __tablename__ = "jpki_crl"
    __table_args__ = (sa.UniqueConstraint("authority_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    authority_id: Mapped[int] = mapped_column(sa.ForeignKey("jpki_authority.id"))
    number: Mapped[int] = mapped_column(sa.Integer)
    delta_base: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    this_update: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    next_update: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    upto_seq: Mapped[int] = mapped_column(sa.Integer)
    entries: Mapped[int] = mapped_column(sa.Integer)
    der: Mapped[bytes] = mapped_column(sa.LargeBinary)


class OcspResponse(Base):
    """A pre-produced OCSP response for one CertID (hash algorithm, issuer key hash, serial)."""

    __tablename__ = "jpki_ocsp_response"

    cert_id_key: Mapped[str] = mapped_column(sa.String(160), primary_key=True)
    certificate_id: Mapped[int] = mapped_column(sa.ForeignKey("jpki_certificate.id"), index=True)
    der: Mapped[bytes] = mapped_column(sa.LargeBinary)
    produced_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    next_update: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Verifier(Base):
    """A registered 署名検証者 / 利用者証明検証者 (公的個人認証法 §17, §36), with its 認定 if private."""

    __tablename__ = "jpki_verifier"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    category: Mapped[str] = mapped_column(sa.String(24))
    purposes: Mapped[list[str]] = mapped_column(sa.JSON)
    certification: Mapped[str | None] = mapped_column(sa.String(100), nullable=True)
    certified_on: Mapped[dt.date | None] = mapped_column(sa.Date, nullable=True)
    token_digest: Mapped[bytes] = mapped_column(sa.LargeBinary)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    registered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Challenge(Base):
    """A one-time login challenge for the 利用者証明用 certificate."""

    __tablename__ = "jpki_challenge"

    id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    nonce: Mapped[bytes] = mapped_column(sa.LargeBinary)
    audience: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class IdentityEvent(Base):
    """A residents' 異動 event jpki has processed (idempotency by event id) and what it did."""

    __tablename__ = "jpki_identity_event"

    event_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    lg_code: Mapped[str] = mapped_column(sa.String(6))
    resident_id: Mapped[int] = mapped_column(sa.Integer)
    outcome: Mapped[str] = mapped_column(sa.String(32))
    revoked: Mapped[list[str]] = mapped_column(sa.JSON)
    processed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class LogEntry(Base):
    """The append-only issuance log: a hash chain over every issuance and status change."""

    __tablename__ = "jpki_issuance_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    action: Mapped[str] = mapped_column(sa.String(24))
    card_number: Mapped[str | None] = mapped_column(sa.String(16), nullable=True)
    serial: Mapped[str | None] = mapped_column(sa.String(24), nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    # Both unique: two writers racing for the same tail cannot both commit, so the chain never forks.
    prev_hash: Mapped[bytes] = mapped_column(sa.LargeBinary, unique=True)
    entry_hash: Mapped[bytes] = mapped_column(sa.LargeBinary, unique=True)


class CardAppRegistration(Base):
    """An application registered for the card's free space (マイナンバーカードアプリケーション搭載システム)."""

    __tablename__ = "jpki_card_app_registration"

    code: Mapped[str] = mapped_column(sa.String(12), primary_key=True)
    lg_code: Mapped[str] = mapped_column(sa.String(6), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    purpose: Mapped[str] = mapped_column(sa.String(200))
    pin_to_read: Mapped[bool] = mapped_column(sa.Boolean)
    registered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    __table_args__ = (sa.UniqueConstraint("lg_code", "name"),)


class CardApp(Base):
    """One application written in a card's free space, with its data (e.g. a 印鑑登録証 number)."""

    __tablename__ = "jpki_card_app"

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(sa.ForeignKey("jpki_card.id"), index=True)
    app_code: Mapped[str] = mapped_column(sa.ForeignKey("jpki_card_app_registration.code"))
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
