"""Reading and writing sheet cells: headings, column letters, dates (ISO or 和暦), marks, and located errors."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from openpyxl.utils import get_column_letter

from renkei.core import clock, wareki
from renkei.core.errors import Invalid

TRUE_MARKS = {"〇", "○", "◯", "はい", "有", "あり", "true", "1", "yes"}
FALSE_MARKS = {"", "×", "いいえ", "無", "なし", "false", "0", "no", "-"}


def norm_heading(text: object) -> str:
    """Headings compare without spaces, line breaks or width: "資産 価値" and "資産価値" are the same."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or "")))


# The names services give a field, and the sheet headings that hold it.
FIELD_ALIASES = {
    "特定個人情報ファイル": ("ファイル名", "取扱ファイル"),
    "事務": ("事務", "事務名", "別表1事務"),
    "区画": ("区画", "送信元区画", "宛先区画"),
    "番号": ("番号", "要点"),
}


@dataclass(frozen=True)
class Where:
    """A cell's place, for error messages: sheet, row number, column heading and letter."""

    sheet: str
    row: int
    columns: dict[str, int] = field(default_factory=dict)

    @property
    def record(self) -> str:
        return f"{self.sheet} {self.row}行"

    def field_of(self, heading: str) -> str:
        index = self.columns.get(norm_heading(heading))
        return f"{heading}（{get_column_letter(index)}列）" if index else heading

    def error(self, message: str, heading: str | None = None) -> Invalid:
        return Invalid(message, record=self.record, field=self.field_of(heading) if heading else None)

    def relocate(self, error: Invalid) -> Invalid:
        """The same error, placed at this row and at the column its field names."""
        heading = error.field
        if heading and norm_heading(heading) not in self.columns:
            aliases = [a for a in FIELD_ALIASES.get(heading, ()) if norm_heading(a) in self.columns]
            heading = (
                aliases[0]
                if aliases
                else next((h for h in self.columns if h and h in norm_heading(heading)), heading)
            )
        return Invalid(error.message, record=self.record, field=self.field_of(heading) if heading else None)


def text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def integer(value: Any, where: Where, heading: str, *, minimum: int = 0) -> int:
    if isinstance(value, bool):
        raise where.error(f"{heading}は整数で入力してください（入力値: {value!r}）", heading)
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    else:
        raw = text(value).replace(",", "")
        if not re.fullmatch(r"-?\d+", raw):
            raise where.error(f"{heading}は整数で入力してください（入力値: {value!r}）", heading)
        number = int(raw)
    if number < minimum:
        raise where.error(f"{heading}は{minimum}以上です（入力値: {number}）", heading)
    return number


def flag(value: Any, where: Where, heading: str) -> bool:
    if isinstance(value, bool):
        return value
    raw = text(value).lower()
    if raw in TRUE_MARKS:
        return True
    if raw in FALSE_MARKS:
        return False
    raise where.error(
        f"{heading}は 〇（はい）か空欄（いいえ）で入力してください（入力値: {value!r}）", heading
    )


def mark(value: bool) -> str:
    return "〇" if value else ""


def date(value: Any, where: Where, heading: str, *, required: bool = False) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()  # a spreadsheet cell is a wall-clock value with no zone: its day as written
    if isinstance(value, dt.date):
        return value
    raw = text(value)
    if not raw:
        if required:
            raise where.error(f"{heading}が空です", heading)
        return None
    raw = raw.removeprefix("日付:").removeprefix("日付：").strip()
    try:
        return dt.date.fromisoformat(raw.replace("/", "-"))
    except ValueError:
        pass
    try:
        return wareki.parse_wareki(raw)
    except Invalid:
        raise where.error(
            f"{heading}は日付（2026-04-01 または 令和8年4月1日・R8.4.1）で入力してください（入力値: {raw!r}）",
            heading,
        ) from None


def timestamp(value: Any, where: Where, heading: str, *, required: bool = False) -> dt.datetime | None:
    """ISO date-time; without a zone it is Japan time (as clerks type it)."""
    if isinstance(value, dt.datetime):
        moment = value
    else:
        raw = text(value)
        if not raw:
            if required:
                raise where.error(f"{heading}が空です", heading)
            return None
        try:
            moment = dt.datetime.fromisoformat(raw.replace("/", "-"))
        except ValueError:
            raise where.error(
                f"{heading}は日時（2026-04-01T09:30 など）で入力してください（入力値: {raw!r}）", heading
            ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=clock.JST)
    return moment.astimezone(dt.UTC)


def show_timestamp(moment: dt.datetime | None) -> str:
    return moment.astimezone(clock.JST).isoformat(timespec="seconds") if moment else ""


def number_cell(value: Decimal | int) -> int | float:
    """A figure as Excel keeps it: whole numbers as int, the rest as float (4.3, 1.5)."""
    if isinstance(value, int):
        return value
    return int(value) if value == value.to_integral_value() else float(value)


def same_number(stated: Any, computed: Decimal | int) -> bool:
    try:
        return Decimal(text(stated)) == Decimal(computed)
    except ArithmeticError:
        return False
