"""Text files as municipal systems write them: UTF-8 (with or without BOM) or CP932 (Shift_JIS), and dates."""

from __future__ import annotations

import codecs
import datetime as dt
import re
from pathlib import Path
from typing import IO

from renkei.core.errors import Invalid

ENCODINGS = ("auto", "utf-8", "cp932")
_SNIFF_BYTES = 1 << 16


def detect_encoding(path: Path) -> str:
    """UTF-8 when the file's first 64 KiB decode as UTF-8 (a cut multi-byte character at the end is allowed), else CP932."""
    with path.open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)
    except UnicodeDecodeError:
        return "cp932"
    return "utf-8"


def open_text(path: Path, encoding: str = "auto") -> IO[str]:
    """Open a text file for reading in the given encoding ('auto' sniffs UTF-8 vs CP932); newlines kept raw for csv."""
    if encoding not in ENCODINGS and encoding not in ("utf-8-sig", "shift_jis", "sjis"):
        raise Invalid(
            f"文字コードは {', '.join(ENCODINGS)} のいずれかを指定してください: {encoding}", field="encoding"
        )
    if encoding == "auto":
        encoding = detect_encoding(path)
    elif encoding == "utf-8":
        encoding = "utf-8-sig"
    elif encoding in ("shift_jis", "sjis"):
        encoding = "cp932"
    return path.open("r", encoding=encoding, newline="")


_DATE = re.compile(r"([0-9]{4})-?([0-9]{2})-?([0-9]{2})")  # ASCII digits: a full-width date is refused


def parse_date(value: str, *, record: str, field: str) -> dt.date | None:
    """yyyy-mm-dd or yyyymmdd; empty is None."""
    value = value.strip()
    if not value:
        return None
    match = _DATE.fullmatch(value)
    if match is None:
        raise Invalid(
            f"日付の形式が不正です（yyyy-mm-dd または yyyymmdd）: {value!r}", record=record, field=field
        )
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise Invalid(f"存在しない日付です: {value!r}", record=record, field=field) from None
