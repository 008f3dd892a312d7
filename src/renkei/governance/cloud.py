"""自治体クラウド plan for a region: joint-procurement candidates, the timeline, the cost split and readiness.

Candidates: for each 業務, the members' systems whose renewal years lie within the region's window of each other;
the joint system goes live on 1 April of the latest of those years, and earlier contracts are extended to meet it.
Timeline: the five stages of 総務省's analysis of 自治体クラウド (推進組織の設立, 共同化計画策定, システム調達,
システム構築, システム運用), counted back from the go-live date. Cost: each member's own yearly cost against its share
of the joint quote, split 均等割 + 人口割. Readiness: seed 002's four stages of standardisation (decision 0071).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.governance import region as regions
from renkei.governance import systems as inventory
from renkei.governance.models_cloud import GovernanceJointEstimate, GovernanceRegion, GovernanceRegionMember
from renkei.governance.models_cloud import GovernanceSystem as System


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


# (phase, months before go-live it starts, months before go-live it ends); negative = after go-live.
PHASES = (
    ("推進組織の設立（協議会・覚書）", 36, 30),
    ("共同化計画策定（業務の可視化・標準化、調達仕様書）", 30, 18),
    ("システム調達（RFI・仕様確定・入札・契約）", 18, 12),
    ("システム構築・データ移行（中間標準レイアウト）・テスト", 12, 0),
    ("システム運用（稼働・安定化）", 0, -6),
)


@dataclass(frozen=True)
class Phase:
    name: str
    start: dt.date  # first day
    end: dt.date  # the day after the last

    @property
    def months(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month


def timeline(go_live: dt.date) -> list[Phase]:
    return [Phase(name, add_months(go_live, -a), add_months(go_live, -b)) for name, a, b in PHASES]


@dataclass(frozen=True)
class Share:
    member: GovernanceRegionMember
    system: System
    alone: int  # 千円/年, its own system
    share: int | None  # 千円/年 of the joint quote; None without a quote
    extension_years: int  # how long its current contract must be extended to meet the go-live

    @property
    def saving(self) -> int | None:
        return None if self.share is None else self.alone - self.share


@dataclass(frozen=True)
class Candidate:
    """A 業務 the listed members could procure together."""

    business: str
    go_live_year: int
    shares: list[Share]
    estimate: GovernanceJointEstimate | None
    phases: list[Phase]

    @property
    def go_live(self) -> dt.date:
        return dt.date(self.go_live_year, 4, 1)

    @property
    def alone_total(self) -> int:
        return sum(s.alone for s in self.shares)

    @property
    def joint_total(self) -> int | None:
        return self.estimate.annual_cost if self.estimate else None

    @property
    def vendors(self) -> list[str]:
        return sorted({s.system.vendor for s in self.shares})


def split(
    total: int, members: list[GovernanceRegionMember], *, equal_share_percent: Decimal
) -> dict[str, int]:
    """均等割 + 人口割 of `total` 千円, rounded half up per member; the rounding remainder goes to the most populous
    member so the shares always add up to the total (decision 0071)."""
    equal = Decimal(total) * equal_share_percent / 100
    by_population = Decimal(total) - equal
    people = sum(m.population for m in members)
    raw = {}
    for m in members:
        part = equal / len(members)
        part += by_population * m.population / people if people else by_population / len(members)
        raw[m.lg_code] = int(part.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    largest = max(members, key=lambda m: (m.population, m.lg_code)).lg_code
    raw[largest] += total - sum(raw.values())
    return raw


def candidates(
    region: GovernanceRegion,
    systems_of: dict[str, list[System]],
    quotes: dict[str, GovernanceJointEstimate],
) -> list[Candidate]:
    """Systems of two or more members, same 業務, renewal years within the region's window, grouped greedily from
    the earliest renewal; a member brings one system per group (its earliest renewal)."""
    members = {m.lg_code: m for m in region.members}
    by_business: dict[str, list[tuple[GovernanceRegionMember, System]]] = {}
    for lg, systems in systems_of.items():
        for s in systems:
            by_business.setdefault(s.business, []).append((members[lg], s))
    result = []
    for business, rows in sorted(by_business.items()):
        pending = sorted(rows, key=lambda r: (r[1].renewal_year, r[0].position, r[1].code))
        while pending:
            first_year = pending[0][1].renewal_year
            group: list[tuple[GovernanceRegionMember, System]] = []
            rest = []
            for member, system in pending:
                in_window = system.renewal_year - first_year <= region.window_years
                if in_window and all(m.lg_code != member.lg_code for m, _ in group):
                    group.append((member, system))
                else:
                    rest.append((member, system))
            pending = rest
            if len(group) < 2:
                continue
            year = max(s.renewal_year for _, s in group)
            quote = quotes.get(business)
            split_of = (
                split(
                    quote.annual_cost,
                    [m for m, _ in group],
                    equal_share_percent=Decimal(region.equal_share_percent),
                )
                if quote
                else {}
            )
            shares = [
                Share(m, s, s.annual_cost, split_of.get(m.lg_code), year - s.renewal_year) for m, s in group
            ]
            shares.sort(key=lambda sh: sh.member.position)
            result.append(Candidate(business, year, shares, quote, timeline(dt.date(year, 4, 1))))
    result.sort(key=lambda c: (c.go_live_year, c.business))
    return result


# -- readiness ---------------------------------------------------------------------------------------------------
STAGES = (
    "第1段階 法的実施要請（PIA・強靱化・研修）",
    "第2段階 業務システムの可視化・情報資産の整理",
    "第3段階 業務・システム最適化（EA、ノンカスタマイズ）",
    "第4段階 標準化・共同化（共同調達の候補）",
)


@dataclass(frozen=True)
class StageCheck:
    stage: str
    passed: bool
    reasons: list[str]  # what is missing, empty when passed


@dataclass(frozen=True)
class Readiness:
    member: GovernanceRegionMember
    stages: list[StageCheck]

    @property
    def reached(self) -> int:
        """The highest stage passed with every stage below it passed too (0: not even the legal duties)."""
        level = 0
        for check in self.stages:
            if not check.passed:
                break
            level += 1
        return level


def readiness(status: regions.MemberStatus, systems: list[System], in_candidates: set[str]) -> Readiness:
    one: list[str] = []
    if status.pia_attention:
        one.append("特定個人情報保護評価が未実施または期限切れ: " + "、".join(status.pia_attention))
    if status.network_findings is None:
        one.append("ネットワーク構成（強靱化）が未登録")
    elif status.network_findings:
        one.append(f"ネットワーク点検の指摘 {status.network_findings}件（強靱化が未完了）")
    if status.handlers == 0:
        one.append("特定個人情報の取扱者が未登録（研修の対象が不明）")
    elif status.training_overdue:
        one.append(f"年次研修の期限超過 {status.training_overdue}人")
    two: list[str] = []
    if not systems:
        two.append("業務システムが未登録")
    unlinked = [s.code for s in systems if not s.files]
    if unlinked:
        two.append("特定個人情報ファイルとの対応が未記入: " + "、".join(unlinked))
    if status.jimu == 0:
        two.append("事務が未登録")
    elif status.jimu_without_assets:
        two.append(f"情報資産取扱手順表のない事務 {len(status.jimu_without_assets)}件")
    three = [
        f"{s.code} {s.name}（{s.kind}・カスタマイズ{s.customization}）"
        for s in systems
        if inventory.heavily_customized(s)
    ]
    three = ["カスタマイズの多いシステム: " + "、".join(three)] if three else []
    four = [] if in_candidates else ["更新時期の揃う共同調達の候補がない"]
    return Readiness(
        status.member,
        [
            StageCheck(stage, not reasons, reasons)
            for stage, reasons in zip(STAGES, (one, two, three, four), strict=True)
        ],
    )


@dataclass(frozen=True)
class CloudPlan:
    view: regions.RegionView
    systems: dict[str, list[System]]  # lg_code → its inventory
    candidates: list[Candidate]
    readiness: list[Readiness]

    @property
    def region(self) -> GovernanceRegion:
        return self.view.region


def plan(
    session: Session, *, code: str, open_member: regions.OpenMember, today: dt.date | None = None
) -> CloudPlan:
    """The whole plan, reading each member's inventory and state from its own node."""
    today = today or clock.today()
    view = regions.region_view(session, code=code, open_member=open_member, today=today)
    systems_of: dict[str, list[System]] = {}
    for member in view.region.members:
        with open_member(member.lg_code) as member_session:
            systems_of[member.lg_code] = inventory.list_systems(member_session)
    found = candidates(view.region, systems_of, regions.estimates(session, region=view.region))
    joined = {(s.member.lg_code) for c in found for s in c.shares}
    checks = [
        readiness(status, systems_of[status.member.lg_code], {status.member.lg_code} & joined)
        for status in view.members
    ]
    return CloudPlan(view, systems_of, found, checks)
