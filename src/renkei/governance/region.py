"""地域共同対応: a region of bodies (a prefecture and its municipalities) looking at their 安全管理措置 together.

The region's definition lives on its 幹事団体's node; each member keeps its own data on its own node. The caller
hands in `open_member`, which opens a session on a member's node (the web and CLI get it from the runtime), so this
component never learns how nodes are wired.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.errors import Invalid, NotFound
from renkei.core.ids import validate_lg_code
from renkei.governance import issues, network, pia, register, scales, training
from renkei.governance.models_cloud import GovernanceJointEstimate, GovernanceRegion, GovernanceRegionMember

MEMBER_KINDS = ("都道府県", "市区町村")
OpenMember = Callable[[str], AbstractContextManager[Session]]


@dataclass(frozen=True)
class MemberInput:
    lg_code: str
    name: str
    kind: str = "市区町村"
    population: int = 0


def upsert_region(
    session: Session,
    *,
    code: str,
    name: str,
    members: list[MemberInput],
    equal_share_percent: object = "30",
    window_years: int = 1,
) -> GovernanceRegion:
    """Add or replace a region and its member list (kept on the 幹事団体's node)."""
    code = code.strip()
    if not code:
        raise Invalid("地域コードが空です", field="地域コード")
    record = f"地域 {code}"
    if not name.strip():
        raise Invalid("地域名が空です", record=record, field="地域名")
    share = scales.parse_decimal(str(equal_share_percent), field="均等割", record=record)
    if not Decimal(0) <= share <= Decimal(100):
        raise Invalid(f"均等割は0〜100%です（入力値: {share}）", record=record, field="均等割")
    if not 0 <= window_years <= 5:
        raise Invalid(
            f"更新時期の許容差は0〜5年です（入力値: {window_years}）", record=record, field="許容差"
        )
    if len(members) < 2:
        raise Invalid("地域には2団体以上が必要です", record=record, field="構成団体")
    seen: set[str] = set()
    checked = []
    for m in members:
        lg = validate_lg_code(m.lg_code.strip(), field="構成団体の団体コード")
        if lg in seen:
            raise Invalid(f"構成団体が重複しています: {lg}", record=record, field="構成団体")
        seen.add(lg)
        if not m.name.strip():
            raise Invalid(f"団体名が空です（{lg}）", record=record, field="団体名")
        if m.kind not in MEMBER_KINDS:
            raise Invalid(
                f"団体区分は {' / '.join(MEMBER_KINDS)} です（入力値: {m.kind!r}）",
                record=record,
                field="団体区分",
            )
        if m.population < 0:
            raise Invalid(f"人口は0以上です（{lg}）", record=record, field="人口")
        checked.append(MemberInput(lg, m.name.strip(), m.kind, m.population))
    region = session.scalar(sa.select(GovernanceRegion).where(GovernanceRegion.code == code))
    if region is None:
        region = GovernanceRegion(code=code)
        session.add(region)
    region.name, region.equal_share_percent = name.strip(), str(scales.normalize(share))
    region.window_years = window_years
    # Update members in place (matched by 団体コード) so replacing the list never clashes with the unique key.
    existing = {m.lg_code: m for m in region.members}
    kept = []
    for position, m in enumerate(checked):
        row = existing.get(m.lg_code) or GovernanceRegionMember(lg_code=m.lg_code)
        row.name, row.kind, row.population, row.position = m.name, m.kind, m.population, position
        kept.append(row)
    region.members = kept
    session.flush()
    return region


def list_regions(session: Session) -> list[GovernanceRegion]:
    return list(session.scalars(sa.select(GovernanceRegion).order_by(GovernanceRegion.code)))


def get_region(session: Session, *, code: str) -> GovernanceRegion:
    region = session.scalar(sa.select(GovernanceRegion).where(GovernanceRegion.code == code.strip()))
    if region is None:
        raise NotFound(f"登録されていない地域です: {code}", record=code, field="地域コード")
    return region


def set_estimate(
    session: Session, *, region: str, business: str, annual_cost: int, initial_cost: int = 0, note: str = ""
) -> GovernanceJointEstimate:
    """The joint quote for one 業務 (千円): what the region would pay together per year, and once."""
    owner = get_region(session, code=region)
    record = f"共同見積 {business}"
    if not business.strip():
        raise Invalid("業務が空です", record=record, field="業務")
    if annual_cost < 0 or initial_cost < 0:
        raise Invalid("見積額は0以上です", record=record, field="年間経費" if annual_cost < 0 else "初期費用")
    estimate = session.scalar(
        sa.select(GovernanceJointEstimate).where(
            GovernanceJointEstimate.region_id == owner.id,
            GovernanceJointEstimate.business == business.strip(),
        )
    )
    if estimate is None:
        estimate = GovernanceJointEstimate(
            region_id=owner.id, business=business.strip(), annual_cost=annual_cost
        )
        session.add(estimate)
    estimate.annual_cost, estimate.initial_cost, estimate.note = annual_cost, initial_cost, note
    session.flush()
    return estimate


def estimates(session: Session, *, region: GovernanceRegion) -> dict[str, GovernanceJointEstimate]:
    rows = session.scalars(
        sa.select(GovernanceJointEstimate).where(GovernanceJointEstimate.region_id == region.id)
    )
    return {r.business: r for r in rows}


# -- the region view ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MemberStatus:
    """Where one member stands, read from its own node."""

    member: GovernanceRegionMember
    files: int
    pia_attention: list[str]  # files whose 評価 is missing or overdue
    handlers: int
    training_overdue: int
    network_findings: int | None  # None: no inventory entered
    issues: list[issues.IssueView]
    assets: int
    jimu: int
    jimu_without_assets: list[str]

    @property
    def pia_done(self) -> bool:
        return not self.pia_attention

    @property
    def training_done(self) -> bool:
        return self.handlers > 0 and self.training_overdue == 0

    @property
    def network_passed(self) -> bool:
        return self.network_findings == 0


@dataclass(frozen=True)
class RegionIssue:
    """One 課題 across the region: the members that listed it and the mean of their scores."""

    title: str
    bodies: list[str]
    impact: Decimal
    compliance: Decimal
    ease: Decimal
    total: Decimal
    rank: int = 0

    @property
    def common(self) -> bool:
        return len(self.bodies) >= 2


@dataclass(frozen=True)
class RegionView:
    region: GovernanceRegion
    members: list[MemberStatus]
    issues: list[RegionIssue] = field(default_factory=list)

    @property
    def common_issues(self) -> list[RegionIssue]:
        return [i for i in self.issues if i.common]


def member_status(session: Session, member: GovernanceRegionMember, *, today: dt.date) -> MemberStatus:
    files = register.list_files(session)
    states = [pia.status(f, today=today) for f in files]
    duties = training.duties(session, today=today)
    inventory = network.load_inventory(session)
    jimus = register.list_jimu(session)
    with_assets = {a.asset.jimu_id for a in register.list_assets(session)}
    return MemberStatus(
        member=member,
        files=len(files),
        pia_attention=[s.file.name for s in states if s.overdue or s.missing],
        handlers=len(duties),
        training_overdue=sum(1 for d in duties if d.overdue),
        network_findings=len(network.check(inventory)) if inventory.segments else None,
        issues=issues.ranked_issues(session),
        assets=len(with_assets),
        jimu=len(jimus),
        jimu_without_assets=[j.name for j in jimus if j.id not in with_assets],
    )


def _tenth(value: Decimal) -> Decimal:
    return value.quantize(scales.TENTH, rounding=ROUND_HALF_UP)


def rank_region_issues(statuses: list[MemberStatus]) -> list[RegionIssue]:
    """Issues of the same title (spaces and width ignored) pooled across members; each axis is the mean of the
    members' scores to a tenth, 総合 is the seed's formula on those means, ranked as one body's list is."""
    pooled: dict[str, tuple[str, list[str], list[tuple[Decimal, Decimal, Decimal]]]] = {}
    for status in statuses:
        for view in status.issues:
            key = "".join(view.issue.title.split())
            title, bodies, scores = pooled.setdefault(key, (view.issue.title, [], []))
            bodies.append(status.member.name)
            scores.append((view.impact, view.compliance, view.ease))
    rows = []
    for title, bodies, scores in pooled.values():
        n = Decimal(len(scores))
        impact, compliance, ease = (_tenth(sum((s[i] for s in scores), Decimal(0)) / n) for i in range(3))
        rows.append(
            RegionIssue(title, bodies, impact, compliance, ease, scales.issue_total(impact, compliance, ease))
        )
    rows.sort(key=lambda r: (-r.total, -r.compliance, -r.impact, -len(r.bodies), r.title))
    return [
        RegionIssue(r.title, r.bodies, r.impact, r.compliance, r.ease, r.total, rank)
        for rank, r in enumerate(rows, start=1)
    ]


def region_view(
    session: Session, *, code: str, open_member: OpenMember, today: dt.date | None = None
) -> RegionView:
    """The region's members with their PIA, training, network and issue state, and the pooled issue ranking."""
    today = today or clock.today()
    region = get_region(session, code=code)
    statuses = []
    for member in region.members:
        with open_member(member.lg_code) as member_session:
            statuses.append(member_status(member_session, member, today=today))
    return RegionView(region, statuses, rank_region_issues(statuses))
