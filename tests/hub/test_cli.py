"""`renkei hub …` commands: the permission table from files, agencies, deliveries, records and proofs."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from renkei.cli import cli
from renkei.protocol.hub import HubClient
from renkei.runtime import Runtime
from tests.hub.builders import JUMINHYO, LG_A, LG_B, acquire, query, register, residents

HEADER = "項番,情報照会者,事務コード,事務名,事務手続コード,事務手続名,情報提供者,特定個人情報名コード,特定個人情報名\n"


def run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.output


def test_the_sample_of_beppyo2_is_listed_with_the_child_allowance_row(cli_env: dict[str, str]) -> None:
    code, output = run(cli_env, "hub", "permissions", "list", "--tm", "TM00000000000002")
    assert code == 0, output
    row = next(line for line in output.splitlines() if line.startswith("七十四"))
    assert "市町村長\tJM01074000000000\tJT01074000000001\t市町村長\tTM00000000000002\t地方税関係情報" in row
    assert "TM00000000000001" not in output.split("\n", 1)[1]


def operator(env: dict[str, str], tmp_path: Path) -> list[str]:
    """Enrol an operator with a fresh key; the options every change then needs."""
    key = tmp_path / "ops.key"
    code, output = run(
        env, "hub", "operator", "enrol", "--id", "ops", "--name", "運用 花子", "--key-out", str(key)
    )
    assert code == 0, output
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    return ["--operator", "ops", "--key", str(key)]


def test_rows_are_loaded_from_a_file_once_ended_and_removed_by_an_operator(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    signer = operator(cli_env, tmp_path)
    extra = tmp_path / "extra.csv"
    extra.write_text(
        HEADER
        + "独自,市町村長,JM09000000000001,条例事務（試験）,,,市町村長,TM00000000000001,住民票関係情報\n",
        encoding="cp932",
    )
    code, output = run(
        cli_env, "hub", "permissions", "load", str(extra), *signer, "--reason", "条例事務の追加"
    )
    assert code == 0, output
    assert "許可表の行の追加 (permissions_added)" in output and "'kept': 0" in output
    code, output = run(cli_env, "hub", "permissions", "load", str(extra), *signer, "--reason", "再送")
    assert code == 0 and "'added': []" in output and "'kept': 1" in output
    assert "JM09000000000001" in run(cli_env, "hub", "permissions", "list")[1]
    key = ["--requester", "市町村長", "--jm", "JM09000000000001", "--provider", "市町村長", "--tm", JUMINHYO]
    code, output = run(
        cli_env,
        "hub",
        "permissions",
        "end",
        *key,
        "--last-day",
        "2026-03-31",
        *signer,
        "--reason",
        "条例の廃止",
    )
    assert code == 0 and "permission_ended" in output, output
    listed = run(cli_env, "hub", "permissions", "list")[1]
    assert "最終日 2026-03-31（令和8年3月31日）" in listed
    code, output = run(cli_env, "hub", "permissions", "remove", *key, *signer, "--reason", "誤登録")
    assert code == 0 and "permission_removed" in output
    assert "JM09000000000001" not in run(cli_env, "hub", "permissions", "list")[1]
    actions = run(cli_env, "hub", "operator", "actions")[1].splitlines()
    assert [line.split("\t")[1] for line in actions if line.startswith("#")] == [
        "許可表の行の削除 (permission_removed)",
        "許可表の行の終了 (permission_ended)",
        "許可表の行の追加 (permissions_added)",
        "許可表の行の追加 (permissions_added)",
        "運用者の登録 (operator_enrolled)",
    ]
    assert "ops\t運用 花子" in run(cli_env, "hub", "operator", "list")[1]
    # Without an enrolled operator's key nothing changes.
    stranger = tmp_path / "stranger.key"
    stranger.write_bytes(b"")
    stranger.chmod(0o600)
    code, output = run(
        cli_env,
        "hub",
        "permissions",
        "load",
        str(extra),
        "--operator",
        "ops",
        "--key",
        str(stranger),
        "--reason",
        "x",
    )
    assert code == 1 and "署名用秘密鍵" in output


def test_a_bad_permission_file_is_refused_naming_line_and_column(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        HEADER + "一,市町村長,JM1,事務,,,市町村長,TM00000000000002,地方税関係情報\n", encoding="utf-8"
    )
    signer = [*operator(cli_env, tmp_path), "--reason", "試験"]
    result = CliRunner().invoke(cli, ["hub", "permissions", "load", str(bad), *signer], env=cli_env)
    assert result.exit_code == 1
    assert "record bad.csv:2, field 事務コード" in result.output
    headless = tmp_path / "headless.csv"
    headless.write_text("a,b\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["hub", "permissions", "load", str(headless), *signer], env=cli_env)
    assert result.exit_code == 1 and "見出し行" in result.output


def test_agencies_deliveries_records_and_proofs(runtime: Runtime, cli_env: dict[str, str]) -> None:
    a, b = register(runtime, LG_A), register(runtime, LG_B)
    sign_b = acquire(runtime, b, LG_A, residents(runtime, LG_A, 1))[0]
    refused = HubClient(runtime.transport).submit_query(query(b, a, sign_b, tm=JUMINHYO))
    runtime.close()  # the CLI opens the same databases itself

    code, output = run(cli_env, "hub", "agencies")
    assert code == 0 and a.agency_code in output and b.agency_code in output
    code, output = run(cli_env, "hub", "deliver")
    assert code == 0 and output.startswith("配送 0 件")
    code, output = run(cli_env, "hub", "records", "--processing-number", refused.processing_number)
    assert code == 0 and "refused" in output and "許可されていません" in output
    code, output = run(cli_env, "hub", "proof", "1")
    assert code == 0 and json.loads(output)["body"]["processing_number"] == refused.processing_number
