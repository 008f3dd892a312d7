"""The scales and formulas of the seed sheets: 資産価値, 総合評価, 残存評価, 対策 notation, 課題 scores, 進捗 marks.

Seed 002 prints values, not formulas; each formula here reproduces every figure the seed prints and is recorded
with its reasons in docs/decisions/0050-asset-value-and-risk-formulas.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from renkei.core.errors import Invalid

# The drills of seed 002's 訓練 (decision 0073): a 標的型メール campaign and an 誤送信 exercise.
DRILL_PHISHING = "標的型メール"
DRILL_MISDELIVERY = "誤送信"
DRILL_KINDS = (DRILL_PHISHING, DRILL_MISDELIVERY)
STAGES = ("取得", "利用", "保存", "提供", "削除・廃棄")
# Words municipalities write for the stages (seed 002 uses 保管 and 廃棄) mapped to the guideline's five.
STAGE_ALIASES = {"保管": "保存", "廃棄": "削除・廃棄", "削除": "削除・廃棄", "削除廃棄": "削除・廃棄"}
MEDIA = ("紙", "電子")
CIA_SCALE = (1, 2, 3)
RATING_SCALE = (1, 2, 3)

# The seed's own definitions of the 脅威 and ぜい弱性 classes.
THREAT_CLASSES = {
    3: ("高", "発生する可能性は高い"),
    2: ("中", "発生する可能性は中程度である"),
    1: ("低", "発生する可能性は低い"),
}
VULNERABILITY_CLASSES = {
    3: ("高", "全く管理策が講じられていないためぜい弱である"),
    2: ("中", "管理策の追加等により改善の余地がある"),
    1: ("低", "適切な管理策が講じられていて安全である"),
}

PROGRESS_MARKS = {"〇": "完了", "△": "着手", "×": "未着手", "-": "不要"}
# Marks as people type them: ○ (white circle) and 〇 (kanji zero) look alike; ー and − for the dash.
PROGRESS_ALIASES = {"○": "〇", "◯": "〇", "ー": "-", "−": "-", "―": "-", "ｘ": "×", "x": "×", "X": "×"}
PROGRESS_COLUMNS = (
    ("progress_flow", "業務フロー"),
    ("progress_personal_info", "特定個人情報"),
    ("progress_risk", "リスク評価"),
    ("progress_linkage", "関連情報連携洗出"),
    ("progress_ordinance", "条例案上程"),
    ("progress_pia", "PIA提出"),
)

ISSUE_SCALE = (Decimal("1.0"), Decimal("5.0"))
TENTH = Decimal("0.1")


def check_rating(value: object, *, field: str, record: str | None = None, scale: tuple[int, ...]) -> int:
    """An integer on `scale`, or Invalid naming the field and the scale."""
    low, high = scale[0], scale[-1]
    number: int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    if number is None or number not in scale:
        raise Invalid(
            f"{field}は{low}〜{high}の整数で入力してください（入力値: {value!r}）", record=record, field=field
        )
    return number


def asset_value(confidentiality: int, integrity: int, availability: int) -> int:
    """資産価値 = 機密性 + 完全性 + 可用性 − 3, at least 1 (decision 0050).

    Every rating above the lowest adds one: (3, 2, 2) → 4 and (3, 2, 1) → 3, as seed 002 prints.
    """
    return max(1, confidentiality + integrity + availability - 3)


def total_risk(value: int, vulnerability: int, threat: int) -> int:
    """総合評価 = 資産価値 × 脆弱性 × 脅威 (the issue's formula; 4 × 2 × 2 = 16 in seed 002)."""
    return value * vulnerability * threat


def residual_vulnerability(vulnerability: int, reductions: list[Decimal]) -> Decimal:
    """The 脆弱性 left after the 対策: each 対策 lowers it by its △ amount, never below 1 (decision 0050)."""
    return max(Decimal(1), Decimal(vulnerability) - sum(reductions, Decimal(0)))


def residual_risk(value: int, vulnerability: int, threat: int, reductions: list[Decimal]) -> Decimal:
    """残存評価 = 資産価値 × 残存脆弱性 × 脅威: 4 × (2 − 0.5 − 0.5) × 2 = 8 in seed 002."""
    return normalize(value * residual_vulnerability(vulnerability, reductions) * threat)


def normalize(number: Decimal) -> Decimal:
    """8.0 → 8, 1.50 → 1.5: figures print as the seed prints them."""
    if number == number.to_integral_value():
        return number.quantize(Decimal(1))
    return number.normalize()


def parse_decimal(value: object, *, field: str, record: str | None = None) -> Decimal:
    if isinstance(value, bool) or value is None or (isinstance(value, str) and not value.strip()):
        raise Invalid(f"{field}が空です", record=record, field=field)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise Invalid(
            f"{field}は数値で入力してください（入力値: {value!r}）", record=record, field=field
        ) from exc
    if not number.is_finite():
        raise Invalid(f"{field}は数値で入力してください（入力値: {value!r}）", record=record, field=field)
    return number


# -- 対策 ("・個人スペースを作る。△0.5 ・周りに人がいないか確認する。△0.5") --------------------------------------------
_MEASURE = re.compile(r"^(?P<text>.*?)\s*[△▲]\s*(?P<amount>[0-9０-９]+(?:[.．][0-9０-９]+)?)\s*$", re.S)
_FULLWIDTH = str.maketrans("０１２３４５６７８９．", "0123456789.")


@dataclass(frozen=True)
class Measure:
    """One 対策 and how much it lowers the 脆弱性 (the seed's △ figure)."""

    text: str
    reduction: Decimal

    def as_json(self) -> dict[str, str]:
        return {"text": self.text, "reduction": str(self.reduction)}

    @classmethod
    def from_json(cls, data: dict[str, str]) -> Measure:
        return cls(text=data["text"], reduction=Decimal(data["reduction"]))


def parse_measures(cell: str, *, field: str = "対策", record: str | None = None) -> list[Measure]:
    """Read the seed's notation: 対策 start with ・ and end with △ and the reduction; a 対策 without △ reduces 0.

    In the seed, one 対策 without its own △ followed by one with △1 share that △ (1-6: two 対策, △1 in total);
    the reduction belongs to the last 対策 before it, the others get 0.
    """
    text = (cell or "").strip()
    if not text:
        return []
    parts = [p.strip() for p in re.split(r"(?:^|\s|\n)・", "\n" + text) if p.strip()]
    if not parts:
        return []
    measures = []
    for part in parts:
        match = _MEASURE.match(part)
        if match:
            body = match.group("text").strip()
            amount = Decimal(match.group("amount").translate(_FULLWIDTH))
        else:
            if "△" in part or "▲" in part:
                raise Invalid(f"対策の△の後は数値で書いてください: {part!r}", record=record, field=field)
            body, amount = part, Decimal(0)
        if not body:
            raise Invalid(f"△{amount} の前に対策の内容がありません", record=record, field=field)
        if amount < 0 or amount > 2:
            raise Invalid(
                f"対策の軽減量は0〜2で書いてください（入力値: △{amount}）", record=record, field=field
            )
        measures.append(Measure(body, amount))
    return measures


def format_measures(measures: list[Measure]) -> str:
    """The seed's notation, one 対策 a line; a 対策 that reduces nothing is written without △."""
    lines = []
    for m in measures:
        amount = f"△{normalize(m.reduction)}" if m.reduction else ""
        lines.append(f"・{m.text}{amount}")
    return "\n".join(lines)


def check_measure_text(text: str, *, record: str | None = None) -> str:
    text = text.strip()
    if not text:
        raise Invalid("対策の内容が空です", record=record, field="対策")
    if any(ch in text for ch in "△▲\n") or re.search(r"\s・", text) or text.startswith("・"):
        raise Invalid(
            "対策の内容に「△」、改行、空白に続く「・」は使えません（対策の区切りと軽減量の記号です）",
            record=record,
            field="対策",
        )
    return text


# -- 課題の優先順位 --------------------------------------------------------------------------------------------------
def check_issue_score(value: object, *, field: str, record: str | None = None) -> Decimal:
    """A score of 1.0–5.0 in tenths (the seed's scores are averages of several raters, e.g. 4.3)."""
    number = parse_decimal(value, field=field, record=record)
    low, high = ISSUE_SCALE
    if not (low <= number <= high) or number != number.quantize(TENTH):
        raise Invalid(
            f"{field}は1.0〜5.0の数値（小数第1位まで）で入力してください（入力値: {value!r}）",
            record=record,
            field=field,
        )
    return number.quantize(TENTH)


def issue_total(impact: Decimal, compliance: Decimal, ease: Decimal) -> Decimal:
    """総合 = 影響性 + 法令準拠 + 容易性 (seed 002: 5 + 5 + 2.5 = 12.5)."""
    return (impact + compliance + ease).quantize(TENTH)


def check_progress(value: object, *, field: str, record: str | None = None) -> str:
    mark = str(value or "").strip()
    mark = PROGRESS_ALIASES.get(mark, mark)
    if mark not in PROGRESS_MARKS:
        raise Invalid(
            f"{field}は 〇（完了）△（着手）×（未着手）-（不要）のいずれかで入力してください（入力値: {value!r}）",
            record=record,
            field=field,
        )
    return mark


def check_stage(value: object, *, record: str | None = None) -> str:
    stage = str(value or "").strip()
    stage = STAGE_ALIASES.get(stage, stage)
    if stage not in STAGES:
        raise Invalid(
            f"取扱段階は {'・'.join(STAGES)} のいずれかで入力してください（入力値: {value!r}）",
            record=record,
            field="取扱段階",
        )
    return stage


def check_medium(value: object, *, record: str | None = None) -> str:
    medium = str(value or "").strip()
    if medium not in MEDIA:
        raise Invalid(
            f"種類は 紙 または 電子 で入力してください（入力値: {value!r}）", record=record, field="種類"
        )
    return medium
