"""`renkei jpki …`: the window commands against the register, and the operators' commands."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from cryptography import x509

from renkei.cli import cli
from renkei.runtime import Runtime
from tests.web.builders import CITY_A, populate


def run(env: dict[str, str], *args: str) -> str:
    result = CliRunner().invoke(cli, ["jpki", *args], env=env)
    assert result.exit_code == 0, result.output
    return result.output


def test_the_window_commands_issue_and_manage_a_card(runtime: Runtime, cli_env: dict[str, str]) -> None:
    people = populate(runtime)
    who = ["--municipality", CITY_A, "--resident-id", str(people["太郎"][0])]
    assert "root" in run(cli_env, "init")
    out = run(
        cli_env, "issue-card", *who, "--document", "運転免許証", "--auth-pin", "1234", "--sign-pin", "ABC123"
    )
    card = out.split()[1]
    assert "署名用" in out
    assert "一時停止" in run(cli_env, "suspend", "--card", card)
    assert "利用中" in run(cli_env, "resume", *who, "--document", "旅券", "--card", card)
    assert "利用中" in run(
        cli_env,
        "reset-pin",
        *who,
        "--document",
        "旅券",
        "--card",
        card,
        "--slot",
        "sign",
        "--new-pin",
        "XYZ789",
    )
    assert "更新による置換" in run(cli_env, "renew", *who, "--document", "旅券", "--card", card)
    assert "失効" in run(
        cli_env,
        "revoke",
        *who,
        "--document",
        "旅券",
        "--card",
        card,
        "--kind",
        "sign",
        "--reason",
        "key-compromise",
    )
    assert card in run(cli_env, "status", *who)


def test_a_reset_without_an_identity_document_is_refused(runtime: Runtime, cli_env: dict[str, str]) -> None:
    people = populate(runtime)
    who = ["--municipality", CITY_A, "--resident-id", str(people["花子"][0])]
    card = run(
        cli_env, "issue-card", *who, "--document", "運転免許証", "--auth-pin", "1234", "--no-sign"
    ).split()[1]
    result = CliRunner().invoke(
        cli, ["jpki", "reset-pin", *who, "--card", card, "--slot", "auth", "--new-pin", "1111"], env=cli_env
    )
    assert result.exit_code == 1 and "エラー" in result.output and "本人確認" in result.output


def test_the_operator_commands(runtime: Runtime, cli_env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "sign.crl"
    assert "CRL番号 1" in run(cli_env, "publish-crl", "--role", "sign", "--out", str(out))
    assert x509.load_der_x509_crl(out.read_bytes()).extensions
    assert "delta (base 1)" in run(cli_env, "publish-crl", "--role", "sign", "--delta")
    assert "レスポンダ" in run(cli_env, "rotate-responder", "--role", "auth")
    assert "0件" in run(cli_env, "preproduce-ocsp", "--role", "sign")
    run(cli_env, "export-ca", str(tmp_path / "ca"))
    assert x509.load_pem_x509_certificate((tmp_path / "ca" / "root.pem").read_bytes())
    assert "連鎖は正常" in run(cli_env, "verify-log")
