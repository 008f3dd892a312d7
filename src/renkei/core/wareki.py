"""和暦 (Japanese era dates) both ways, 明治 to 令和, with 元年 for the first year of an era."""

from __future__ import annotations

import datetime as dt
import re
from typing import NamedTuple

from renkei.core import clock
from renkei.core.errors import Invalid


class Era(NamedTuple):
    name: str
    letter: str
    start: dt.date
    jpki_digit: int  # era digit used in JPKI date-of-birth fields (1 明治 … 5 令和)
    first_year: int  # Gregorian year of the era's 元年


# Era start dates are the days the new era began; 明治 dates are supported from the adoption of the Gregorian
# calendar (明治6年1月1日), before which Japanese dates were lunisolar.
ERAS: tuple[Era, ...] = (
    Era("明治", "M", dt.date(1873, 1, 1), 1, 1868),
    Era("大正", "T", dt.date(1912, 7, 30), 2, 1912),
    Era("昭和", "S", dt.date(1926, 12, 25), 3, 1926),
    Era("平成", "H", dt.date(1989, 1, 8), 4, 1989),
    Era("令和", "R", dt.date(2019, 5, 1), 5, 2019),
)


def era_of(date: dt.date) -> Era:
    for era in reversed(ERAS):
        if date >= era.start:
            return era
    raise Invalid(f"明治6年より前の日付は和暦に変換できません: {date.isoformat()}", field="日付")


def to_wareki(date: dt.date, *, gannen: bool = True) -> str:
    """2019-05-01 → 令和元年5月1日; 2025-04-01 → 令和7年4月1日."""
    era = era_of(date)
    year = date.year - era.first_year + 1
    year_text = "元" if (year == 1 and gannen) else str(year)
    return f"{era.name}{year_text}年{date.month}月{date.day}日"


def to_wareki_short(date: dt.date) -> str:
    """2025-04-01 → R7.4.1 (the form clerks write in tables)."""
    era = era_of(date)
    return f"{era.letter}{date.year - era.first_year + 1}.{date.month}.{date.day}"


_WAREKI = re.compile(
    r"^\s*(明治|大正|昭和|平成|令和|[MTSHR])\.?\s*(元|[0-9０-９]{1,2})\s*[年.．/]\s*([0-9０-９]{1,2})\s*[月.．/]\s*([0-9０-９]{1,2})\s*日?\s*$"
)


def parse_wareki(text: str) -> dt.date:
    """令和元年5月1日, 平成31年4月30日, R7.4.1, H31/4/30 → date; raises Invalid when the day is not in that era."""
    match = _WAREKI.match(text)
    if not match:
        raise Invalid(f"和暦の日付として読めません: {text!r}", field="日付")
    era_text, year_text, month_text, day_text = match.groups()
    era = next(e for e in ERAS if era_text in (e.name, e.letter))
    trans = str.maketrans("０１２３４５６７８９", "0123456789")
    year = 1 if year_text == "元" else int(year_text.translate(trans))
    try:
        date = dt.date(
            era.first_year + year - 1, int(month_text.translate(trans)), int(day_text.translate(trans))
        )
    except ValueError as exc:
        raise Invalid(f"存在しない日付です: {text!r}", field="日付") from exc
    if era_of(date) != era:
        raise Invalid(f"{era.name}の期間外の日付です: {text!r} ({date.isoformat()})", field="日付")
    return date


# -- the one clock for people ---------------------------------------------------------------------------------
# renkei stores UTC and shows Asia/Tokyo. Every template (filters `date_both`, `moment`, `jst`), every CLI line
# and every export goes through the functions below, so no page can show the UTC date between 0:00 and 9:00 JST.


def local(moment: dt.datetime) -> dt.datetime:
    """`moment` in Japan time (naive values are taken as UTC, as the database stores them)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(clock.JST)


def local_date(value: dt.date | dt.datetime) -> dt.date:
    """The calendar day in Japan: a timestamp is converted to JST first; a date is already a Japanese day."""
    if isinstance(value, dt.datetime):
        return local(value).date()
    return value


def both(date: dt.date | dt.datetime | None) -> str:
    """ISO date with 和暦 beside it, as every page and report shows dates: 2025-04-01（令和7年4月1日）.

    A timestamp shows the day it is in Japan (2026-04-30T23:30Z is 2026-05-01 there).
    """
    if date is None:
        return ""
    date = local_date(date)
    try:
        return f"{date.isoformat()}（{to_wareki(date)}）"
    except Invalid:
        return date.isoformat()


def moment(value: dt.datetime | str | None, *, seconds: bool = False, empty: str = "") -> str:
    """A timestamp as people read it: 2026-05-01 08:30 JST（令和8年5月1日）; ISO text (from JSON) is read first."""
    if value is None or value == "":
        return empty
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    at = local(value)
    clock_text = at.strftime("%H:%M:%S" if seconds else "%H:%M")
    try:
        era = f"（{to_wareki(at.date())}）"
    except Invalid:
        era = ""
    return f"{at.date().isoformat()} {clock_text} JST{era}"


def jst(value: dt.datetime | None, *, seconds: bool = False) -> str:
    """A compact timestamp in Japan time for dense tables: 2026-05-01 08:30 (— when absent)."""
    if value is None:
        return "—"
    return local(value).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
