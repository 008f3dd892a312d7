"""The 中間サーバー bulk query files: the 18-field request record and the result file (fidelity addendum §2).

Request: 18 fixed-width fields, in the newer form separated by commas (the older form without commas is read
too). Result: no header row; the request's 18 fields echoed at their positions, then 処理通番, times, the
statuses and messages (照会ステータス 明細 at position 24, TM単位 at 26, as in the real tax result file), then the
answer's items in layout order (docs/decisions/0041-bulk-result-file.md).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from renkei.connectors.text import open_text, parse_date
from renkei.core.clock import JST
from renkei.core.errors import Invalid
from renkei.core.ids import (
    municipality_agency_code,
    validate_atena,
    validate_jm,
    validate_jt,
    validate_lg_code,
    validate_tm,
)
from renkei.intermediate.schemas import QueryRequest
from renkei.layouts.loader import catalogue as layouts_catalogue

REQUEST_FIELDS: tuple[tuple[str, int], ...] = (
    ("番号体系", 2),
    ("宛名番号", 15),
    ("統合宛名番号", 15),
    ("照会依頼日時", 17),
    ("情報照会者部署コード", 20),
    ("情報照会者ユーザーID", 20),
    ("情報照会者機関コード", 16),
    ("照会側不開示コード", 1),
    ("事務コード", 16),
    ("事務手続コード", 16),
    ("情報照会者機関コード（委任元）", 16),
    ("情報提供者機関コード（委任元）", 16),
    ("情報提供者機関コード", 16),
    ("特定個人情報名コード", 16),
    ("照会条件区分", 1),
    ("照会年度区分", 1),
    ("照会開始日付", 8),
    ("照会終了日付", 8),
)
RECORD_WIDTH = sum(width for _name, width in REQUEST_FIELDS)
RESULT_FIXED = (
    "処理通番",
    "照会日時",
    "提供日時",
    "データセット番号",
    "版番号",
    "照会ステータス（明細単位）",
    "照会処理結果メッセージ（明細単位）",
    "照会ステータス（特定個人情報名単位）",
    "照会処理結果メッセージ（特定個人情報名単位）",
)
TAX_TM = "TM00000000000002"


@dataclass(slots=True)
class RequestLine:
    """One request record: its raw fields (for echoing into the result) and the query it asks."""

    line_no: int
    fields: list[str]
    query: QueryRequest

    @property
    def key(self) -> str:
        """What identifies this request across runs (the node's client request id): a digest of its 18 fields,
        so running the same file again asks nothing twice, and a changed line (a new 照会依頼日時) is new."""
        return "bulk-" + hashlib.sha256("\x1f".join(self.fields).encode()).hexdigest()[:59]


@dataclass(slots=True)
class BadLine:
    """A record that could not be read: its line number, its fields if it had 18, and why (line and field)."""

    line_no: int
    fields: list[str]
    error: Invalid


@dataclass(slots=True)
class ResultLine:
    request_fields: list[str]
    process_number: str
    requested_at: str
    provided_at: str
    dataset_no: str
    version: str
    detail_status: str
    detail_message: str
    tm_status: str
    tm_message: str
    items: list[str] = field(default_factory=list)


# Fields that hold digits only (ASCII: a full-width digit is refused, as the 中間サーバー refuses it), and those
# that may be left blank.
DIGIT_FIELDS = frozenset(
    {
        "番号体系",
        "宛名番号",
        "統合宛名番号",
        "照会依頼日時",
        "情報照会者機関コード",
        "照会側不開示コード",
        "情報照会者機関コード（委任元）",
        "情報提供者機関コード（委任元）",
        "情報提供者機関コード",
        "照会条件区分",
        "照会年度区分",
        "照会開始日付",
        "照会終了日付",
    }
)
OPTIONAL_FIELDS = frozenset(
    {
        "宛名番号",
        "統合宛名番号",
        "情報照会者部署コード",
        "情報照会者ユーザーID",
        "照会側不開示コード",
        "情報照会者機関コード（委任元）",
        "情報提供者機関コード（委任元）",
        "照会条件区分",
        "照会年度区分",
        "照会開始日付",
        "照会終了日付",
    }
)
_ASCII_DIGITS = re.compile(r"[0-9]+")
_NAMES = [name for name, _width in REQUEST_FIELDS]


def provider_agency(value: str, *, record: str) -> str:
    """Field 13: a 16-digit 機関コード, or the 5/6-digit 団体コード of the former address (right-padded)."""
    value = value.strip()
    if len(value) == 16 and _ASCII_DIGITS.fullmatch(value):
        return value
    try:
        return municipality_agency_code(validate_lg_code(value))
    except Invalid as error:
        raise Invalid(
            f"情報提供者機関コードが不正です: {value!r}", record=record, field="情報提供者機関コード"
        ) from error


def split_record(line: str, *, record: str) -> list[str]:
    """The 18 fields of a record, each exactly its width (spaces pad it), in either form; stripped."""
    if "," in line:
        raw = line.split(",")
    elif len(line) == RECORD_WIDTH:
        raw, at = [], 0
        for _name, width in REQUEST_FIELDS:
            raw.append(line[at : at + width])
            at += width
    else:
        raise Invalid(
            f"照会依頼レコードの長さが不正です（{len(line)} 文字、{RECORD_WIDTH} 文字または18項目のカンマ区切り）",
            record=record,
        )
    if len(raw) != len(REQUEST_FIELDS):
        raise Invalid(f"項目数が18ではありません（{len(raw)} 項目）", record=record)
    for (name, width), value in zip(REQUEST_FIELDS, raw, strict=True):
        if len(value) != width:
            raise Invalid(
                f"項目の長さが {width} 桁ではありません（{len(value)} 桁、固定長は空白で埋めます）: {value.strip()!r}",
                record=record,
                field=name,
            )
    fields = [value.strip() for value in raw]
    for name, value in zip(_NAMES, fields, strict=True):
        if not value and name not in OPTIONAL_FIELDS:
            raise Invalid("必須の項目が空です", record=record, field=name)
        if value and name in DIGIT_FIELDS and not _ASCII_DIGITS.fullmatch(value):
            raise Invalid(f"半角数字以外の文字があります: {value!r}", record=record, field=name)
    return fields


def read_request_file(
    path: Path, *, encoding: str = "auto", system: str | None = None
) -> Iterator[RequestLine | BadLine]:
    with open_text(path, encoding) as handle:
        yield from parse_request_lines(handle, name=path.name, system=system)


def parse_request_lines(handle: IO[str], *, name: str, system: str | None) -> Iterator[RequestLine | BadLine]:
    """Every record of a request file, read or refused (a refusal names its line and field)."""
    for line_no, raw in enumerate(handle, start=1):
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        record = f"{name}:{line_no}"
        fields: list[str] = []
        try:
            fields = split_record(line, record=record)
            yield RequestLine(line_no, fields, _query(fields, record, system))
        except Invalid as error:
            yield BadLine(line_no, fields, error)


def _date(value: str, *, record: str, field: str) -> dt.date | None:
    if not value:
        return None
    if len(value) != 8:
        raise Invalid(f"日付は8桁（yyyymmdd）で指定してください: {value!r}", record=record, field=field)
    return parse_date(value, record=record, field=field)


def _query(fields: list[str], record: str, system: str | None) -> QueryRequest:
    def named(name: str) -> str:
        return fields[_NAMES.index(name)]

    def checked(validator, name: str) -> str:  # type: ignore[no-untyped-def]
        try:
            value: str = validator(named(name), field=name)
        except Invalid as error:
            raise Invalid(error.message, record=record, field=name) from None
        return value

    stamp = named("照会依頼日時")
    try:
        dt.datetime.strptime(stamp[:14], "%Y%m%d%H%M%S")
        if len(stamp) != 17:
            raise ValueError(stamp)
    except ValueError:
        raise Invalid(
            f"照会依頼日時は存在する日時（yyyymmddhhmmssfff の17桁）で指定してください: {stamp!r}",
            record=record,
            field="照会依頼日時",
        ) from None
    if named("照会側不開示コード") not in ("", "1", "2"):
        raise Invalid(
            "照会側不開示コードは 1（開示）か 2（不開示）です", record=record, field="照会側不開示コード"
        )
    atena = named("宛名番号").strip("0 ")
    integrated = named("統合宛名番号").strip("0 ")
    if not atena and not integrated:
        raise Invalid("宛名番号か統合宛名番号のどちらかが必要です", record=record, field="宛名番号")
    tm = checked(validate_tm, "特定個人情報名コード")
    if tm not in layouts_catalogue():
        raise Invalid(
            f"特定個人情報名コード「{tm}」は登録されていません（不明なコード）",
            record=record,
            field="特定個人情報名コード",
        )
    date_from = _date(named("照会開始日付"), record=record, field="照会開始日付")
    date_to = _date(named("照会終了日付"), record=record, field="照会終了日付")
    if date_from and date_to and date_from > date_to:
        raise Invalid(
            f"照会開始日付（{date_from:%Y%m%d}）が照会終了日付（{date_to:%Y%m%d}）より後です",
            record=record,
            field="照会開始日付",
        )
    return QueryRequest(
        jm_code=checked(validate_jm, "事務コード"),
        jt_code=checked(validate_jt, "事務手続コード"),
        provider=provider_agency(named("情報提供者機関コード"), record=record),
        tm_code=tm,
        atena=checked(validate_atena, "宛名番号") if atena else None,
        system=system or named("情報照会者部署コード") or None,
        integrated_number=checked(validate_atena, "統合宛名番号") if integrated else None,
        date_from=date_from,
        date_to=date_to,
        department=named("情報照会者部署コード"),
        user_id=named("情報照会者ユーザーID"),
        nondisclosure=named("照会側不開示コード") or "1",
        source=record,
    )


def request_record(query: QueryRequest, *, requester: str, requested_at: dt.datetime) -> str:
    """Format one request record in the comma-separated fixed-width form."""
    values = [
        "01",
        query.atena or "",
        query.integrated_number or "",
        requested_at.astimezone(JST).strftime("%Y%m%d%H%M%S%f")[:17],
        query.department,
        query.user_id,
        requester,
        query.nondisclosure,
        query.jm_code,
        query.jt_code,
        "",
        "",
        query.provider,
        query.tm_code,
        "0",
        "0",
        query.date_from.strftime("%Y%m%d") if query.date_from else "",
        query.date_to.strftime("%Y%m%d") if query.date_to else "",
    ]
    return ",".join(v.ljust(width) for v, (_name, width) in zip(values, REQUEST_FIELDS, strict=True))


def write_request_file(path: Path, records: Iterable[str], *, encoding: str = "cp932") -> None:
    with path.open("w", encoding=encoding, newline="") as handle:
        for record in records:
            handle.write(record + "\r\n")


def result_file_name(tm_code: str, at: dt.datetime) -> str:
    """The tax query result is named P640R110_YYYYMMDDhhmmss (Japan time); others get a name with their TM code."""
    stamp = at.astimezone(JST).strftime("%Y%m%d%H%M%S")
    return f"P640R110_{stamp}" if tm_code == TAX_TM else f"RESULT_{tm_code}_{stamp}"


def write_result_file(path: Path, lines: Iterable[ResultLine], *, encoding: str = "cp932") -> int:
    """Write result lines (no header row) and return how many were written."""
    count = 0
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        for line in lines:
            padded = [
                v.ljust(width) for v, (_n, width) in zip(line.request_fields, REQUEST_FIELDS, strict=True)
            ]
            writer.writerow(
                [
                    *padded,
                    line.process_number,
                    line.requested_at,
                    line.provided_at,
                    line.dataset_no,
                    line.version,
                    line.detail_status,
                    line.detail_message,
                    line.tm_status,
                    line.tm_message,
                    *line.items,
                ]
            )
            count += 1
    return count


def read_result_file(path: Path, *, encoding: str = "auto") -> Iterator[ResultLine]:
    with open_text(path, encoding) as handle:
        for row in csv.reader(handle):
            if not row:
                continue
            n = len(REQUEST_FIELDS)
            f = row[n : n + len(RESULT_FIXED)]
            yield ResultLine(
                [v.strip() for v in row[:n]],
                f[0],
                f[1],
                f[2],
                f[3],
                f[4],
                f[5],
                f[6],
                f[7],
                f[8],
                items=row[n + len(RESULT_FIXED) :],
            )
