"""副本 files: CSV (UTF-8 and CP932) and IF_DBM XML, written and read back; bad entries named by line and field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from renkei.connectors.copies_csv import read_copies_csv, write_copies_csv
from renkei.connectors.if_dbm import read_if_dbm, write_if_dbm
from renkei.core.errors import Invalid
from renkei.intermediate.schemas import SEGMENT_DELETE, CopyInput

TAX = "TM00000000000002"


def tax_copy(n: int, **overrides: object) -> CopyInput:
    values: dict[str, object] = {
        "source": "",
        "record_id": f"R{n:08d}",
        "integrated_number": f"{n:015d}",
        "tm_code": TAX,
        "dataset_no": "0101",
        "dataset_record_key": "2025",
        "version": "0001",
        "published_from": dt.date(2025, 6, 1),
        "items": {"TK00000200000010": "2025", "TK00000200000020": "3500000", "TK00000200000030": None},
        "null_reasons": {"TK00000200000030": "NotAcceptable"},
    }
    values.update(overrides)
    return CopyInput(**values)  # type: ignore[arg-type]


def comparable(entry: CopyInput) -> tuple[object, ...]:
    return (
        entry.segment,
        entry.record_id,
        entry.integrated_number,
        entry.tm_code,
        entry.dataset_no,
        entry.dataset_record_key,
        entry.version,
        entry.published_from,
        entry.items,
        entry.null_reasons,
    )


ITEMS = ["TK00000200000010", "TK00000200000020", "TK00000200000030"]


@pytest.mark.parametrize("encoding", ["utf-8", "cp932"])
def test_csv_copies_read_back_as_written(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "copies.csv"
    written = [
        tax_copy(1),
        tax_copy(2, system="税務", items={**tax_copy(2).items, "TK00000200000010": "令和7年度"}),
    ]
    write_copies_csv(path, written, item_codes=ITEMS, encoding=encoding)
    read = list(read_copies_csv(path))
    assert all(isinstance(e, CopyInput) for e in read)
    assert [comparable(e) for e in read] == [comparable(e) for e in written]  # type: ignore[arg-type]
    assert read[1].system == "税務"  # type: ignore[union-attr]


def test_csv_bad_rows_are_named_by_line_and_column_and_the_good_ones_still_read(tmp_path: Path) -> None:
    path = tmp_path / "copies.csv"
    path.write_text(
        "レコード識別番号,団体内統合宛名番号,特定個人情報名コード,データセット番号,版番号,公開開始日,TK00000200000020\n"
        "R1,000000000000001,TM00000000000002,0101,0001,2025-06-01,100\n"
        "R2,00000000000000X,TM00000000000002,0101,0001,2025-06-01,100\n"
        "R3,000000000000003,TM00000000000002,0101,0001,2025-13-01,100\n"
        ",000000000000004,TM00000000000002,0101,0001,2025-06-01,100\n",
        encoding="utf-8",
    )
    read = list(read_copies_csv(path))
    assert isinstance(read[0], CopyInput)
    errors = [e for e in read if isinstance(e, Invalid)]
    assert [(e.record, e.field) for e in errors] == [
        ("copies.csv:3", "団体内統合宛名番号"),
        ("copies.csv:4", "公開開始日"),
        ("copies.csv:5", "レコード識別番号"),
    ]


def test_csv_with_an_unknown_column_is_refused_at_the_header(tmp_path: Path) -> None:
    path = tmp_path / "copies.csv"
    path.write_text(
        "レコード識別番号,団体内統合宛名番号,特定個人情報名コード,データセット番号,版番号,所得\n",
        encoding="utf-8",
    )
    [error] = list(read_copies_csv(path))
    assert isinstance(error, Invalid)
    assert error.field == "所得"


def test_if_dbm_message_and_attachment_read_back_as_written(tmp_path: Path) -> None:
    written = [tax_copy(1), tax_copy(2), tax_copy(3, segment=SEGMENT_DELETE, items={}, null_reasons={})]
    written[1].items["TK00000200000040"] = [{"TK00000200000041": "配偶者", "TK00000200000042": "380000"}]
    message, attachment = write_if_dbm(tmp_path, written, message_id="0001")
    assert message.name == "DBM_20113_0001.xml" and attachment.name == "DBM_20113_ATTACH_0001.xml"
    for path in (message, attachment):
        read = list(read_if_dbm(path))
        assert [comparable(e) for e in read] == [comparable(e) for e in written]  # type: ignore[arg-type]


def test_if_dbm_refuses_a_my_number_in_kojin_no(tmp_path: Path) -> None:
    _message, attachment = write_if_dbm(tmp_path, [tax_copy(1)], message_id="0002")
    text = attachment.read_text(encoding="utf-8").replace(
        "<KojinNo></KojinNo>", "<KojinNo>123456789018</KojinNo>"
    )
    attachment.write_text(text, encoding="utf-8")
    [error] = list(read_if_dbm(attachment))
    assert isinstance(error, Invalid)
    assert error.field == "KojinNo"
    assert "R00000001" in (error.record or "")


def test_if_dbm_with_an_external_entity_is_refused_without_reading_it(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("leaked", encoding="utf-8")
    path = tmp_path / "DBM_20113_ATTACH_evil.xml"
    path.write_text(
        f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file://{secret}">]>'
        "<DBM_20113_ATTACH><RegistrationDelete><SegmentOfRegistrationDelete>1</SegmentOfRegistrationDelete>"
        "<InformationOfSPIRegistrationDelete><RecordIdentificationNumber>&e;</RecordIdentificationNumber>"
        "</InformationOfSPIRegistrationDelete></RegistrationDelete></DBM_20113_ATTACH>",
        encoding="utf-8",
    )
    with pytest.raises(Invalid, match="DTD"):
        list(read_if_dbm(path))


def test_if_dbm_entry_without_copy_data_is_named(tmp_path: Path) -> None:
    _message, attachment = write_if_dbm(tmp_path, [tax_copy(7)], message_id="0003")
    text = attachment.read_text(encoding="utf-8")
    start = text.index("<DuplicateCopyData>")
    end = text.index("</DuplicateCopyData>") + len("</DuplicateCopyData>")
    attachment.write_text(text[:start] + "<DuplicateCopyData/>" + text[end:], encoding="utf-8")
    [error] = list(read_if_dbm(attachment))
    assert isinstance(error, Invalid)
    assert error.field == "DuplicateCopyData"
