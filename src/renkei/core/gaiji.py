"""Names and addresses as they must be stored: no private-use characters (外字) unless mapped, no mojibake.

Municipal systems keep 外字 (characters outside JIS) at private-use code points; CP932 files carry them as
user-defined bytes (F040–F9FC), which decode to U+E000–U+E757. Stored as they are, such a name is garbled
for everyone else. A 外字 mapping table (`GaijiTable`, format in docs/gaiji-table.md) turns each private-use
code point into a Unicode sequence — a base character, optionally followed by an ideographic variation
selector (IVS, U+E0100–U+E01EF) — before the field is checked.

`clean_field` refuses, naming the line and the field: a private-use character the table does not map, the
replacement character U+FFFD (bytes that did not decode), control and unassigned characters, half-width
katakana (in a name or address field, the trace of bytes read in the wrong encoding), and, in a CP932 file, a
field whose bytes are in fact UTF-8 (the file mixes encodings).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from renkei.core.errors import Invalid

_SUSPECT = re.compile(
    "[\ue000-\uf8ff\U000f0000-\U0010ffff\uff61-\uff9f\ufffd\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]"
)
_POINT = re.compile(r"(?:U\+)?([0-9A-Fa-f]{4,6})")
_PUA = re.compile("[\ue000-\uf8ff\U000f0000-\U0010ffff]")


def is_private_use(char: str) -> bool:
    return unicodedata.category(char) == "Co"


def is_variation_selector(char: str) -> bool:
    code = ord(char)
    return 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF


@dataclass(frozen=True)
class GaijiTable:
    """Private-use code point → its Unicode replacement (one base character, optionally with a variation selector)."""

    mapping: Mapping[str, str]
    source: str = ""

    def apply(self, value: str) -> str:
        return _PUA.sub(lambda m: self.mapping.get(m.group(0), m.group(0)), value)


def _point(text: str, *, line: int, field: str, source: str) -> str:
    match = _POINT.fullmatch(text.strip())
    if match is None:
        raise Invalid(
            f"符号位置は U+XXXX の形式で書きます: {text!r}", record=f"{source} {line}行目", field=field
        )
    code = int(match.group(1), 16)
    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise Invalid(
            f"Unicode の符号位置ではありません: {text!r}", record=f"{source} {line}行目", field=field
        )
    return chr(code)


def load_table(path: Path) -> GaijiTable:
    """Read a 外字 table (UTF-8 CSV: 外字,置換[,備考]); every row is checked, the first bad one is named."""
    source = path.name
    mapping: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid("外字表は UTF-8 の CSV です", record=source) from None
    rows = list(csv.reader(text.splitlines()))
    if not rows or [c.strip() for c in rows[0][:2]] != ["外字", "置換"]:
        raise Invalid("外字表の見出しは「外字,置換,備考」です", record=f"{source} 1行目", field="見出し")
    for line, row in enumerate(rows[1:], start=2):
        if not row or not "".join(row).strip():
            continue
        if len(row) < 2:
            raise Invalid("外字と置換の2列が必要です", record=f"{source} {line}行目", field="置換")
        key = _point(row[0], line=line, field="外字", source=source)
        if not is_private_use(key):
            raise Invalid(
                f"外字は私用領域の符号位置です（U+E000–U+F8FF など）: U+{ord(key):04X}",
                record=f"{source} {line}行目",
                field="外字",
            )
        parts = row[1].split()
        if not parts:
            raise Invalid("置換が空です", record=f"{source} {line}行目", field="置換")
        replacement = "".join(_point(p, line=line, field="置換", source=source) for p in parts)
        for index, char in enumerate(replacement):
            category = unicodedata.category(char)
            if category in ("Co", "Cc", "Cn", "Cs") or char == "\ufffd":
                raise Invalid(
                    f"置換に使えない文字です: U+{ord(char):04X}", record=f"{source} {line}行目", field="置換"
                )
            if is_variation_selector(char) and (index == 0 or is_variation_selector(replacement[index - 1])):
                raise Invalid(
                    "異体字セレクタ（IVS）は基底文字の直後に置きます",
                    record=f"{source} {line}行目",
                    field="置換",
                )
        if key in mapping and mapping[key] != replacement:
            raise Invalid(
                f"同じ外字 U+{ord(key):04X} に異なる置換があります",
                record=f"{source} {line}行目",
                field="外字",
            )
        mapping[key] = replacement
    return GaijiTable(mapping, source)


def _mixed_utf8(value: str) -> bool:
    """A CP932-decoded field whose bytes are valid UTF-8 holding non-ASCII text: UTF-8 inside a CP932 file."""
    try:
        raw = value.encode("cp932")
    except UnicodeEncodeError:
        return False
    if raw.isascii():
        return False
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not decoded.isascii()


def clean_field(
    value: str, *, record: str, field: str, encoding: str, table: GaijiTable | None = None
) -> str:
    """The field with mapped 外字 replaced, or `Invalid` naming the record, the field and the reason."""
    if table is not None and _PUA.search(value):
        value = table.apply(value)
    if encoding == "cp932" and _mixed_utf8(value):
        raise Invalid(
            "UTF-8 の文字が CP932 として読まれています（ファイル内で文字コードが混在しています）",
            record=record,
            field=field,
        )
    suspect = _SUSPECT.search(value)
    if suspect is None:
        if all(unicodedata.category(c) != "Cn" for c in value if not c.isascii()):
            return value
        bad = next(c for c in value if unicodedata.category(c) == "Cn")
        raise Invalid(f"Unicode に未定義の文字が含まれています: U+{ord(bad):04X}", record=record, field=field)
    char = suspect.group(0)
    code = f"U+{ord(char):04X}"
    if is_private_use(char):
        hint = (
            "外字表にない外字です"
            if table is not None
            else "外字表（--gaiji-table）で対応する文字を指定してください"
        )
        reason = f"私用領域の文字（外字 {code}）が含まれています。{hint}"
    elif char == "\ufffd":
        reason = "読めなかったバイトの置換文字（U+FFFD）が含まれています（文字化け）"
    elif "\uff61" <= char <= "\uff9f":
        reason = f"半角カナ（{char!r}）が含まれています（文字コードの取り違えの疑い、全角で入力してください）"
    else:
        reason = f"制御文字・書式文字（{code}）が含まれています"
    raise Invalid(reason, record=record, field=field)
