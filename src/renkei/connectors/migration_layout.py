"""The layout of renkei's migration package: its files, items (name, kind, length), the receiving system's
character set, and the checks that list each value the layout does not hold (decisions 0074, 0075)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from dataclasses import dataclass
from typing import Literal

from renkei.core import wareki
from renkei.core.errors import Invalid

# renkei's own layout, shaped after the 中間標準レイアウト仕様 (its item catalogue is not public here: decision 0075).
LAYOUT = "renkei 中間標準レイアウト準拠 住民記録・統合宛名 1.1"
MANIFEST = "MANIFEST.json"
REPORT = "取込注意.csv"
JUMIN = "JUKI_JUMIN.csv"
PEOPLE = "ATENA_TOGO.csv"
LINKS = "ATENA_LINK.csv"
COUNTERS = "ATENA_SERIES.csv"
COPIES = "FUKUHON.csv"
CHANGES = "JUKI_IDO.csv"
# The character set the receiving system holds, and the codec that tells whether a text fits it.
Charset = Literal["jisx0208", "jisx0213"]
CHARSETS: dict[str, tuple[str, str]] = {
    "jisx0208": ("iso2022_jp", "JIS X 0208"),
    "jisx0213": ("euc_jis_2004", "JIS X 0213:2004"),
}
SEX_CODES = {"1": "男", "2": "女"}

# (item, kind, length): kind N digits, X text, K full-width katakana, D date YYYYMMDD, S sealed, J JSON (the 副本's
# items keyed by their TK code, as the データ標準レイアウト names them).
JUMIN_ITEMS = (
    ("団体コード", "N", 6), ("宛名番号", "N", 15), ("世帯番号", "N", 15), ("続柄", "X", 10), ("氏", "X", 25),
    ("名", "X", 25), ("氏_カナ", "K", 50), ("名_カナ", "K", 50), ("旧氏", "X", 25), ("生年月日", "D", 8),
    ("生年月日_年号コード", "N", 2), ("生年月日_和暦", "N", 6), ("性別コード", "N", 1), ("郵便番号", "N", 7),
    ("住所", "X", 100), ("世帯の住所", "X", 100), ("住民となった年月日", "D", 8), ("消除年月日", "D", 8),
    ("住民状態", "X", 12), ("前住所地_団体コード", "N", 6), ("個人番号_封緘", "S", 0), ("住民票コード_封緘", "S", 0),
)  # fmt: skip
PEOPLE_ITEMS = (
    ("統合宛名番号", "N", 15), ("住基宛名番号", "N", 15), ("区分", "X", 12), ("氏名", "X", 50), ("氏名_カナ", "K", 100),
    ("生年月日", "D", 8), ("性別コード", "N", 1), ("住所", "X", 100), ("状態", "X", 12), ("個人番号_封緘", "S", 0),
)  # fmt: skip
LINK_ITEMS = (("統合宛名番号", "N", 15), ("業務システム", "X", 20), ("宛名番号", "N", 15))
COUNTER_ITEMS = (("系列", "X", 30), ("次の値", "N", 18))
COPY_ITEMS = (
    ("レコード識別番号", "X", 40), ("統合宛名番号", "N", 15), ("特定個人情報名コード", "X", 16), ("データセット番号", "N", 8),
    ("データセットレコードキー", "X", 40), ("版", "N", 8), ("公開開始日", "D", 8), ("公開終了日", "D", 8),
    ("データ項目", "J", 0), ("NULL理由", "J", 0),
)  # fmt: skip
CHANGE_ITEMS = (
    ("宛名番号", "N", 15), ("異動事由コード", "X", 4), ("異動の種類", "X", 20), ("届出年月日", "D", 8),
    ("異動年月日", "D", 8), ("記録日時", "X", 32), ("異動前", "J", 0), ("異動後", "J", 0),
)  # fmt: skip
_KATAKANA = re.compile(r"^[\u30A0-\u30FF\u3000 ]*$")


@dataclass(frozen=True)
class Misfit:
    """A value the layout does not hold as it is (carried unchanged, listed for the receiving vendor)."""

    file: str
    record: str
    item: str
    reason: str


def date_text(day: dt.date | None) -> str:
    return day.strftime("%Y%m%d") if day else ""


def parse_date(text: str, *, record: str, item: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        raise Invalid(
            f"日付は西暦8桁（YYYYMMDD）です（入力値: {text!r}）", record=record, field=item
        ) from None


def era_fields(day: dt.date) -> tuple[str, str]:
    era = wareki.era_of(day)
    return f"{era.jpki_digit:02d}", f"{day.year - era.first_year + 1:02d}{day.month:02d}{day.day:02d}"


def fit(
    file: str,
    record: str,
    items: tuple[tuple[str, str, int], ...],
    row: dict[str, str],
    charset: Charset = "jisx0208",
) -> list[Misfit]:
    out = []
    for item, kind, length in items:
        value = row.get(item, "")
        if not value or kind in ("S", "J"):
            continue
        if length and len(value) > length:
            out.append(Misfit(file, record, item, f"{length}文字を超えています（{len(value)}文字）"))
        if kind == "N" and not value.isdigit():
            out.append(Misfit(file, record, item, "数字以外を含みます"))
        if kind in ("X", "K"):
            codec, name = CHARSETS[charset]
            try:
                value.encode(codec)
            except UnicodeEncodeError as exc:
                out.append(
                    Misfit(file, record, item, f"{name} にない文字を含みます（{value[exc.start : exc.end]}）")
                )
        if kind == "K" and not _KATAKANA.match(value):
            out.append(Misfit(file, record, item, "全角カタカナ以外を含みます"))
    return out


def json_text(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def csv_bytes(items: tuple[tuple[str, str, int], ...], rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=[i for i, _, _ in items], lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")
