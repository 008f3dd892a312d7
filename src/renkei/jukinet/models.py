"""Tables of 住基ネット全国サーバ: municipalities, 住民票コード pools, issued My Numbers, 本人確認情報, 取得番号,
recipients of 本人確認情報 and the log of every provision."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from renkei.core.db import Base, UTCDateTime
from renkei.protocol.ledger import Ledger, LedgerEntryMixin, LedgerNodeMixin, LedgerRootMixin


class JukinetMunicipality(Base):
    """A municipality connected to 住基ネット (全国地方公共団体コード with its check digit)."""

    __tablename__ = "jukinet_municipality"

    lg_code: Mapped[str] = mapped_column(sa.String(6), primary_key=True)
    prefecture: Mapped[str] = mapped_column(sa.String(10))
    city: Mapped[str] = mapped_column(sa.String(40))
    registered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class JukinetCodePool(Base):
    """One batch of 住民票コード handed to a municipality (the pool it draws from for births and imports)."""

    __tablename__ = "jukinet_code_pool"

    id: Mapped[int] = mapped_column(primary_key=True)
    lg_code: Mapped[str] = mapped_column(sa.ForeignKey("jukinet_municipality.lg_code"), index=True)
    size: Mapped[int] = mapped_column()
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class JukinetJuminhyoCode(Base):
    """Every 住民票コード ever handed out, so none is ever handed out twice."""

    __tablename__ = "jukinet_juminhyo_code"

    code: Mapped[str] = mapped_column(sa.String(11), primary_key=True)
    pool_id: Mapped[int] = mapped_column(sa.ForeignKey("jukinet_code_pool.id"), index=True)
    lg_code: Mapped[str] = mapped_column(sa.String(6))


class JukinetIssuedMynumber(Base):
    """Every My Number ever issued, retired ones included, as a keyed hash (never the number itself).

    The hash is what the never-repeat rule (番号法第8条第2項第1号) is checked against; see decision 0010.
    """

    __tablename__ = "jukinet_issued_mynumber"

    mynumber_hash: Mapped[bytes] = mapped_column(sa.LargeBinary(32), primary_key=True)
    juminhyo_code: Mapped[str] = mapped_column(sa.String(11), index=True)
    counter: Mapped[int] = mapped_column()
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class JukinetPerson(Base):
    """本人確認情報: the current 基本4情報 of one person, keyed by 住民票コード, with the My Number sealed."""

    __tablename__ = "jukinet_person"
    # 照会 by 基本4情報 (本人確認情報の提供) narrows by 生年月日 and 性別 first.
    __table_args__ = (sa.Index("ix_jukinet_person_birth_date_sex", "birth_date", "sex"),)

    juminhyo_code: Mapped[str] = mapped_column(sa.String(11), primary_key=True)
    lg_code: Mapped[str] = mapped_column(sa.String(6), index=True)
    # The registering municipality's own key for the person (団体コード:宛名番号), so a retried 付番 finds them.
    request_key: Mapped[str | None] = mapped_column(sa.String(30), unique=True, nullable=True)
    mynumber_sealed: Mapped[bytes] = mapped_column(sa.LargeBinary)
    mynumber_hash: Mapped[bytes] = mapped_column(sa.LargeBinary(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    name_kana: Mapped[str] = mapped_column(sa.String(200))
    former_surname: Mapped[str | None] = mapped_column(sa.String(50), nullable=True)
    birth_date: Mapped[dt.date] = mapped_column(sa.Date)
    sex: Mapped[str] = mapped_column(sa.String(1))
    address: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(12), default="active")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class JukinetIdentityChange(Base):
    """Change history of 本人確認情報: the state after each 異動 the municipality reported."""

    __tablename__ = "jukinet_identity_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    juminhyo_code: Mapped[str] = mapped_column(sa.String(11), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    lg_code: Mapped[str] = mapped_column(sa.String(6))
    effective_on: Mapped[dt.date] = mapped_column(sa.Date)
    name: Mapped[str] = mapped_column(sa.String(100))
    name_kana: Mapped[str] = mapped_column(sa.String(200))
    former_surname: Mapped[str | None] = mapped_column(sa.String(50), nullable=True)
    address: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(12))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class JukinetAcquisitionNumber(Base):
    """取得番号: single-use number a municipality hands the hub so the hub can obtain a 符号 for a person."""

    __tablename__ = "jukinet_acquisition_number"

    number: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    juminhyo_code: Mapped[str] = mapped_column(sa.String(11), index=True)
    lg_code: Mapped[str] = mapped_column(sa.String(6))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class JukinetRecipient(Base):
    """A national body registered to receive 機構保存本人確認情報 (住基法第30条の9, 別表第一)."""

    __tablename__ = "jukinet_recipient"

    code: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    registered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class JukinetProvision(LedgerEntryMixin, Base):
    """本人確認情報の提供 records: one entry per 照会 answered or refused, in a hash chain (decision 0081)."""

    __tablename__ = "jukinet_provision"

    juminhyo_code: Mapped[str | None] = mapped_column(sa.String(11), index=True, nullable=True)
    recipient_code: Mapped[str | None] = mapped_column(sa.String(16), index=True, nullable=True)


class JukinetProvisionRoot(LedgerRootMixin, Base):
    """Signed tree heads of the provision records."""

    __tablename__ = "jukinet_provision_root"


class JukinetProvisionNode(LedgerNodeMixin, Base):
    """Interior hashes of the provision records' Merkle tree (decision 0097)."""

    __tablename__ = "jukinet_provision_node"


PROVISIONS: Ledger[JukinetProvision, JukinetProvisionRoot] = Ledger(
    "jukinet-provision",
    JukinetProvision,
    JukinetProvisionRoot,
    index_columns=("juminhyo_code", "recipient_code"),
    root_every=50,
    node_model=JukinetProvisionNode,
)
