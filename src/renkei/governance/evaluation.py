"""事務事業評価シート (事後評価): a project's purpose, indicators over several 年度, cost and assessment (seeds 000, 004).

The sheet's blocks follow seed 004 (1. 現状把握の部: ①手段 ②対象 ③意図 ④結果 with ⑤活動 ⑥対象 ⑦成果 ⑧上位成果 指標の
推移, (2) 総事業費の推移, (3) 環境変化) and seed 000's assessment (成果指標の達成度, 目的妥当性, 有効性, 効率性, 公平性,
総合評価), plus 今後の方向性. Indicator values live in `governance_indicator`: `refresh` counts the ones the toolkit
holds for every 年度 of the sheet; costs are typed in; 事業費計 and トータルコスト are computed, never stored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core import clock, wareki
from renkei.core.errors import Invalid, NotFound
from renkei.governance import indicators
from renkei.governance.models import GovernanceIndicator
from renkei.governance.models_evaluation import GovernanceEvaluation
from renkei.governance.scales import normalize, parse_decimal

HEADER_FIELDS = ("担当", "政策名", "施策名", "関連個別計画", "事業期間", "法令根拠", "予算科目", "事業概要")
# (indicator category, the narrative on the left, the heading of the indicator table on the right)
BLOCKS = (
    ("活動指標", "① 手段（主な活動）", "⑤ 活動指標（事務事業の活動量を表す指標）の推移"),
    ("対象指標", "② 対象（誰、何を対象にしているのか）", "⑥ 対象指標（対象の大きさを表す指標）の推移"),
    ("成果指標", "③ 意図（この事業によって、対象をどう変えるのか）", "⑦ 成果指標（対象における意図された対象の程度）の推移"),
    ("上位成果指標", "④ 結果（どんな結果(上位施策)に結びつけるのか）", "⑧ 上位成果指標（結果の達成度を表す指標）の推移"),
)  # fmt: skip
ROWS_PER_BLOCK = 5
LETTERS = ("ア", "イ", "ウ", "エ", "オ")
SOURCES = ("国庫支出金", "県支出金", "地方債", "その他", "一般財源")
STAFF_ROWS = ("正規職員従事人数", "延べ業務時間", "人件費計")
COST_INPUTS = SOURCES + STAFF_ROWS
COST_UNITS = dict.fromkeys(SOURCES, "千円") | {
    "正規職員従事人数": "人",
    "延べ業務時間": "時間",
    "人件費計": "千円",
}
ENVIRONMENT_FIELDS = (
    "①この事務事業を開始したきっかけは何か？",
    "②事務事業を取り巻く状況はどう変化しているか？",
    "③関係者からどんな意見や要望が寄せられているか？",
)
# Seed 000's assessment: (field, its choices) — a free-text 説明 goes with each choice field.
CHOICES = {
    "成果指標の達成度": ("目標値より高い", "概ね目標値どおり", "目標値より低い"),
    "目的妥当性": ("妥当である", "見直し余地がある", "妥当でない"),
    "有効性": ("向上余地がある", "向上余地がない"),
    "効率性": ("事業費の削減余地がある", "人件費の削減余地がある", "どちらも削減余地がない"),
    "公平性": ("受益機会の見直し余地がある", "費用負担の見直し余地がある", "適正である"),
    "今後の方向性": ("拡充", "現状維持", "改善して継続", "縮小", "休止・廃止"),
}
NOTES = {
    "成果指標の達成度": "達成度の要因分析",
    "目的妥当性": "公共関与の妥当性",
    "有効性": "成果の向上余地",
    "効率性": "事業費・人件費の削減余地",
    "公平性": "受益と負担の適正化余地",
}
ASSESSMENT_TEXTS = (*NOTES.values(), "総合評価")
TEXT_FIELDS = (
    HEADER_FIELDS + tuple(b[1] for b in BLOCKS) + ENVIRONMENT_FIELDS + tuple(CHOICES) + ASSESSMENT_TEXTS
)


def year_label(year: int, *, estimate: bool) -> str:
    """2019 → 2019年度（平成31年度）(実績); the seeds write the era year only, renkei writes both."""
    era = wareki.era_of(dt.date(year, 4, 1))
    return f"{year}年度（{era.name}{year - era.first_year + 1}年度）({'見込' if estimate else '実績'})"


@dataclass(frozen=True)
class Costs:
    """One 年度 of (2) 総事業費の推移, with the two computed totals."""

    values: dict[str, Decimal]

    @property
    def project_total(self) -> Decimal:  # 事業費計(A)
        return sum((self.values.get(k, Decimal(0)) for k in SOURCES), Decimal(0))

    @property
    def total_cost(self) -> Decimal:  # トータルコスト(A)+(B)
        return self.project_total + self.values.get("人件費計", Decimal(0))


def check_costs(
    costs: dict[str, dict[str, object]], *, years: range, record: str
) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for year_text, row in costs.items():
        year = int(year_text)
        if year not in years:
            raise Invalid(
                f"{year}年度はこのシートの年度（{years.start}〜{years.stop - 1}）の外です",
                record=record,
                field="総事業費",
            )
        kept = {}
        for name, value in row.items():
            if name not in COST_INPUTS:
                raise Invalid(f"総事業費の項目ではありません: {name}", record=record, field=name)
            if value in (None, ""):
                continue
            number = parse_decimal(str(value).replace(",", ""), field=f"{name}（{year}年度）", record=record)
            if number < 0:
                raise Invalid(
                    f"{name}（{year}年度）は0以上です（入力値: {value!r}）", record=record, field=name
                )
            kept[name] = str(normalize(number))
        out[str(year)] = kept
    return out


def upsert_evaluation(
    session: Session,
    *,
    project_code: str,
    fiscal_year: int,
    name: str,
    first_year: int | None = None,
    texts: dict[str, str] | None = None,
    indicator_names: dict[str, list[str]] | None = None,
    costs: dict[str, dict[str, object]] | None = None,
) -> GovernanceEvaluation:
    """Add or replace the sheet of `project_code` for `fiscal_year` (事後評価); years run first_year … fiscal_year+1."""
    project_code = project_code.strip()
    record = f"事務事業評価シート {project_code} {fiscal_year}年度"
    if not project_code:
        raise Invalid("事業コードが空です", field="事業コード")
    if not name.strip():
        raise Invalid("事務事業名が空です", record=record, field="事務事業名")
    if not 1989 <= fiscal_year <= 2200:
        raise Invalid(f"年度は西暦で入力してください（入力値: {fiscal_year}）", record=record, field="年度")
    first = fiscal_year - 3 if first_year is None else first_year
    if not fiscal_year - 9 <= first <= fiscal_year:
        raise Invalid(
            f"最初の年度は評価年度の9年前から評価年度までです（入力値: {first}）",
            record=record,
            field="最初の年度",
        )
    years = range(first, fiscal_year + 2)
    texts = {k: v for k, v in (texts or {}).items() if v is not None}
    for key, value in texts.items():
        if key not in TEXT_FIELDS:
            raise Invalid(f"シートの項目ではありません: {key}", record=record, field=key)
        if key in CHOICES and value.strip() and value.strip() not in CHOICES[key]:
            raise Invalid(
                f"{key}は {' / '.join(CHOICES[key])} のいずれかです（入力値: {value!r}）",
                record=record,
                field=key,
            )
    names: dict[str, list[str]] = {}
    for category, rows in (indicator_names or {}).items():
        if category not in indicators.CATEGORIES:
            raise Invalid(f"指標の区分ではありません: {category}", record=record, field="指標")
        cleaned = [n.strip() for n in rows if n.strip()]
        if len(cleaned) > ROWS_PER_BLOCK:
            raise Invalid(
                f"{category}は{ROWS_PER_BLOCK}件までです（{len(cleaned)}件）", record=record, field=category
            )
        names[category] = cleaned
    checked_costs = check_costs(costs or {}, years=years, record=record)
    sheet = session.scalar(
        sa.select(GovernanceEvaluation).where(
            GovernanceEvaluation.project_code == project_code, GovernanceEvaluation.fiscal_year == fiscal_year
        )
    )
    if sheet is None:
        sheet = GovernanceEvaluation(project_code=project_code, fiscal_year=fiscal_year)
        session.add(sheet)
    sheet.name, sheet.first_year = name.strip(), first
    sheet.texts = {k: v.strip() for k, v in texts.items() if v.strip()}
    sheet.indicators, sheet.costs = names, checked_costs
    session.flush()
    return sheet


def list_evaluations(session: Session) -> list[GovernanceEvaluation]:
    query = sa.select(GovernanceEvaluation).order_by(
        GovernanceEvaluation.fiscal_year.desc(), GovernanceEvaluation.project_code
    )
    return list(session.scalars(query))


def get_evaluation(session: Session, *, project_code: str, fiscal_year: int) -> GovernanceEvaluation:
    sheet = session.scalar(
        sa.select(GovernanceEvaluation).where(
            GovernanceEvaluation.project_code == project_code.strip(),
            GovernanceEvaluation.fiscal_year == fiscal_year,
        )
    )
    if sheet is None:
        raise NotFound(
            f"事務事業評価シートがありません: {project_code} {fiscal_year}年度",
            record=project_code,
            field="事業コード",
        )
    return sheet


def years_of(sheet: GovernanceEvaluation) -> list[int]:
    return list(range(sheet.first_year, sheet.fiscal_year + 2))


def refresh(session: Session, sheet: GovernanceEvaluation) -> None:
    """Count the toolkit's own figures for every 年度 of the sheet that has begun."""
    today_year = indicators.fiscal_year_of(clock.today())
    for year in years_of(sheet):
        if year <= today_year:
            indicators.refresh(session, fiscal_year=year)


