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
from renkei.governance import network, training
from renkei.governance.models import GovernanceIndicator, GovernanceTrainingSession
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
        devices = network.load_inventory(session).device_count
        rows.append(
            set_indicator(session, name="ネットワーク接続機器台数", fiscal_year=fiscal_year, value=devices)
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
    return rows


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
