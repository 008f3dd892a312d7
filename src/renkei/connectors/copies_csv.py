"""副本 registration as CSV: one copy per row, fixed columns first, then one column per item named by TK code.

The format is renkei's (no public standard exists for a CSV 副本 file; docs/decisions/0042-copy-csv-format.md).
Header names are Japanese as business-system exports carry them; an empty item cell is a null item.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from renkei.connectors.text import open_text, parse_date
from renkei.core.errors import Invalid
from renkei.core.ids import validate_atena, validate_tk
from renkei.intermediate.schemas import SEGMENT_DELETE, SEGMENT_REGISTER, CopyInput

SEGMENT = "登録削除区分"
RECORD_ID = "レコード識別番号"
INTEGRATED = "団体内統合宛名番号"
ATENA = "宛名番号"
SYSTEM = "業務システム"
TM = "特定個人情報名コード"
DATASET = "データセット番号"
RECORD_KEY = "データセットレコードキー"
VERSION = "版番号"
FROM = "公開開始日"
TO = "公開終了日"
FIXED = (SEGMENT, RECORD_ID, INTEGRATED, ATENA, SYSTEM, TM, DATASET, RECORD_KEY, VERSION, FROM, TO)
REQUIRED = (RECORD_ID, TM, DATASET, VERSION)
# Null items carry their reason in the cell as "#nil:<ReasonOfNull>", mirroring the XML's xsi:nil.
NIL_PREFIX = "#nil:"


def read_copies_csv(path: Path, *, encoding: str = "auto") -> Iterator[CopyInput | Invalid]:
    """Yield each row as a CopyInput, or an Invalid naming the line and column when the row is bad."""
    with open_text(path, encoding) as handle:
        yield from parse_copies_csv(handle, name=path.name)


def parse_copies_csv(handle: IO[str], *, name: str) -> Iterator[CopyInput | Invalid]:
    reader = csv.reader(handle)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        yield Invalid("ファイルが空です（見出し行がありません）", record=f"{name}:1")
        return
    missing = [h for h in REQUIRED if h not in header]
    if INTEGRATED not in header and ATENA not in header:
        missing.append(f"{INTEGRATED} または {ATENA}")
    items: list[tuple[int, str]] = []
    for index, column in enumerate(header):
        if column in FIXED:
            continue
        try:
            items.append((index, validate_tk(column)))
        except Invalid:
            yield Invalid(
                f"不明な列です（TKコードでも既定の列でもありません）: {column!r}",
                record=f"{name}:1",
                field=column,
            )
            return
    if missing:
        yield Invalid(f"必須の列がありません: {', '.join(missing)}", record=f"{name}:1")
        return
    position = {column: index for index, column in enumerate(header)}
    fixed = tuple(position.get(column) for column in FIXED)  # looked up once per file, not per cell
    for row in reader:
        line = f"{name}:{reader.line_num}"
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            yield Invalid(
                f"列数が見出しと一致しません（{len(row)} 列、見出しは {len(header)} 列）", record=line
            )
            continue
        try:
            yield _entry(row, fixed, items, line)
        except Invalid as error:
            yield error if error.record else Invalid(error.message, record=line, field=error.field)


def _entry(
    row: list[str], fixed: tuple[int | None, ...], items: list[tuple[int, str]], line: str
) -> CopyInput:
    (segment, record_id, integrated, atena, system, tm, dataset, record_key, version, since, until) = (
        row[index].strip() if index is not None else "" for index in fixed
    )
    for column, value in ((RECORD_ID, record_id), (TM, tm), (DATASET, dataset), (VERSION, version)):
        if not value:
            raise Invalid("必須項目が空です", record=line, field=column)
    segment = segment or SEGMENT_REGISTER
    if segment not in (SEGMENT_REGISTER, SEGMENT_DELETE):
        raise Invalid(
            f"登録削除区分は 1（登録）または 2（削除）です: {segment!r}", record=line, field=SEGMENT
        )
    if not integrated and not atena:
        raise Invalid(f"{INTEGRATED} か {ATENA} のどちらかが必要です", record=line, field=INTEGRATED)
    values: dict[str, object] = {}
    reasons: dict[str, str] = {}
    for index, tk in items:
        raw = row[index]
        if raw.startswith(NIL_PREFIX):
            values[tk] = None
            reasons[tk] = raw[len(NIL_PREFIX) :] or "NotAcceptable"
        else:
            values[tk] = raw.strip() or None
    return CopyInput(
        source=line,
        segment=segment,
        record_id=record_id,
        integrated_number=validate_atena(integrated, field=INTEGRATED) if integrated else None,
        atena=validate_atena(atena, field=ATENA) if atena else None,
        system=system or None,
        tm_code=tm,
        dataset_no=dataset,
        dataset_record_key=record_key or dataset,
        version=version,
        published_from=parse_date(since, record=line, field=FROM),
        published_to=parse_date(until, record=line, field=TO),
        items=values,
        null_reasons=reasons,
    )


def write_copies_csv(
    path: Path, entries: Iterable[CopyInput], *, item_codes: list[str], encoding: str = "utf-8"
) -> int:
    """Write entries (scalar items only) with one column per TK code in `item_codes`; returns the row count."""
    count = 0
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow([*FIXED, *item_codes])
        for entry in entries:
            cells = []
            for tk in item_codes:
                value = entry.items.get(tk)
                if value is None:
                    reason = entry.null_reasons.get(tk)
                    cells.append(f"{NIL_PREFIX}{reason}" if reason else "")
                else:
                    cells.append(str(value))
            writer.writerow(
                [
                    entry.segment,
                    entry.record_id,
                    entry.integrated_number or "",
                    entry.atena or "",
                    entry.system or "",
                    entry.tm_code,
                    entry.dataset_no,
                    entry.dataset_record_key,
                    entry.version,
                    entry.published_from.isoformat() if entry.published_from else "",
                    entry.published_to.isoformat() if entry.published_to else "",
                    *cells,
                ]
            )
            count += 1
    return count
