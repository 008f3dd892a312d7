"""事務, 特定個人情報ファイル, 情報資産取扱手順表 and リスク分析表: the register of what a body handles and its risks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei import layouts
from renkei.core import clock
from renkei.core.errors import Invalid, NotFound
from renkei.core.ids import validate_tm
from renkei.governance import pia, scales
from renkei.governance.models import (
    GovernanceAsset,
    GovernanceFile,
    GovernanceJimu,
    GovernanceRisk,
)
from renkei.governance.scales import Measure

JIMU_KINDS = ("別表第一", "条例事務")


# -- 事務 ----------------------------------------------------------------------------------------------------------
def upsert_jimu(
    session: Session,
    *,
    name: str,
    kind: str = "別表第一",
    basis: str = "",
    department: str = "",
    progress: dict[str, str] | None = None,
    procedures_dated_on: dt.date | None = None,
    risks_dated_on: dt.date | None = None,
) -> GovernanceJimu:
    """Add a 事務 or update it (matched by name); `progress` maps 進捗 column names to 〇 △ × -."""
    name = name.strip()
    if not name:
        raise Invalid("事務名が空です", field="事務名")
    if kind not in JIMU_KINDS:
        raise Invalid(
            f"区分は {' / '.join(JIMU_KINDS)} のいずれかです（入力値: {kind!r}）", record=name, field="区分"
        )
    jimu = session.scalar(sa.select(GovernanceJimu).where(GovernanceJimu.name == name))
    if jimu is None:
        position = session.scalar(sa.select(sa.func.count()).select_from(GovernanceJimu)) or 0
        jimu = GovernanceJimu(name=name, position=position + 1)
        session.add(jimu)
    jimu.kind, jimu.basis, jimu.department = kind, basis.strip(), department.strip()
    if procedures_dated_on is not None:
        jimu.procedures_dated_on = procedures_dated_on
    if risks_dated_on is not None:
        jimu.risks_dated_on = risks_dated_on
    columns = dict(scales.PROGRESS_COLUMNS)
    for column, mark in (progress or {}).items():
        if column not in columns:
            raise Invalid(f"進捗の列ではありません: {column!r}", record=name, field=column)
        setattr(jimu, column, scales.check_progress(mark, field=columns[column], record=name))
    session.flush()
    return jimu


def list_jimu(session: Session) -> list[GovernanceJimu]:
    return list(
        session.scalars(sa.select(GovernanceJimu).order_by(GovernanceJimu.position, GovernanceJimu.id))
    )


def get_jimu(session: Session, *, name: str) -> GovernanceJimu:
    jimu = session.scalar(sa.select(GovernanceJimu).where(GovernanceJimu.name == name.strip()))
    if jimu is None:
        raise NotFound(f"登録されていない事務です: {name}", record=name, field="事務")
    return jimu


def get_jimu_by_id(session: Session, *, jimu_id: int) -> GovernanceJimu:
    jimu = session.get(GovernanceJimu, jimu_id)
    if jimu is None:
        raise NotFound(f"事務 {jimu_id} はありません", record=str(jimu_id), field="事務")
    return jimu


# -- 特定個人情報ファイル ---------------------------------------------------------------------------------------------
def upsert_file(
    session: Session,
    *,
    name: str,
    jimu: str,
    subject_count: int,
    handler_count: int,
    serious_incident: bool = False,
    tm_code: str = "",
    last_published_on: dt.date | None = None,
    sections: dict[str, str] | None = None,
) -> GovernanceFile:
    """Add or update a 特定個人情報ファイル (matched by name) of a registered 事務."""
    name = name.strip()
    if not name:
        raise Invalid("ファイル名が空です", field="ファイル名")
    for label, count in (("対象人数", subject_count), ("取扱者数", handler_count)):
        if count < 0:
            raise Invalid(f"{label}は0以上の整数です（入力値: {count}）", record=name, field=label)
    tm_code = validate_tm(tm_code.strip(), field="特定個人情報名コード") if tm_code.strip() else ""
    owner = get_jimu(session, name=jimu)
    file = session.scalar(sa.select(GovernanceFile).where(GovernanceFile.name == name))
    if file is None:
        file = GovernanceFile(name=name, sections={})
        session.add(file)
    file.jimu_id = owner.id
    file.jimu = owner
    file.tm_code = tm_code
    file.subject_count, file.handler_count = subject_count, handler_count
    file.serious_incident = serious_incident
    file.last_published_on = last_published_on
    if sections is not None:
        file.sections = pia.check_sections(sections, record=name)
    session.flush()
    return file


def tm_label(tm_code: str) -> str:
    """The 特定個人情報名 of a TM code from renkei.layouts' catalogue, or "" for a code it does not know."""
    if not tm_code:
        return ""
    try:
        return layouts.tm_name(tm_code)
    except NotFound:
        return ""


