"""The bulk query request file (18 fields) and the result file, both ways; bad records named by line and field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from renkei.connectors.bulk_query import (
    REQUEST_FIELDS,
    ResultLine,
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
    assert not isinstance(read[0], Invalid)
    assert [(e.record, e.field) for e in read[1:] if isinstance(e, Invalid)] == [
        ("request.txt:2", "事務コード"),
        ("request.txt:3", None),
    ]


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
