"""特定個人情報保護評価: the しきい値判断, the 評価書 sections and their status, and the 5-year re-assessment."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from renkei.core.errors import Invalid
from renkei.governance.models import GovernanceFile


class Level(enum.Enum):
    """What the しきい値判断 requires (domain reference §11; decision 0052)."""

    NONE = "義務なし"
    BASIC = "基礎項目評価"
    FOCUSED = "基礎項目評価＋重点項目評価"
    FULL = "基礎項目評価＋全項目評価"

    @property
    def form(self) -> str:
        return {
            Level.NONE: "",
            Level.BASIC: "様式2 基礎項目評価書",
            Level.FOCUSED: "様式3 重点項目評価書",
            Level.FULL: "様式4 全項目評価書",
        }[self]


SERIOUS_HANDLERS = 500


def threshold(subject_count: int, handler_count: int, serious_incident: bool) -> Level:
    """しきい値判断 from 対象人数, 取扱者数 (incl. contractors) and a 重大事故 in the past year.

    < 1,000 persons: not mandatory; 1,000–9,999: 基礎; 10,000–99,999: 重点 when 取扱者 ≥ 500 or a 重大事故,
    else 基礎; 100,000–299,999: 全項目 when 取扱者 ≥ 500 or a 重大事故, else 重点; ≥ 300,000: 全項目.
    """
    if subject_count < 0 or handler_count < 0:
        raise Invalid("対象人数・取扱者数は0以上です", field="対象人数")
    heavy = handler_count >= SERIOUS_HANDLERS or serious_incident
    if subject_count < 1_000:
        return Level.NONE
    if subject_count < 10_000:
        return Level.BASIC
    if subject_count < 100_000:
        return Level.FOCUSED if heavy else Level.BASIC
    if subject_count < 300_000:
        return Level.FULL if heavy else Level.FOCUSED
    return Level.FULL


def reasons(subject_count: int, handler_count: int, serious_incident: bool) -> str:
    """The judgement in words, for the page and the CLI."""
    level = threshold(subject_count, handler_count, serious_incident)
    facts = [f"対象人数 {subject_count:,}人", f"取扱者数 {handler_count:,}人"]
    facts.append("重大事故あり" if serious_incident else "重大事故なし")
    return f"{'、'.join(facts)} → {level.value}"


SECTION_STATUSES = ("未着手", "作成中", "完了")

# The parts of each 評価書; the 全項目 parts follow 様式4 (domain reference §11); the 基礎 and 重点 lists are
# renkei's reading of 様式2 and 様式3 (decision 0052).
SECTIONS = {
    Level.NONE: (),
    Level.BASIC: ("Ⅰ 関連情報", "Ⅱ しきい値判断項目", "Ⅲ しきい値判断結果", "Ⅳ リスク対策"),
    Level.FOCUSED: (
        "Ⅰ 基本情報",
        "Ⅱ 特定個人情報ファイルの概要",
        "Ⅲ リスク対策",
        "Ⅳ 開示請求、問合せ",
        "Ⅴ 評価実施手続",
    ),
    Level.FULL: (
        "Ⅰ 基本情報",
        "Ⅱ 特定個人情報ファイルの概要",
        "Ⅲ 特定個人情報ファイルの取扱いプロセスにおけるリスク対策",
        "Ⅳ その他のリスク対策",
        "Ⅴ 開示請求、問合せ",
        "Ⅵ 評価実施手続",
    ),
}
ALL_SECTIONS = tuple(dict.fromkeys(s for level in Level for s in SECTIONS[level]))


def check_sections(sections: dict[str, str], *, record: str | None = None) -> dict[str, str]:
    checked = {}
    for name, given in sections.items():
        if name not in ALL_SECTIONS:
            raise Invalid(f"評価書の項目ではありません: {name!r}", record=record, field="評価書項目")
        status = (given or "").strip() or "未着手"
        if status not in SECTION_STATUSES:
            raise Invalid(
                f"{name} の状況は {'・'.join(SECTION_STATUSES)} のいずれかです（入力値: {status!r}）",
                record=record,
                field=name,
            )
        checked[name] = status
    return checked


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


REASSESS_YEARS = 5


@dataclass(frozen=True)
class PiaStatus:
    file: GovernanceFile
    level: Level
    sections: list[tuple[str, str]]
    due_on: dt.date | None  # the re-assessment is due by this day (5 years after the last publication)
    overdue: bool
    missing: bool  # an evaluation is required but none was ever published

    @property
    def done(self) -> int:
        return sum(1 for _, status in self.sections if status == "完了")


def status(file: GovernanceFile, *, today: dt.date) -> PiaStatus:
    level = threshold(file.subject_count, file.handler_count, file.serious_incident)
    sections = [(name, (file.sections or {}).get(name, "未着手")) for name in SECTIONS[level]]
    due = add_years(file.last_published_on, REASSESS_YEARS) if file.last_published_on else None
    return PiaStatus(
        file=file,
        level=level,
        sections=sections,
        due_on=due,
        overdue=due is not None and today > due,
        missing=level is not Level.NONE and file.last_published_on is None,
    )
