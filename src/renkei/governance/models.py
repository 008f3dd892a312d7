"""Governance (安全管理措置) tables on a municipality's node: 事務, files, assets, risks, PIA, training, incidents, network.

Ratings are stored as entered; every derived figure (資産価値, 総合評価, 残存評価, 総合) is computed in
renkei.governance.scales and never stored, so a stored figure can never disagree with its formula. Figures an
imported sheet stated and that disagreed are kept beside the data as `GovernanceDiscrepancy` rows.
Decimal scores (課題 ratings, 対策 reductions) are kept as text so both databases hold them exactly.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from renkei.core.db import Base, UTCDateTime


class GovernanceJimu(Base):
    """A 事務 the body performs with My Numbers (別表第一 or 条例事務), with its 進捗管理 row."""

    __tablename__ = "governance_jimu"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(400), unique=True)
    # "別表第一" or "条例事務"
    kind: Mapped[str] = mapped_column(sa.String(8))
    # The legal basis as written (e.g. 別表第一 第十六号, 市税条例 第○条)
    basis: Mapped[str] = mapped_column(sa.String(200), default="")
    department: Mapped[str] = mapped_column(sa.String(100), default="")
    position: Mapped[int] = mapped_column(default=0)
    # The dates printed on the 情報資産取扱手順表 and リスク分析表 of this 事務 ("日付: H30.1.10").
    procedures_dated_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    risks_dated_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    # 進捗管理 (seed 002): 〇 完了, △ 着手, × 未着手, - 不要
    progress_flow: Mapped[str] = mapped_column(sa.String(1), default="×")
    progress_personal_info: Mapped[str] = mapped_column(sa.String(1), default="×")
    progress_risk: Mapped[str] = mapped_column(sa.String(1), default="×")
    progress_linkage: Mapped[str] = mapped_column(sa.String(1), default="×")
    progress_ordinance: Mapped[str] = mapped_column(sa.String(1), default="×")
    progress_pia: Mapped[str] = mapped_column(sa.String(1), default="×")


class GovernanceFile(Base):
    """A 特定個人情報ファイル of a 事務, with the inputs of the しきい値判断 and its 評価書."""

    __tablename__ = "governance_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    jimu_id: Mapped[int] = mapped_column(sa.ForeignKey("governance_jimu.id"), index=True)
    tm_code: Mapped[str] = mapped_column(sa.String(16), default="")
    subject_count: Mapped[int] = mapped_column(default=0)  # 対象人数
    handler_count: Mapped[int] = mapped_column(default=0)  # 取扱者数
    serious_incident: Mapped[bool] = mapped_column(default=False)  # 重大事故 in the past year
    last_published_on: Mapped[dt.date | None] = mapped_column(sa.Date)  # 評価書 公表日
    # 評価書 section → 未着手 / 作成中 / 完了
    sections: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)

    jimu: Mapped[GovernanceJimu] = relationship(lazy="joined")


class GovernanceAsset(Base):
    """One row of the 情報資産取扱手順表: an information asset at one handling stage."""

    __tablename__ = "governance_asset"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)  # the sheet's ID, e.g. 1-2
    jimu_id: Mapped[int] = mapped_column(sa.ForeignKey("governance_jimu.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(sa.String(200))
    medium: Mapped[str] = mapped_column(sa.String(8))  # 紙 / 電子
    stage: Mapped[str] = mapped_column(sa.String(8))  # 取得 利用 保存 提供 削除・廃棄
    handling: Mapped[str] = mapped_column(sa.Text, default="")
    procedure: Mapped[str] = mapped_column(sa.Text, default="")
    function: Mapped[str] = mapped_column(sa.String(200), default="")
    responsible: Mapped[str] = mapped_column(sa.String(100), default="")
    responsible_task: Mapped[str] = mapped_column(sa.String(200), default="")
    handler: Mapped[str] = mapped_column(sa.String(100), default="")
    handler_task: Mapped[str] = mapped_column(sa.String(200), default="")
    note: Mapped[str] = mapped_column(sa.Text, default="")
    confidentiality: Mapped[int] = mapped_column(sa.SmallInteger)
    integrity: Mapped[int] = mapped_column(sa.SmallInteger)
    availability: Mapped[int] = mapped_column(sa.SmallInteger)

    jimu: Mapped[GovernanceJimu] = relationship(lazy="joined")


class GovernanceRisk(Base):
    """The リスク分析表 row of an asset-and-stage, with its 対策 and their acceptance."""

    __tablename__ = "governance_risk"

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(sa.ForeignKey("governance_asset.id"), unique=True)
    vulnerability: Mapped[str] = mapped_column(sa.Text, default="")
    vulnerability_rating: Mapped[int] = mapped_column(sa.SmallInteger)
    threat: Mapped[str] = mapped_column(sa.Text, default="")
    threat_rating: Mapped[int] = mapped_column(sa.SmallInteger)
    function: Mapped[str] = mapped_column(sa.String(200), default="")
    # [{"text": "...", "reduction": "0.5"}]: each 対策 with the amount it lowers the 脆弱性 by
    measures: Mapped[list[dict[str, str]]] = mapped_column(sa.JSON, default=list)
    residual_risk: Mapped[str] = mapped_column(sa.Text, default="")
    accepted_by: Mapped[str | None] = mapped_column(sa.String(100))
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    asset: Mapped[GovernanceAsset] = relationship(lazy="joined")


class GovernanceDiscrepancy(Base):
    """A figure an imported sheet stated that its formula contradicts: kept, shown, and resolved by a person."""

    __tablename__ = "governance_discrepancy"

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet: Mapped[str] = mapped_column(sa.String(64))
    row_number: Mapped[int]
    column: Mapped[str] = mapped_column(sa.String(64))
    record_key: Mapped[str] = mapped_column(sa.String(64))  # the asset ID or 課題 number it belongs to
    stated: Mapped[str] = mapped_column(sa.String(64))
    computed: Mapped[str] = mapped_column(sa.String(64))
    found_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    resolved_by: Mapped[str | None] = mapped_column(sa.String(100))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class GovernanceIssue(Base):
    """One 主要課題 of the body's own list, scored 影響性・法令準拠・容易性 as in seed 002."""

    __tablename__ = "governance_issue"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    point: Mapped[str] = mapped_column(sa.Text, default="")
    impact: Mapped[str] = mapped_column(sa.String(8))
    compliance: Mapped[str] = mapped_column(sa.String(8))
    ease: Mapped[str] = mapped_column(sa.String(8))


