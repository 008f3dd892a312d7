"""Tables of the hub: agencies, the permission table, queries in flight and the hub's 情報提供等記録.

What the hub does not hold, by design (ARCHITECTURE §2): no My Number, no 住民票コード, no ID code table, no
plaintext answer. 符号 are translated with the hub key alone (docs/decisions/0031); answers are kept sealed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from renkei.core.db import Base, UTCDateTime
from renkei.protocol.ledger import (
    Ledger,
    LedgerCosignatureMixin,
    LedgerEntryMixin,
    LedgerNodeMixin,
    LedgerRootMixin,
    WitnessHeadMixin,
    WitnessSeenMixin,
)


class HubAgency(Base):
    """A registered 情報照会者／情報提供者 with its 16-digit 機関コード, endpoint and public keys."""

    __tablename__ = "hub_agency"

    agency_code: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(60))
    endpoint: Mapped[str] = mapped_column(sa.String(300))
    signing_public_key: Mapped[str] = mapped_column(sa.Text)
    sealing_public_key: Mapped[str] = mapped_column(sa.Text)
    registered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # Set by an operator's retirement (decision 0037): the agency neither queries nor is queried from then on.
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class HubPermission(Base):
    """One row of the permission table (番号法 別表第二 / 主務省令): who may ask whom for what, for which 事務.

    `requester` and `provider` hold an agency kind (市町村長 …) or a 16-digit 機関コード; an empty
    `procedure_code` admits every 事務手続 of the 事務. `valid_to` is the last day the row admits queries (set when
    an operator ends it); none while it is in force.
    """

    __tablename__ = "hub_permission"
    __table_args__ = (sa.UniqueConstraint("requester", "jimu_code", "procedure_code", "provider", "tm_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item: Mapped[str] = mapped_column(sa.String(40))
    requester: Mapped[str] = mapped_column(sa.String(60))
    jimu_code: Mapped[str] = mapped_column(sa.String(16))
    jimu_name: Mapped[str] = mapped_column(sa.String(300))
    procedure_code: Mapped[str] = mapped_column(sa.String(16), default="")
    procedure_name: Mapped[str] = mapped_column(sa.String(300), default="")
    provider: Mapped[str] = mapped_column(sa.String(60))
    tm_code: Mapped[str] = mapped_column(sa.String(16))
    tm_name: Mapped[str] = mapped_column(sa.String(100))
    source: Mapped[str] = mapped_column(sa.String(300))
    loaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    valid_to: Mapped[dt.date | None] = mapped_column(sa.Date)


class HubOperator(Base):
    """A person who may change the registry and the permission table, with the Ed25519 key that signs for them.

    Enrolled only by a command on the hub's own data directory (the root of trust, as the organisation CA's key
    is); never deleted, so every signature in the records log stays checkable (decision 0037)."""

    __tablename__ = "hub_operator"

    operator_id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    signing_public_key: Mapped[str] = mapped_column(sa.Text)
    key_id: Mapped[str] = mapped_column(sa.String(16))
    enrolled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class HubOperatorAction(Base):
    """The index of operator actions: each one's entry in the records log (which holds the whole of it), found by
    the request's action id (so a retry answers the recorded action) or by time for the operator console."""

    __tablename__ = "hub_operator_action"

    action_id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    operator_id: Mapped[str] = mapped_column(sa.String(32), index=True)
    action: Mapped[str] = mapped_column(sa.String(30))
    target: Mapped[str] = mapped_column(sa.String(60))
    request_digest: Mapped[str] = mapped_column(sa.String(64))
    record_seq: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer(), "sqlite"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)


