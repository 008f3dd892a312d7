"""Names and addresses: private-use characters (外字), mojibake and mixed encodings are refused unless mapped."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from renkei.cli import cli
from renkei.core.errors import BatchRejected, Invalid
from renkei.core.gaiji import GaijiTable, clean_field, load_table
from renkei.residents import service
from renkei.residents.population import HEADINGS
from renkei.runtime import Runtime
from tests.residents.builders import CHIYODA
from tests.residents.test_importer import count, good, run

GAIJI = b"\xf0\x40"  # CP932 user-defined area: decodes to U+E000
TABLE_HEADING = "外字,置換,備考\n"


def cp932_file(path: Path, rows: list[bytes]) -> Path:
    path.write_bytes((",".join(HEADINGS) + "\r\n").encode("cp932") + b"".join(r + b"\r\n" for r in rows))
    return path


def row_with(atena: int, field: str, raw: bytes) -> bytes:
    values = [v.encode("cp932") for v in good(atena)]
    values[HEADINGS.index(field)] = raw
    return b",".join(values)


@pytest.mark.parametrize(
    ("field", "raw", "reason"),
    [
        ("氏", "山".encode("cp932") + GAIJI, "外字 U+E000"),
        ("名", "太郎".encode(), "文字コードが混在"),  # UTF-8 bytes inside a CP932 file (not CP932 at all)
        ("氏", "山田".encode(), "文字コードが混在"),  # UTF-8 bytes that CP932 decodes, as 螻ｱ逕ｰ
        ("住所", "東京都".encode("cp932") + "ﾁﾖﾀﾞ".encode("cp932"), "半角カナ"),
        ("氏", b"\xa0", "外字 U+F8F0"),  # an undefined single byte that CP932 maps to private use
        ("名", b"\x80", "制御文字"),
    ],
)
def test_a_cp932_name_or_address_with_gaiji_or_mojibake_is_refused_naming_line_and_field(
    runtime: Runtime, tmp_path: Path, field: str, raw: bytes, reason: str
) -> None:
    path = cp932_file(
        tmp_path / "in.csv", [row_with(1, "氏", "山田".encode("cp932")), row_with(2, field, raw)]
    )
    with pytest.raises(BatchRejected) as rejected:
        run(runtime, path, encoding="cp932")
    (error,) = rejected.value.errors
    assert (error.record, error.field) == ("3行目", field), error
    assert reason in error.message
    assert count(runtime) == 0


def test_a_gaiji_table_maps_private_use_to_unicode_with_ivs(
    runtime: Runtime, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    table = tmp_path / "gaiji.csv"
    table.write_text(TABLE_HEADING + "U+E000,U+845B U+E0100,葛（葛飾区の字形）\n", encoding="utf-8")
    path = cp932_file(tmp_path / "in.csv", [row_with(1, "氏", GAIJI + "西".encode("cp932"))])
    result = CliRunner().invoke(
        cli, ["residents", "import", str(path), "--municipality", CHIYODA, "--encoding", "cp932"], env=cli_env
    )
    assert result.exit_code != 0 and "外字" in result.output and "--gaiji-table" in result.output, (
        result.output
    )
    result = CliRunner().invoke(
        cli,
        [
            "residents",
            "import",
            str(path),
            "--municipality",
            CHIYODA,
            "--encoding",
            "cp932",
            "--gaiji-table",
            str(table),
        ],
        env=cli_env,
    )
    assert result.exit_code == 0, result.output
    with runtime.municipal_session(CHIYODA) as session:
        [person] = service.list_residents(session, status="active", limit=5)
    assert person.name.startswith("葛\U000e0100西")
    other = tmp_path / "other.csv"
    other.write_text(TABLE_HEADING + "U+E001,U+9AD9\n", encoding="utf-8")
    with pytest.raises(BatchRejected) as rejected:
        run(
            runtime,
            cp932_file(tmp_path / "in2.csv", [row_with(5, "名", GAIJI)]),
            encoding="cp932",
            gaiji=load_table(other),
        )
    assert "外字表にない外字" in rejected.value.errors[0].message


@pytest.mark.parametrize(
    ("text", "field", "reason"),
    [
        ("U+4E00,U+4E01\n", "外字", "私用領域"),
        ("U+E000,U+E0100 U+845B\n", "置換", "基底文字の直後"),
        ("U+E000,U+E001\n", "置換", "使えない文字"),
        ("E000,\n", "置換", "空"),
        ("U+E000,U+845B\nU+E000,U+9AD9\n", "外字", "異なる置換"),
        ("zzz,U+845B\n", "外字", "U+XXXX"),
    ],
)
def test_a_bad_gaiji_table_is_refused_naming_its_line(
    tmp_path: Path, text: str, field: str, reason: str
) -> None:
    table = tmp_path / "gaiji.csv"
    table.write_text(TABLE_HEADING + text, encoding="utf-8")
    with pytest.raises(Invalid) as refused:
        load_table(table)
    assert refused.value.field == field and reason in refused.value.message
    assert "gaiji.csv" in (refused.value.record or "")


@settings(max_examples=500, deadline=None)
@given(value=st.text(max_size=30), encoding=st.sampled_from(["utf-8", "cp932"]))
def test_clean_fields_never_hold_private_use_replacement_or_half_width_kana(
    value: str, encoding: str
) -> None:
    table = GaijiTable({"\ue000": "葛\U000e0100"})
    with contextlib.suppress(Invalid):
        cleaned = clean_field(value, record="1行目", field="氏", encoding=encoding, table=table)
        assert not any(0xE000 <= ord(c) <= 0xF8FF or ord(c) >= 0xF0000 for c in cleaned)
        assert "\ufffd" not in cleaned and not any("\uff61" <= c <= "\uff9f" for c in cleaned)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="cp932", categories=("Lo",)), min_size=1, max_size=8))
def test_real_cp932_names_pass(value: str) -> None:
    encoded = value.encode("cp932")
    try:
        encoded.decode("utf-8")
        is_utf8 = True
    except UnicodeDecodeError:
        is_utf8 = False
    if (
        not is_utf8
        and not any("\uff61" <= c <= "\uff9f" for c in value)
        and all(not 0xE000 <= ord(c) <= 0xF8FF for c in value)
    ):
        assert clean_field(value, record="1行目", field="氏", encoding="cp932") == value
