"""Tables of 証明書発行サーバ: the sealing key and certificates, fees, issuances, and the 課税 figures it certifies."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from renkei.core.db import Base, UTCDateTime


class CertificatesSealKey(Base):
    """The municipality's electronic seal: a test 組織認証局 root and the 市区町村長 certificate it issued."""

    __tablename__ = "certificates_seal_key"

    lg_code: Mapped[str] = mapped_column(sa.String(6), primary_key=True)
    root_der: Mapped[bytes] = mapped_column(sa.LargeBinary)
    certificate_der: Mapped[bytes] = mapped_column(sa.LargeBinary)
    key_sealed: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class CertificatesFee(Base):
    """交付手数料 per certificate kind, as the municipality's 手数料条例 sets it for コンビニ交付."""

    __tablename__ = "certificates_fee"

    lg_code: Mapped[str] = mapped_column(sa.String(6), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    amount: Mapped[int] = mapped_column()


class CertificatesIssuance(Base):
    """One certificate issued: to whom, what, where, the fee, the verification code and the sealed PDF's digest."""

    __tablename__ = "certificates_issuance"

    id: Mapped[int] = mapped_column(primary_key=True)
    lg_code: Mapped[str] = mapped_column(sa.String(6))
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    resident_id: Mapped[int] = mapped_column(index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    channel: Mapped[str] = mapped_column(sa.String(10))
    kiosk_id: Mapped[str | None] = mapped_column(sa.String(20), nullable=True)
    copies: Mapped[int] = mapped_column()
    fee: Mapped[int] = mapped_column()
    verification_code: Mapped[str] = mapped_column(sa.String(19), unique=True)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)


class CertificatesTax(Base):
    """課税台帳 figures the 課税証明書 certifies (loaded from the tax system), per resident and 年度."""

    __tablename__ = "certificates_tax"

    resident_id: Mapped[int] = mapped_column(primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(primary_key=True)
    income: Mapped[int] = mapped_column()
    municipal_tax: Mapped[int] = mapped_column()
    prefectural_tax: Mapped[int] = mapped_column()