class HubLocalUseNotification(Base):
    """A 独自利用事務の情報連携 届出 (番号法第19条第9号) as filed by a municipality and decided by the commission."""

    __tablename__ = "hub_local_use_notification"
    __table_args__ = (sa.UniqueConstraint("requester_code", "notification_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    requester_code: Mapped[str] = mapped_column(sa.String(16))
    notification_id: Mapped[str] = mapped_column(sa.String(60))
    jimu_code: Mapped[str] = mapped_column(sa.String(16), index=True)
    jimu_name: Mapped[str] = mapped_column(sa.String(300))
    similar_jimu_code: Mapped[str] = mapped_column(sa.String(16), default="")
    ordinance_number: Mapped[str] = mapped_column(sa.String(80))
    ordinance_title: Mapped[str] = mapped_column(sa.String(300))
    article: Mapped[str] = mapped_column(sa.String(60))
    start_on: Mapped[dt.date] = mapped_column(sa.Date)
    end_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    information: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    status: Mapped[str] = mapped_column(sa.String(10))  # filed / accepted / returned
    reasons: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    filed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str] = mapped_column(sa.String(100), default="")


class HubLocalUsePermission(Base):
    """A permission entry from an accepted 届出: only `requester_code` may use it, only from `valid_from` to `valid_to`."""

    __tablename__ = "hub_local_use_permission"
    __table_args__ = (sa.Index("ix_hub_local_use_permission_key", "requester_code", "jimu_code", "tm_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_pk: Mapped[int] = mapped_column(sa.ForeignKey("hub_local_use_notification.id"), index=True)
    requester_code: Mapped[str] = mapped_column(sa.String(16))
    jimu_code: Mapped[str] = mapped_column(sa.String(16))
    provider: Mapped[str] = mapped_column(sa.String(60))
    tm_code: Mapped[str] = mapped_column(sa.String(16))
    valid_from: Mapped[dt.date] = mapped_column(sa.Date)
    valid_to: Mapped[dt.date | None] = mapped_column(sa.Date)


class HubSerial(Base):
    """A named serial the hub hands out in blocks (the 12-digit part of every 処理通番): one UPDATE reserves a
    whole batch's numbers, and concurrent acceptances serialise on the row, never on the queries' table."""

    __tablename__ = "hub_serial"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer(), "sqlite"))


class HubQuery(Base):
    """A query from acceptance to its answer or refusal; the answer is stored exactly as sealed by the provider."""

    __tablename__ = "hub_query"
    __table_args__ = (
        sa.UniqueConstraint("requester_code", "request_id"),
        sa.Index("ix_hub_query_due", "status", "next_attempt_at"),
        sa.Index("ix_hub_query_next_push_at", "next_push_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    processing_number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    request_id: Mapped[str] = mapped_column(sa.String(64))
    requester_code: Mapped[str] = mapped_column(sa.String(16))
    provider_code: Mapped[str] = mapped_column(sa.String(16))
    jimu_code: Mapped[str] = mapped_column(sa.String(16))
    procedure_code: Mapped[str] = mapped_column(sa.String(16))
    tm_code: Mapped[str] = mapped_column(sa.String(16))
    period_from: Mapped[dt.date | None] = mapped_column(sa.Date)
    period_to: Mapped[dt.date | None] = mapped_column(sa.Date)
    non_disclosure: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    non_disclosure_until: Mapped[dt.date | None] = mapped_column(sa.Date, nullable=True)  # decision 0096
    # The provider's 符号 while the query is in flight only; cleared once it is answered or refused.
    provider_sign: Mapped[str | None] = mapped_column(sa.String(32))
    person_ref: Mapped[str | None] = mapped_column(sa.String(32))
    status: Mapped[str] = mapped_column(sa.String(10))
    refusal_reason: Mapped[str | None] = mapped_column(sa.Text)
    answer: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    accepted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    record_seq: Mapped[int | None] = mapped_column(sa.BigInteger().with_variant(sa.Integer(), "sqlite"))
    # Set only when pushing the result to the requester failed: when to try again (the poll stays the fallback).
    next_push_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    push_attempts: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")


class HubRecord(LedgerEntryMixin, Base):
    """The hub's 情報提供等記録 (番号法第23条第3項): one entry per finished exchange, in a hash chain."""

    __tablename__ = "hub_record"

    processing_number: Mapped[str | None] = mapped_column(sa.String(20), index=True)
    person_ref: Mapped[str | None] = mapped_column(sa.String(32), index=True)


class HubRecordRoot(LedgerRootMixin, Base):
    """Signed tree heads of the hub's records."""

    __tablename__ = "hub_record_root"


class HubRecordNode(LedgerNodeMixin, Base):
    """Interior hashes of the records' Merkle tree, so that a proof reads O(log n) of them (decision 0097)."""

    __tablename__ = "hub_record_node"


class HubRecordCosignature(LedgerCosignatureMixin, Base):
    """Witness cosignatures (tlog-cosignature) on the hub's checkpoints."""

    __tablename__ = "hub_record_cosignature"


class HubWitnessHead(WitnessHeadMixin, Base):
    """As witness of every node's records: the newest checkpoint the hub cosigned per origin."""

    __tablename__ = "hub_witness_head"


class HubWitnessSeen(WitnessSeenMixin, Base):
    """Every node checkpoint shown to the hub as witness, cosigned or refused (a fork is kept as evidence)."""

    __tablename__ = "hub_witness_seen"


RECORDS: Ledger[HubRecord, HubRecordRoot] = Ledger(
    "hub",
    HubRecord,
    HubRecordRoot,
    index_columns=("processing_number", "person_ref"),
    root_every=100,
    cosignature_model=HubRecordCosignature,
    node_model=HubRecordNode,
)
