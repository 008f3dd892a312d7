"""`renkei orgca …`: init, issue, revoke, list and crl on a CA directory under --data-dir."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from renkei.cli import cli
from renkei.core.ids import municipality_agency_code
from renkei.protocol import orgca

SETAGAYA_AGENCY = municipality_agency_code("13112")


def _run(tmp_path: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["orgca", *args, "--data-dir", str(tmp_path)])


def _error_line(result: Result) -> str:
    lines = [line for line in result.output.splitlines() if line.startswith("エラー")]
    assert len(lines) == 1, result.output
    return lines[0]


def test_init_issue_revoke_and_list_act_on_the_ca_under_the_data_dir(tmp_path: Path) -> None:
    result = _run(tmp_path, "init")
    assert result.exit_code == 0, result.output
    assert "renkei test organisation CA" in result.output and "令和" in result.output
    assert (tmp_path / "orgca" / "ca.pem").is_file()

    result = _run(
        tmp_path,
        "issue",
        "--node",
        "setagaya",
        "--agency",
        SETAGAYA_AGENCY,
        "--role",
        "municipality",
        "--lg",
        "13112",
    )
    assert result.exit_code == 0, result.output
    [entry] = orgca.list_issued(tmp_path / "orgca")
    assert f"シリアル {entry.serial}" in result.output
    assert entry.lg_code == "131121"

    result = _run(tmp_path, "list")
    assert result.exit_code == 0, result.output
    assert f"{entry.serial}\tsetagaya\tmunicipality\t{SETAGAYA_AGENCY}\t131121\t" in result.output
    assert result.output.rstrip().endswith("有効")

    result = _run(tmp_path, "revoke", "--serial", hex(entry.serial), "--reason", "keyCompromise")
    assert result.exit_code == 0, result.output
    assert f"失効: シリアル {entry.serial}\tsetagaya\tkeyCompromise" in result.output
    assert [r.serial_number for r in orgca.load_crl(tmp_path / "orgca")] == [entry.serial]
    assert "失効（keyCompromise" in _run(tmp_path, "list").output

    result = _run(tmp_path, "crl")
    assert result.exit_code == 0, result.output
    assert "失効 1 件" in result.output


def test_errors_are_one_japanese_line_and_exit_1(tmp_path: Path) -> None:
    assert "組織CAの証明書がありません" in _error_line(_run(tmp_path, "list"))
    assert _run(tmp_path, "list").exit_code == 1
    _run(tmp_path, "init")

    again = _run(tmp_path, "init")
    assert again.exit_code == 1 and "上書きしません" in _error_line(again)

    bad_role = _run(tmp_path, "issue", "--node", "hub", "--agency", "0100000000000001", "--role", "king")
    assert bad_role.exit_code == 1 and "役割が不明です" in _error_line(bad_role)

    no_lg = _run(tmp_path, "issue", "--node", "setagaya", "--agency", SETAGAYA_AGENCY, "--role", "business")
    assert no_lg.exit_code == 1 and "団体コード" in _error_line(no_lg)

    short = _run(tmp_path, "issue", "--node", "hub", "--agency", "0100", "--role", "hub")
    assert short.exit_code == 1 and "機関コード" in _error_line(short)

    neither = _run(tmp_path, "revoke")
    assert neither.exit_code == 1 and "どちらか一方" in _error_line(neither)

    unknown = _run(tmp_path, "revoke", "--serial", "42")
    assert unknown.exit_code == 1 and "シリアル 42" in _error_line(unknown)

    (tmp_path / "orgca" / "ca.key").unlink()
    missing_key = _run(tmp_path, "issue", "--node", "hub", "--agency", "0100000000000001", "--role", "hub")
    assert missing_key.exit_code == 1 and "ca.key" in _error_line(missing_key)
    assert orgca.list_issued(tmp_path / "orgca") == []