def tm_choices() -> list[tuple[str, str]]:
    """The 特定個人情報名 with a shipped データ標準レイアウト, for the file form."""
    return sorted({(info.tm_code, info.name) for info in layouts.list_layouts()})


def list_files(session: Session) -> list[GovernanceFile]:
    return list(
        session.scalars(sa.select(GovernanceFile).order_by(GovernanceFile.jimu_id, GovernanceFile.name))
    )


def get_file(session: Session, *, name: str) -> GovernanceFile:
    file = session.scalar(sa.select(GovernanceFile).where(GovernanceFile.name == name.strip()))
    if file is None:
        raise NotFound(
            f"登録されていない特定個人情報ファイルです: {name}", record=name, field="特定個人情報ファイル"
        )
    return file


# -- 情報資産取扱手順表 ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AssetView:
    """An asset row with its computed 資産価値."""

    asset: GovernanceAsset
    value: int


def upsert_asset(
    session: Session,
    *,
    code: str,
    jimu: str,
    name: str,
    medium: str,
    stage: str,
    confidentiality: int,
    integrity: int,
    availability: int,
    handling: str = "",
    procedure: str = "",
    function: str = "",
    responsible: str = "",
    responsible_task: str = "",
    handler: str = "",
    handler_task: str = "",
    note: str = "",
) -> GovernanceAsset:
    """Add or update one 手順表 row (matched by its ID); ratings are checked against their 1–3 scale."""
    code = code.strip()
    if not code:
        raise Invalid("IDが空です", field="ID")
    if not name.strip():
        raise Invalid("情報資産名称が空です", record=code, field="情報資産名称")
    checked_medium = scales.check_medium(medium, record=code)
    checked_stage = scales.check_stage(stage, record=code)
    c = scales.check_rating(confidentiality, field="機密性", record=code, scale=scales.CIA_SCALE)
    i = scales.check_rating(integrity, field="完全性", record=code, scale=scales.CIA_SCALE)
    a = scales.check_rating(availability, field="可用性", record=code, scale=scales.CIA_SCALE)
    owner = get_jimu(session, name=jimu)
    asset = session.scalar(sa.select(GovernanceAsset).where(GovernanceAsset.code == code))
    if asset is None:
        position = session.scalar(sa.select(sa.func.count()).select_from(GovernanceAsset)) or 0
        asset = GovernanceAsset(code=code, position=position + 1)
        session.add(asset)
    asset.jimu_id, asset.jimu = owner.id, owner
    asset.name = name.strip()
    asset.medium, asset.stage = checked_medium, checked_stage
    asset.confidentiality, asset.integrity, asset.availability = c, i, a
    asset.handling, asset.procedure, asset.function = handling, procedure, function
    asset.responsible, asset.responsible_task = responsible, responsible_task
    asset.handler, asset.handler_task, asset.note = handler, handler_task, note
    session.flush()
    return asset


def asset_view(asset: GovernanceAsset) -> AssetView:
    return AssetView(asset, scales.asset_value(asset.confidentiality, asset.integrity, asset.availability))


def list_assets(session: Session, *, jimu_id: int | None = None) -> list[AssetView]:
    query = sa.select(GovernanceAsset).order_by(GovernanceAsset.position, GovernanceAsset.id)
    if jimu_id is not None:
        query = query.where(GovernanceAsset.jimu_id == jimu_id)
    return [asset_view(a) for a in session.scalars(query)]


def get_asset(session: Session, *, code: str) -> GovernanceAsset:
    asset = session.scalar(sa.select(GovernanceAsset).where(GovernanceAsset.code == code.strip()))
    if asset is None:
        raise NotFound(f"情報資産取扱手順表にないIDです: {code}", record=code, field="ID")
    return asset


# -- リスク分析表 -------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RiskView:
    """A risk row with every computed figure of the リスク分析表."""

    risk: GovernanceRisk
    value: int
    total: int
    residual_vulnerability: Decimal
    residual: Decimal

    @property
    def measures(self) -> list[Measure]:
        return [Measure.from_json(m) for m in self.risk.measures]

    @property
    def reduction(self) -> Decimal:
        return sum((m.reduction for m in self.measures), Decimal(0))


