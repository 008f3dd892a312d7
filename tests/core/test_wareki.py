"""和暦 both ways, 明治 to 令和, with 元年."""

from __future__ import annotations

import datetime as dt

import pytest

from renkei.core import wareki
from renkei.core.errors import Invalid


@pytest.mark.parametrize(
    ("date", "text"),
    [
        (dt.date(2019, 5, 1), "令和元年5月1日"),
        (dt.date(2019, 4, 30), "平成31年4月30日"),
        (dt.date(1989, 1, 8), "平成元年1月8日"),
        (dt.date(1989, 1, 7), "昭和64年1月7日"),
        (dt.date(1926, 12, 25), "昭和元年12月25日"),
        (dt.date(1912, 7, 30), "大正元年7月30日"),
        (dt.date(1900, 1, 1), "明治33年1月1日"),
        (dt.date(2025, 4, 1), "令和7年4月1日"),
    ],
)
def test_dates_convert_to_wareki_and_back(date: dt.date, text: str) -> None:
    assert wareki.to_wareki(date) == text
    assert wareki.parse_wareki(text) == date


def test_short_forms_and_full_width_digits_are_read() -> None:
    assert wareki.parse_wareki("R7.4.1") == dt.date(2025, 4, 1)
    assert wareki.parse_wareki("H31/4/30") == dt.date(2019, 4, 30)
    assert wareki.parse_wareki("令和７年４月１日") == dt.date(2025, 4, 1)
    assert wareki.to_wareki_short(dt.date(2025, 4, 1)) == "R7.4.1"


@pytest.mark.parametrize("text", ["平成31年5月1日", "令和元年4月30日", "令和2年2月30日", "西暦2020年"])
def test_dates_outside_their_era_or_calendar_are_refused(text: str) -> None:
    with pytest.raises(Invalid):
        wareki.parse_wareki(text)


def test_both_shows_iso_and_wareki_side_by_side() -> None:
    assert wareki.both(dt.date(2025, 4, 1)) == "2025-04-01（令和7年4月1日）"
