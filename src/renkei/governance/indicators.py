"""Policy indicators per fiscal year, as in seed 004's 事務事業評価シート (活動指標, 対象指標, 成果指標).

Some figures are counted from the governance data itself (研修 held in the year, devices in the network
inventory, the share of handlers up to date with training); the rest are typed in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.errors import Invalid
from renkei.governance import incidents, network, pia, register, training
from renkei.governance.models import GovernanceIncident, GovernanceIndicator, GovernanceTrainingSession
from renkei.governance.pia import add_years
from renkei.governance.scales import normalize, parse_decimal

CATEGORIES = ("活動指標", "対象指標", "成果指標", "上位成果指標")


@dataclass(frozen=True)
class Definition:
    category: str
    name: str
    unit: str
    source: str  # "manual", or what it is counted from


CATALOGUE = (
    Definition("活動指標", "研修会等の開催回数", "回", "sessions"),
    Definition("活動指標", "メール、課長会議等による情報提供の回数", "回", "manual"),
    Definition("対象指標", "職員数", "人", "manual"),
    Definition("対象指標", "ネットワーク接続機器台数", "台", "devices"),
    Definition("対象指標", "各課が保有する個人情報の項目件数", "件", "manual"),
    Definition("成果指標", "職員がポリシーに従った運用ができている割合", "%", "manual"),
    Definition("成果指標", "特定個人情報取扱者の年次研修受講率", "%", "training"),
    Definition("成果指標", "期限内に報告・対応したインシデントの割合", "%", "incidents"),
    Definition("成果指標", "特定個人情報保護評価が期限内のファイルの割合", "%", "pia"),
    Definition("成果指標", "ネットワーク点検の未解決の指摘件数", "件", "network"),
)
BY_NAME = {d.name: d for d in CATALOGUE}
# Units of things counted: a count of staff, sessions or devices is never negative.
COUNT_UNITS = frozenset({"人", "名", "回", "台", "件", "時間", "日", "課", "校", "箇所"})


def fiscal_year_of(day: dt.date) -> int:
    """年度: April to March, named by the year it starts in."""
    return day.year if day.month >= 4 else day.year - 1


def set_indicator(
    session: Session,
    *,
    name: str,
    fiscal_year: int,
    value: object,
    estimate: bool = False,
    category: str | None = None,
    unit: str | None = None,
) -> GovernanceIndicator:
    """Store one value; names of the catalogue bring their category and unit, others must give both."""
    name = name.strip()
    record = f"{name} {fiscal_year}年度"
    if not name:
        raise Invalid("指標名が空です", field="名称")
    known = BY_NAME.get(name)
    category = category or (known.category if known else None)
    unit = unit if unit is not None else (known.unit if known else None)
    if category not in CATEGORIES:
        raise Invalid(
            f"区分は {' / '.join(CATEGORIES)} のいずれかです（入力値: {category!r}）",
            record=record,
            field="区分",
        )
    if unit is None:
        raise Invalid("単位を入力してください", record=record, field="単位")
    if not 1989 <= fiscal_year <= 2200:
        raise Invalid(f"年度は西暦で入力してください（入力値: {fiscal_year}）", record=record, field="年度")
    number = parse_decimal(str(value).replace(",", ""), field="値", record=record)
    if unit in COUNT_UNITS and number < 0:
        raise Invalid(f"{name}は0以上の数です（入力値: {value}）", record=record, field="値")
    if unit == "%" and not 0 <= number <= 100:
        raise Invalid(f"{name}は0〜100の割合です（入力値: {value}）", record=record, field="値")
    row = session.scalar(
        sa.select(GovernanceIndicator).where(
            GovernanceIndicator.name == name, GovernanceIndicator.fiscal_year == fiscal_year
        )
    )
    if row is None:
        row = GovernanceIndicator(name=name, fiscal_year=fiscal_year)
        session.add(row)
    row.category, row.unit, row.value, row.estimate = category, unit, str(normalize(number)), estimate
    session.flush()
    return row


def refresh(session: Session, *, fiscal_year: int) -> list[GovernanceIndicator]:
    """Count the figures the governance data holds for `fiscal_year` and store them."""
    if not 1989 <= fiscal_year <= 2200:
        raise Invalid(f"年度は西暦で入力してください（入力値: {fiscal_year}）", field="年度")
    start = dt.date(fiscal_year, 4, 1)
    end = dt.date(fiscal_year + 1, 3, 31)
    today = clock.today()
    estimate = end > today
    held = session.scalar(
        sa.select(sa.func.count())
        .select_from(GovernanceTrainingSession)
        .where(GovernanceTrainingSession.held_on.between(start, end))
    )
    rows = [
        set_indicator(
            session, name="研修会等の開催回数", fiscal_year=fiscal_year, value=held or 0, estimate=estimate
        )
    ]
    if start <= today <= end:  # the inventory describes the network as it is now
        inventory = network.load_inventory(session)
        rows.append(
            set_indicator(
                session,
                name="ネットワーク接続機器台数",
                fiscal_year=fiscal_year,
                value=inventory.device_count,
            )
        )
        if inventory.segments:
            rows.append(
                set_indicator(
                    session,
                    name="ネットワーク点検の未解決の指摘件数",
                    fiscal_year=fiscal_year,
                    value=len(network.check(inventory)),
                    estimate=estimate,
                )
            )
    as_of = min(end, today)
    duties = training.duties(session, today=as_of)
    if duties:
        up_to_date = sum(1 for d in duties if d.last_trained_on and add_years(d.last_trained_on, 1) >= as_of)
        rate = (Decimal(100) * up_to_date / len(duties)).quantize(Decimal("0.1"))
        rows.append(
            set_indicator(
                session,
                name="特定個人情報取扱者の年次研修受講率",
                fiscal_year=fiscal_year,
                value=rate,
                estimate=estimate,
            )
        )
    in_time = incidents_in_time(session, start=start, end=end, as_of=as_of)
    if in_time is not None:
        rows.append(
            set_indicator(
                session,
                name="期限内に報告・対応したインシデントの割合",
                fiscal_year=fiscal_year,
                value=in_time,
                estimate=estimate,
            )
        )
    files = register.list_files(session)
    if files:
        current = sum(1 for f in files if not (s := pia.status(f, today=as_of)).overdue and not s.missing)
        rows.append(
            set_indicator(
                session,
                name="特定個人情報保護評価が期限内のファイルの割合",
                fiscal_year=fiscal_year,
                value=(Decimal(100) * current / len(files)).quantize(Decimal("0.1")),
                estimate=estimate,
            )
        )
    return rows


def incidents_in_time(session: Session, *, start: dt.date, end: dt.date, as_of: dt.date) -> Decimal | None:
    """Of the incidents the body came to know of in [start, end], the share (%) whose every 委員会 report owed was
    filed by its due date, or is not yet due (one owing no report counts as in time); None when there were none
    (decision 0072)."""
    rows = [
        i
        for i in session.scalars(sa.select(GovernanceIncident))
        if start <= i.aware_at.astimezone(clock.JST).date() <= end
    ]
    if not rows:
        return None
    good = 0
    for incident in rows:
        due = incidents.deadlines(incident, today=as_of)
        good += _on_time(due.prompt_due, incident.prompt_reported_at, as_of) and _on_time(
            due.final_due, incident.final_reported_at, as_of
        )
    return (Decimal(100) * good / len(rows)).quantize(Decimal("0.1"))


def _on_time(due: dt.date | None, filed: dt.datetime | None, as_of: dt.date) -> bool:
    if due is None:
        return True
    if filed is None:
        return as_of <= due
    return filed.astimezone(clock.JST).date() <= due


@dataclass(frozen=True)
class IndicatorRow:
    category: str
    name: str
    unit: str
    values: dict[int, tuple[str, bool]]  # fiscal year → (value, is estimate)


def table(session: Session) -> tuple[list[int], list[IndicatorRow]]:
    """The years present and one row per indicator, catalogue order first, as seed 004 lays them out."""
    stored = list(session.scalars(sa.select(GovernanceIndicator)))
    years = sorted({r.fiscal_year for r in stored})
    order = {d.name: i for i, d in enumerate(CATALOGUE)}
    grouped: dict[str, IndicatorRow] = {}
    for r in stored:
        row = grouped.setdefault(r.name, IndicatorRow(r.category, r.name, r.unit, {}))
        row.values[r.fiscal_year] = (r.value, r.estimate)
    rows = sorted(
        grouped.values(), key=lambda r: (CATEGORIES.index(r.category), order.get(r.name, len(order)), r.name)
    )
    return years, rows