def upsert_risk(
    session: Session,
    *,
    asset_code: str,
    vulnerability_rating: int,
    threat_rating: int,
    vulnerability: str = "",
    threat: str = "",
    function: str = "",
    measures: list[Measure] | None = None,
    residual_risk: str = "",
) -> GovernanceRisk:
    """Add or update the risk of an asset row; a change of ratings or 対策 withdraws an earlier acceptance."""
    asset = get_asset(session, code=asset_code)
    code = asset.code
    v = scales.check_rating(vulnerability_rating, field="脆弱性評価", record=code, scale=scales.RATING_SCALE)
    t = scales.check_rating(threat_rating, field="脅威評価", record=code, scale=scales.RATING_SCALE)
    checked = [Measure(scales.check_measure_text(m.text, record=code), m.reduction) for m in measures or []]
    for m in checked:
        if m.reduction < 0 or m.reduction > 2:
            raise Invalid(f"対策の軽減量は0〜2です（入力値: {m.reduction}）", record=code, field="対策")
    risk = session.scalar(sa.select(GovernanceRisk).where(GovernanceRisk.asset_id == asset.id))
    if risk is None:
        risk = GovernanceRisk(asset_id=asset.id, asset=asset, measures=[])
        session.add(risk)
    stored = [m.as_json() for m in checked]
    if risk.vulnerability_rating != v or risk.threat_rating != t or risk.measures != stored:
        risk.accepted_by, risk.accepted_at = None, None
    risk.vulnerability_rating, risk.threat_rating = v, t
    risk.vulnerability, risk.threat, risk.function = vulnerability, threat, function
    risk.measures = stored
    risk.residual_risk = residual_risk
    session.flush()
    return risk


def risk_view(risk: GovernanceRisk) -> RiskView:
    a = risk.asset
    value = scales.asset_value(a.confidentiality, a.integrity, a.availability)
    reductions = [Decimal(m["reduction"]) for m in risk.measures]
    return RiskView(
        risk=risk,
        value=value,
        total=scales.total_risk(value, risk.vulnerability_rating, risk.threat_rating),
        residual_vulnerability=scales.normalize(
            scales.residual_vulnerability(risk.vulnerability_rating, reductions)
        ),
        residual=scales.residual_risk(value, risk.vulnerability_rating, risk.threat_rating, reductions),
    )


def list_risks(session: Session, *, jimu_id: int | None = None) -> list[RiskView]:
    query = (
        sa.select(GovernanceRisk)
        .join(GovernanceAsset, GovernanceRisk.asset_id == GovernanceAsset.id)
        .order_by(GovernanceAsset.position, GovernanceAsset.id)
    )
    if jimu_id is not None:
        query = query.where(GovernanceAsset.jimu_id == jimu_id)
    return [risk_view(r) for r in session.scalars(query)]


def accept_risk(session: Session, *, asset_code: str, accepted_by: str) -> GovernanceRisk:
    """Record who accepted the 残存リスク of a row, and when."""
    asset = get_asset(session, code=asset_code)
    risk = session.scalar(sa.select(GovernanceRisk).where(GovernanceRisk.asset_id == asset.id))
    if risk is None:
        raise NotFound(
            f"ID {asset.code} のリスク分析がまだありません", record=asset.code, field="リスク分析表"
        )
    if not accepted_by.strip():
        raise Invalid("リスクを受容した人の氏名・職名を入力してください", record=asset.code, field="受容者")
    risk.accepted_by, risk.accepted_at = accepted_by.strip(), clock.now()
    session.flush()
    return risk


@dataclass(frozen=True)
class HeatMap:
    """Count of risks per (脅威, 脆弱性) cell, before and after 対策 (residual 脆弱性 rounded up)."""

    before: dict[tuple[int, int], int]
    after: dict[tuple[int, int], int]

    def cell(self, threat: int, vulnerability: int, *, residual: bool = False) -> int:
        return (self.after if residual else self.before).get((threat, vulnerability), 0)

    @staticmethod
    def level(threat: int, vulnerability: int) -> str:
        """Colour band of a cell: 高 when 脅威 × 脆弱性 ≥ 6, 中 from 3, else 低."""
        product = threat * vulnerability
        return "high" if product >= 6 else "mid" if product >= 3 else "low"


def heat_map(risks: list[RiskView]) -> HeatMap:
    before: dict[tuple[int, int], int] = {}
    after: dict[tuple[int, int], int] = {}
    for r in risks:
        key = (r.risk.threat_rating, r.risk.vulnerability_rating)
        before[key] = before.get(key, 0) + 1
        rv = int(r.residual_vulnerability.to_integral_value(rounding="ROUND_CEILING"))
        key2 = (r.risk.threat_rating, rv)
        after[key2] = after.get(key2, 0) + 1
    return HeatMap(before, after)
