"""Tables of the region workspace and the 自治体クラウド plan: regions, members, 業務システム, joint estimates.

A body's 業務システム live on its own node, like the rest of its governance data. A region (地域共同対応) is kept on
the node of its 幹事団体 (the coordinating body): the list of members and the joint quotes; every other figure the
region view shows is read from each member's own node when the view is built, never copied (decision 0070).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from renkei.core.db import Base


class GovernanceRegion(Base):
    """A region whose bodies analyse their issues and plan a joint cloud together, kept by its 幹事団体."""

    __tablename__ = "governance_region"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    # The share of a joint cost split equally (均等割, percent, exact decimal text); the rest by population.
    equal_share_percent: Mapped[str] = mapped_column(sa.String(8), default="30")
    # Renewal years this far apart still count as aligned (the earlier contracts are extended).
    window_years: Mapped[int] = mapped_column(default=1)

    members: Mapped[list[GovernanceRegionMember]] = relationship(
        lazy="selectin", order_by="GovernanceRegionMember.position", cascade="all, delete-orphan"
    )


class GovernanceRegionMember(Base):
    """A body of the region: a prefecture or a municipality, named by its 団体コード."""

    __tablename__ = "governance_region_member"
    __table_args__ = (sa.UniqueConstraint("region_id", "lg_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(
        sa.ForeignKey("governance_region.id", ondelete="CASCADE"), index=True
    )
    lg_code: Mapped[str] = mapped_column(sa.String(6))
    name: Mapped[str] = mapped_column(sa.String(100))
    kind: Mapped[str] = mapped_column(sa.String(8))  # 都道府県 / 市区町村
    population: Mapped[int] = mapped_column(default=0)
    position: Mapped[int] = mapped_column(default=0)


class GovernanceJointEstimate(Base):
    """A quote for running one 業務 jointly for the whole region (千円 a year, plus the one-off cost)."""

    __tablename__ = "governance_joint_estimate"
    __table_args__ = (sa.UniqueConstraint("region_id", "business"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(
        sa.ForeignKey("governance_region.id", ondelete="CASCADE"), index=True
    )
    business: Mapped[str] = mapped_column(sa.String(100))
    annual_cost: Mapped[int]  # 千円/年
    initial_cost: Mapped[int] = mapped_column(default=0)  # 千円 (構築・移行)
    note: Mapped[str] = mapped_column(sa.Text, default="")


class GovernanceSystem(Base):
    """One 業務システム of the body (業務システムの可視化): what it does, who supplies it, when it is renewed."""

    __tablename__ = "governance_system"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    business: Mapped[str] = mapped_column(sa.String(100))  # 業務 (住民記録, 個人住民税, …)
    name: Mapped[str] = mapped_column(sa.String(200))
    vendor: Mapped[str] = mapped_column(sa.String(100))
    kind: Mapped[str] = mapped_column(sa.String(16))  # パッケージ / 独自開発
    customization: Mapped[str] = mapped_column(sa.String(8))  # なし / 軽微 / 中 / 大
    contract_end: Mapped[dt.date] = mapped_column(sa.Date)
    renewal_year: Mapped[int]  # 年度 the replacement must run from
    annual_cost: Mapped[int]  # 千円/年 (保守・使用料・リース)
    hosting: Mapped[str] = mapped_column(sa.String(32))  # 庁舎内 / データセンター / クラウド
    zone: Mapped[str] = mapped_column(sa.String(32))  # the 三層の対策 zone it sits in
    files: Mapped[list[str]] = mapped_column(sa.JSON, default=list)  # 特定個人情報ファイル it holds
    note: Mapped[str] = mapped_column(sa.Text, default="")
