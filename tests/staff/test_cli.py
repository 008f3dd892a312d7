"""`renkei staff`: add (password from a file or a prompt, TOTP shown once), list, disable, reset-totp, totp."""

from __future__ import annotations

from pathlib import Path

import pyotp
from click.testing import CliRunner

from renkei.cli import cli
from renkei.runtime import Runtime
from renkei.staff import service as staff_service

CITY = "131016"


def run(cli_env: dict[str, str], *args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env=cli_env, input=input)
    return result.exit_code, result.output


def add(cli_env: dict[str, str], tmp_path: Path, login: str, *roles: str) -> str:
    password_file = tmp_path / f"{login}.txt"
    password_file.write_text("a-long-enough-passphrase\n", encoding="utf-8")
    role_args = [arg for role in roles for arg in ("--role", role)]
    code, output = run(
        cli_env,
        "staff", "add", "--municipality", CITY, "--login", login, "--name", "佐藤 花子",
        *role_args, "--password-file", str(password_file),
    )  # fmt: skip
    assert code == 0, output
    return output


def test_add_prints_the_totp_secret_and_uri_once_and_list_shows_the_account(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    output = add(cli_env, tmp_path, "sato", "juki", "tax")
    secret = output.split("secret: ")[1].split()[0]
    assert "otpauth://totp/" in output and f"secret={secret}" in output
    assert len(pyotp.TOTP(secret).now()) == 6

    code, listing = run(cli_env, "staff", "list", "--municipality", CITY)
    assert code == 0
    assert "sato\t佐藤 花子\tjuki,tax\t有効" in listing
    assert secret not in listing


def test_the_password_can_be_typed_at_a_prompt(cli_env: dict[str, str]) -> None:
    code, output = run(
        cli_env,
        "staff", "add", "--municipality", CITY, "--login", "kato", "--name", "加藤", "--role", "auditor",
        input="a-long-enough-passphrase\na-long-enough-passphrase\n",
    )  # fmt: skip
    assert code == 0, output
    assert "secret:" in output


def test_disable_and_reset_totp(cli_env: dict[str, str], tmp_path: Path) -> None:
    first = add(cli_env, tmp_path, "sato", "welfare")
    code, output = run(cli_env, "staff", "reset-totp", "--municipality", CITY, "--login", "sato")
    assert code == 0
    assert output.split("secret: ")[1].split()[0] != first.split("secret: ")[1].split()[0]
    code, _ = run(cli_env, "staff", "disable", "--municipality", CITY, "--login", "sato", "--reason", "退職")
    assert code == 0
    assert "無効" in run(cli_env, "staff", "list", "--municipality", CITY)[1]


def test_bad_input_is_an_error_naming_the_field_not_a_traceback(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    short = tmp_path / "short.txt"
    short.write_text("short\n", encoding="utf-8")
    code, output = run(
        cli_env,
        "staff", "add", "--municipality", CITY, "--login", "sato", "--name", "佐藤", "--role", "juki",
        "--password-file", str(short),
    )  # fmt: skip
    assert code == 1
    assert "エラー" in output and "password" in output
    code, output = run(cli_env, "staff", "disable", "--municipality", CITY, "--login", "nobody")
    assert code == 1 and "nobody" in output
    code, output = run(cli_env, "staff", "list", "--municipality", "131017")
    assert code == 1 and "エラー" in output


def test_the_totp_command_refuses_real_accounts(cli_env: dict[str, str], tmp_path: Path) -> None:
    add(cli_env, tmp_path, "sato", "juki")
    code, output = run(cli_env, "staff", "totp", "--municipality", CITY, "--login", "sato")
    assert code == 1
    assert "デモ用アカウント以外" in output


def test_reset_password_lifts_a_lockout(runtime: Runtime, cli_env: dict[str, str], tmp_path: Path) -> None:
    add(cli_env, tmp_path, "sato", "admin")
    with runtime.municipal_session(CITY) as session:
        for _ in range(staff_service.MAX_FAILURES):
            staff_service.check_password(session, login="sato", password="wrong-password-x")
    new = tmp_path / "new.txt"
    new.write_text("another-long-passphrase\n", encoding="utf-8")
    code, output = run(
        cli_env,
        "staff",
        "reset-password",
        "--municipality",
        CITY,
        "--login",
        "sato",
        "--password-file",
        str(new),
    )
    assert code == 0, output
    with runtime.municipal_session(CITY) as session:
        assert staff_service.check_password(session, login="sato", password="another-long-passphrase").ok