@dataclass(frozen=True)
class IndicatorLine:
    letter: str
    name: str
    unit: str
    values: list[str]  # one per year, "" when none


@dataclass(frozen=True)
class SheetView:
    sheet: GovernanceEvaluation
    years: list[int]
    estimates: list[bool]
    blocks: list[
        tuple[str, str, str, str, list[IndicatorLine]]
    ]  # category, left heading, its text, table heading
    costs: list[Costs]

    def text(self, key: str) -> str:
        return (self.sheet.texts or {}).get(key, "")


def view(session: Session, sheet: GovernanceEvaluation) -> SheetView:
    """The sheet as printed: indicator values from the indicator table, computed totals, empty rows up to five."""
    years = years_of(sheet)
    stored = {
        (r.name, r.fiscal_year): r
        for r in session.scalars(
            sa.select(GovernanceIndicator).where(GovernanceIndicator.fiscal_year.in_(years))
        )
    }
    units = {r.name: r.unit for r in session.scalars(sa.select(GovernanceIndicator))}
    blocks = []
    for category, left, right in BLOCKS:
        lines = []
        names = (sheet.indicators or {}).get(category, [])
        for index in range(ROWS_PER_BLOCK):
            if index < len(names):
                name = names[index]
                known = indicators.BY_NAME.get(name)
                unit = units.get(name) or (known.unit if known else "")
                values = [stored[(name, y)].value if (name, y) in stored else "" for y in years]
                lines.append(IndicatorLine(LETTERS[index], name, unit, values))
            else:
                lines.append(IndicatorLine(LETTERS[index], "", "", [""] * len(years)))
        blocks.append((category, left, (sheet.texts or {}).get(left, ""), right, lines))
    costs = [Costs({k: Decimal(v) for k, v in (sheet.costs or {}).get(str(y), {}).items()}) for y in years]
    estimates = [y > sheet.fiscal_year for y in years]
    return SheetView(sheet, years, estimates, blocks, costs)


def set_values(
    session: Session,
    *,
    category: str,
    name: str,
    unit: str,
    values: dict[int, str],
    estimates: dict[int, bool],
) -> None:
    """Store an indicator's yearly values as read from a sheet (empty cells are left alone)."""
    for year, value in values.items():
        if str(value).strip() == "":
            continue
        indicators.set_indicator(
            session, name=name, fiscal_year=year, value=value, estimate=estimates.get(year, False),
            category=category, unit=unit,
        )  # fmt: skip
