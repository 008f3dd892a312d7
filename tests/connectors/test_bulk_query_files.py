"""The bulk query request file (18 fields) and the result file, both ways; bad records named by line and field."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest

from renkei.connectors.bulk_query import (
    REQUEST_FIELDS,
    BadLine,
    RequestLine,
    ResultLine,
    parse_request_lines,
    read_request_file,
    read_result_file,
    request_record,
    result_file_name,
    write_request_file,
    write_result_file,
)
from renkei.core.errors import Invalid
from renkei.intermediate.schemas import QueryRequest

SETAGAYA = "0220113112101700"
CHIYODA = "0220113101601700"


def query(atena: str) -> QueryRequest:
    return QueryRequest(
        jm_code="JM01000000121000",
        jt_code="JT01010000000214",
        provider=CHIYODA,
        tm_code="TM00000000000002",
        atena=atena,
        department="KODOMO",
        user_id="clerk01",
        date_from=dt.date(2025, 4, 1),
        date_to=dt.date(2026, 3, 31),
    )


@pytest.mark.parametrize("encoding", ["utf-8", "cp932"])
def test_request_records_read_back_as_written(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "request.txt"
    at = dt.datetime(2025, 7, 1, 0, 0, tzinfo=dt.UTC)
    write_request_file(
        path,
        [request_record(query(f"{n:015d}"), requester=SETAGAYA, requested_at=at) for n in (1, 2)],
        encoding=encoding,
    )
    lines = list(read_request_file(path))
    assert [line.query.atena for line in lines] == ["000000000000001", "000000000000002"]  # type: ignore[union-attr]
    first = lines[0]
    assert not isinstance(first, Invalid)
    assert first.query.provider == CHIYODA and first.query.date_to == dt.date(2026, 3, 31)
    assert first.fields[3] == "20250701090000000"  # 照会依頼日時 in Japan time, 17 digits
    assert len(path.read_text(encoding=encoding).splitlines()[0].split(",")) == 18


def test_the_older_form_without_commas_and_a_5_digit_provider_code_are_read(tmp_path: Path) -> None:
    record = request_record(
        query("1"), requester=SETAGAYA, requested_at=dt.datetime(2025, 7, 1, tzinfo=dt.UTC)
    )
    fields = record.split(",")
    fields[12] = "13101".ljust(16)
    path = tmp_path / "old.txt"
    path.write_text("".join(fields) + "\n", encoding="utf-8")
    [line] = list(read_request_file(path))
    assert not isinstance(line, Invalid)
    assert line.query.provider == CHIYODA


def test_bad_request_records_name_their_line_and_field(tmp_path: Path) -> None:
    good = request_record(query("5"), requester=SETAGAYA, requested_at=dt.datetime(2025, 7, 1, tzinfo=dt.UTC))
    bad_jm = good.replace("JM01000000121000", "XX01000000121000")
    short = ",".join(good.split(",")[:17])
    path = tmp_path / "request.txt"
    path.write_text("\n".join([good, bad_jm, short]) + "\n", encoding="utf-8")
    read = list(read_request_file(path))
    assert isinstance(read[0], RequestLine)
    assert [(b.line_no, b.error.record, b.error.field) for b in read[1:] if isinstance(b, BadLine)] == [
        (2, "request.txt:2", "事務コード"),
        (3, "request.txt:3", None),
    ]


def _field(record: str, name: str, value: str) -> str:
    """The record with one field replaced (as typed: not padded, unless the value is)."""
    fields = record.split(",")
    fields[[n for n, _w in REQUEST_FIELDS].index(name)] = value
    return ",".join(fields)


def test_strict_fixed_width_fields_refuse_what_the_intermediate_server_would(tmp_path: Path) -> None:
    """Full-width digits, a field shorter than its width, an impossible date or time, a period that ends before it
    starts, an unknown 特定個人情報名コード: each refused naming its line and field, the good line read."""
    good = request_record(query("5"), requester=SETAGAYA, requested_at=dt.datetime(2025, 7, 1, tzinfo=dt.UTC))
    cases = {
        "照会開始日付": _field(good, "照会開始日付", "２０２５０４０１"),  # full-width digits, width 8
        "宛名番号": _field(good, "宛名番号", "5".ljust(14)),  # one character short of 15
        "照会終了日付": _field(good, "照会終了日付", "20250231"),  # no such day
        "照会依頼日時": _field(good, "照会依頼日時", "20251332000000000"),  # no 13th month
        "照会開始日付 ": _field(_field(good, "照会開始日付", "20260401"), "照会終了日付", "20250331"),
        "特定個人情報名コード": good.replace("TM00000000000002", "TM00000000009999"),
    }
    path = tmp_path / "request.txt"
    path.write_text("\n".join([good, *cases.values()]) + "\n", encoding="utf-8")
    read = list(read_request_file(path))
    assert isinstance(read[0], RequestLine)
    bad = [item for item in read[1:] if isinstance(item, BadLine)]
    assert [(b.line_no, b.error.field) for b in bad] == [
        (i + 2, name.strip()) for i, name in enumerate(cases)
    ]
    assert "半角数字" in bad[0].error.message and "15 桁" in bad[1].error.message
    assert "より後" in bad[4].error.message and "不明なコード" in bad[5].error.message


def test_a_request_line_is_keyed_by_its_content() -> None:
    good = request_record(query("5"), requester=SETAGAYA, requested_at=dt.datetime(2025, 7, 1, tzinfo=dt.UTC))
    later = request_record(
        query("5"), requester=SETAGAYA, requested_at=dt.datetime(2025, 7, 2, tzinfo=dt.UTC)
    )
    keys = [
        item.key
        for item in parse_request_lines(io.StringIO(f"{good}\n{good}\n{later}\n"), name="f", system=None)
        if isinstance(item, RequestLine)
    ]
    assert keys[0] == keys[1] != keys[2] and len(keys[0]) <= 64


def test_result_lines_read_back_with_the_statuses_at_the_real_positions(tmp_path: Path) -> None:
    fields = [""] * len(REQUEST_FIELDS)
    fields[1] = "000000000000001"
    fields[12] = CHIYODA
    line = ResultLine(
        fields,
        "P0001",
        "20250701090000000",
        "20250701090001000",
        "0101",
        "0001",
        "09",
        "",
        "01",
        "",
        ["2025", "3500000"],
    )
    path = tmp_path / result_file_name("TM00000000000002", dt.datetime(2025, 7, 1, tzinfo=dt.UTC))
    assert path.name == "P640R110_20250701090000"
    write_result_file(path, [line])
    columns = path.read_text(encoding="cp932").rstrip("\r\n").split(",")
    assert columns[1].strip() == "000000000000001"  # position 2
    assert columns[12].strip() == CHIYODA  # position 13
    assert (columns[23], columns[25]) == ("09", "01")  # positions 24 and 26
    [back] = list(read_result_file(path))
    assert back.items == ["2025", "3500000"] and back.process_number == "P0001"
