"""Tables of the intermediate server (中間サーバー); every row carries the municipality's 団体コード (lg_code).

One database may host many municipalities, as the shared 自治体中間サーバー・プラットフォーム does; in renkei each
municipality's node database holds its own rows. Nothing here is a My Number or a 住民票コード: persons are
identified by the 団体内統合宛名番号 and, towards the hub, by this agency's 符号.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from renkei.core.db import Base, UTCDateTime
from renkei.protocol.ledger import (
    LedgerCosignatureMixin,
    LedgerEntryMixin,
    LedgerNodeMixin,
    LedgerRootMixin,
    WitnessHeadMixin,
    WitnessSeenMixin,
)


class IntermediateNode(Base):
    """The municipality as an agency on the hub: its 機関コード and key pairs (private keys sealed at rest)."""

    __tablename__ = "intermediate_node"

    lg_code: Mapped[str] = mapped_column(sa.String(6), primary_key=True)
    agency_code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    signing_public_pem: Mapped[str] = mapped_column(sa.Text)
    signing_private_sealed: Mapped[bytes] = mapped_column(sa.LargeBinary)
    sealing_public_pem: Mapped[str] = mapped_column(sa.Text)
    sealing_private_sealed: Mapped[bytes] = mapped_column(sa.LargeBinary)
    endpoint: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    registered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class IntermediateSign(Base):
    """符号管理 (FGU): this agency's 符号 for a person, beside the municipality's 統合宛名番号."""

    __tablename__ = "intermediate_sign"
    __table_args__ = (
        sa.UniqueConstraint("lg_code", "integrated_number"),
        sa.UniqueConstraint("lg_code", "sign"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lg_code: Mapped[str] = mapped_column(sa.String(6))
    integrated_number: Mapped[str] = mapped_column(sa.String(15))
    sign: Mapped[str] = mapped_column(sa.String(128))
    acquired_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(sa.String(20))
    # Set at move-out or death: no longer used to ask, still used to answer for the copies kept here
    # (docs/decisions/0045-sign-after-move-out.md).
    released_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class IntermediateCopy(Base):
    """One accepted 副本 registration or deletion entry (its レコード識別番号 is unique per municipality).

    The current copy of (統合宛名番号, TM, データセット, レコードキー) is the entry with no `superseded_at`;
    replacing or deleting a copy closes the earlier entry, so history stays and a retried entry changes nothing.
    """

    __tablename__ = "intermediate_copy"
    __table_args__ = (
        sa.UniqueConstraint("lg_code", "record_id"),
        sa.Index(
            "ix_intermediate_copy_current",
            "lg_code",
            "integrated_number",
            "tm_code",
            "dataset_no",
            "dataset_record_key",
        ),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    lg_code: Mapped[str] = mapped_column(sa.String(6))
    record_id: Mapped[str] = mapped_column(sa.String(40))
    segment: Mapped[str] = mapped_column(sa.String(1))
    integrated_number: Mapped[str] = mapped_column(sa.String(15))
    tm_code: Mapped[str] = mapped_column(sa.String(16))
    dataset_no: Mapped[str] = mapped_column(sa.String(8))
    dataset_record_key: Mapped[str] = mapped_column(sa.String(40))
    version: Mapped[str] = mapped_column(sa.String(8))
    data: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON, nullable=True)
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    published_from: Mapped[dt.date | None] = mapped_column(sa.Date, nullable=True)
    published_to: Mapped[dt.date | None] = mapped_column(sa.Date, nullable=True)
    registered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    superseded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class IntermediateQuery(Base):
    """One 情報照会 this municipality asked, from submission to the opened answer or the refusal."""

    __tablename__ = "intermediate_query"
    __table_args__ = (
        sa.UniqueConstraint("lg_code", "process_number"),
        sa.UniqueConstraint("lg_code", "client_request_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lg_code: Mapped[str] = mapped_column(sa.String(6), index=True)
    process_number: Mapped[str | None] = mapped_column(sa.String(40), nullable=True)
    batch: Mapped[str | None] = mapped_column(sa.String(40), nullable=True, index=True)
    source: Mapped[str] = mapped_column(sa.String(200))
    atena: Mapped[str | None] = mapped_column(sa.String(15), nullable=True)
    system: Mapped[str | None] = mapped_column(sa.String(20), nullable=True)
    integrated_number: Mapped[str | None] = mapped_column(sa.String(15), nullable=True)
    jm_code: Mapped[str] = mapped_column(sa.String(16))
    jt_code: Mapped[str] = mapped_column(sa.String(16))
    provider: Mapped[str] = mapped_column(sa.String(16))
    tm_code: Mapped[str] = mapped_column(sa.String(16))
    request: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    status: Mapped[str] = mapped_column(sa.String(12))
    message: Mapped[str] = mapped_column(sa.String(400))
    answer: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON, nullable=True)
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # A business system's own id for the query: a retry with the same id finds this row (never a second query).
    client_request_id: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)


class IntermediateProvision(Base):
    """One 情報提供 this municipality made (or declined) for a forwarded query; the signed answer is kept so a
    retried delivery of the same 処理通番 gets the same answer, never a second provision."""

    __tablename__ = "intermediate_provision"
    __table_args__ = (sa.UniqueConstraint("lg_code", "process_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lg_code: Mapped[str] = mapped_column(sa.String(6))
    process_number: Mapped[str] = mapped_column(sa.String(40))
    requester: Mapped[str] = mapped_column(sa.String(16))
    requester_name: Mapped[str] = mapped_column(sa.String(200))
    jm_code: Mapped[str] = mapped_column(sa.String(16))
    jt_code: Mapped[str] = mapped_column(sa.String(16))
    tm_code: Mapped[str] = mapped_column(sa.String(16))
    integrated_number: Mapped[str | None] = mapped_column(sa.String(15), nullable=True, index=True)
    status: Mapped[str] = mapped_column(sa.String(12))
    message: Mapped[str] = mapped_column(sa.String(400))
    copy_records: Mapped[list[str]] = mapped_column(sa.JSON)
    answer: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    provided_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class IntermediateRecord(LedgerEntryMixin, Base):
    """情報提供等記録 kept by the municipality (番号法第23条): one entry per query asked or provision made.

    The log is one hash chain per database; each entry names its municipality (docs/decisions/0044).
    """

    __tablename__ = "intermediate_record"

    lg_code: Mapped[str] = mapped_column(sa.String(6), index=True)
    processing_number: Mapped[str] = mapped_column(sa.String(40), index=True)
    integrated_number: Mapped[str | None] = mapped_column(sa.String(15), nullable=True, index=True)


class IntermediateRecordRoot(LedgerRootMixin, Base):
    """Signed tree heads of the municipality's 情報提供等記録."""

    __tablename__ = "intermediate_record_root"


class IntermediateRecordNode(LedgerNodeMixin, Base):
    """Interior hashes of the records' Merkle tree, so that a proof reads O(log n) of them (decision 0097)."""

    __tablename__ = "intermediate_record_node"


class IntermediateRecordCosignature(LedgerCosignatureMixin, Base):
    """Witness cosignatures (tlog-cosignature) on this node's records checkpoints (the hub's and a peer's)."""

    __tablename__ = "intermediate_record_cosignature"


class IntermediateWitnessHead(WitnessHeadMixin, Base):
    """As witness of the hub's (and a peer node's) records: the newest checkpoint cosigned per origin."""

    __tablename__ = "intermediate_witness_head"


class IntermediateWitnessSeen(WitnessSeenMixin, Base):
    """Every checkpoint shown to this node as witness, cosigned or refused (a fork is kept as evidence)."""

    __tablename__ = "intermediate_witness_seen"