class GovernanceHandler(Base):
    """A person who handles 特定個人情報ファイル (事務取扱担当者), owed training every year."""

    __tablename__ = "governance_handler"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)  # 職員番号 or the contractor's id
    name: Mapped[str] = mapped_column(sa.String(100))
    department: Mapped[str] = mapped_column(sa.String(100))
    assigned_on: Mapped[dt.date] = mapped_column(sa.Date)
    active: Mapped[bool] = mapped_column(default=True)
    files: Mapped[list[GovernanceFile]] = relationship(
        secondary="governance_handler_file", lazy="selectin", order_by="GovernanceFile.name"
    )


class GovernanceHandlerFile(Base):
    """Which 特定個人情報ファイル a handler works with."""

    __tablename__ = "governance_handler_file"

    handler_id: Mapped[int] = mapped_column(
        sa.ForeignKey("governance_handler.id", ondelete="CASCADE"), primary_key=True
    )
    file_id: Mapped[int] = mapped_column(
        sa.ForeignKey("governance_file.id", ondelete="CASCADE"), primary_key=True
    )


class GovernanceTrainingPlan(Base):
    """A 研修計画 for a fiscal year."""

    __tablename__ = "governance_training_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    fiscal_year: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(200))
    audience: Mapped[str] = mapped_column(sa.String(200), default="")
    content: Mapped[str] = mapped_column(sa.Text, default="")


class GovernanceTrainingSession(Base):
    """One held (or scheduled) 研修 of a plan."""

    __tablename__ = "governance_training_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("governance_training_plan.id"), index=True)
    held_on: Mapped[dt.date] = mapped_column(sa.Date)
    title: Mapped[str] = mapped_column(sa.String(200))
    hours: Mapped[str] = mapped_column(sa.String(8), default="")
    place: Mapped[str] = mapped_column(sa.String(200), default="")

    plan: Mapped[GovernanceTrainingPlan] = relationship(lazy="joined")


class GovernanceAttendance(Base):
    """A handler attended a session (受講記録)."""

    __tablename__ = "governance_attendance"
    __table_args__ = (sa.UniqueConstraint("session_id", "handler_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("governance_training_session.id"), index=True)
    handler_id: Mapped[int] = mapped_column(sa.ForeignKey("governance_handler.id"), index=True)

    training: Mapped[GovernanceTrainingSession] = relationship(lazy="joined")
    handler: Mapped[GovernanceHandler] = relationship(lazy="joined")


class GovernanceReminder(Base):
    """A reminder sent to an overdue (or soon due) handler; one per handler and due date."""

    __tablename__ = "governance_reminder"
    __table_args__ = (sa.UniqueConstraint("handler_id", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    handler_id: Mapped[int] = mapped_column(sa.ForeignKey("governance_handler.id"), index=True)
    due_on: Mapped[dt.date] = mapped_column(sa.Date)
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    handler: Mapped[GovernanceHandler] = relationship(lazy="joined")


class GovernanceIncident(Base):
    """A security incident through the CSIRT steps, with the 個人情報保護委員会 report deadlines."""

    __tablename__ = "governance_incident"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    # When the body came to know of it (the report deadlines count from this day).
    aware_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    reported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    triaged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    contained_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    recovered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    lessons: Mapped[str] = mapped_column(sa.Text, default="")
    notes: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)  # step → note
    # The facts that decide whether it must be reported (decision 0055).
    involves_mynumber: Mapped[bool] = mapped_column(default=True)
    affected_count: Mapped[int] = mapped_column(default=0)
    unlawful_purpose: Mapped[bool] = mapped_column(default=False)
    via_network_system: Mapped[bool] = mapped_column(default=False)
    publicly_viewable: Mapped[bool] = mapped_column(default=False)
    prompt_reported_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())  # 速報
    final_reported_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())  # 確報


class GovernanceSegment(Base):
    """A network segment of the inventory, in one zone of the 三層の対策."""

    __tablename__ = "governance_segment"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    zone: Mapped[str] = mapped_column(sa.String(32))
    note: Mapped[str] = mapped_column(sa.Text, default="")


class GovernanceHost(Base):
    """A server or terminal in a segment."""

    __tablename__ = "governance_host"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    segment_id: Mapped[int] = mapped_column(sa.ForeignKey("governance_segment.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))  # サーバ / 端末
    two_factor: Mapped[bool] = mapped_column(default=False)
    export_blocked: Mapped[bool] = mapped_column(default=False)
    count: Mapped[int] = mapped_column(default=1)

    segment: Mapped[GovernanceSegment] = relationship(lazy="joined")


class GovernanceFlow(Base):
    """An allowed communication between two segments."""

    __tablename__ = "governance_flow"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    source_id: Mapped[int] = mapped_column(sa.ForeignKey("governance_segment.id"), index=True)
    destination_id: Mapped[int] = mapped_column(sa.ForeignKey("governance_segment.id"), index=True)
    purpose: Mapped[str] = mapped_column(sa.String(200), default="")
    kind: Mapped[str] = mapped_column(sa.String(16))  # 通信 / ファイル転送 / Web閲覧 / メール
    sanitized: Mapped[bool] = mapped_column(default=False)  # 無害化

    source: Mapped[GovernanceSegment] = relationship(foreign_keys=[source_id], lazy="joined")
    destination: Mapped[GovernanceSegment] = relationship(foreign_keys=[destination_id], lazy="joined")


class GovernanceSetting(Base):
    """Body-wide governance settings (the network model in use)."""

    __tablename__ = "governance_setting"

    key: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(200))


class GovernanceIndicator(Base):
    """One policy indicator value for one fiscal year (seed 004: 活動指標, 対象指標, 成果指標)."""

    __tablename__ = "governance_indicator"
    __table_args__ = (sa.UniqueConstraint("name", "fiscal_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(sa.String(16))
    name: Mapped[str] = mapped_column(sa.String(200))
    unit: Mapped[str] = mapped_column(sa.String(16))
    fiscal_year: Mapped[int]
    value: Mapped[str] = mapped_column(sa.String(32))
    estimate: Mapped[bool] = mapped_column(default=False)  # 見込 rather than 実績


# The tables of the region workspace, the evaluation sheets and the courses live in their own modules; importing
# them here puts them on the metadata Alembic compares against.
from renkei.governance import models_cloud, models_course, models_evaluation  # noqa: E402, F401
