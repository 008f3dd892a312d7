"""`renkei staff …`: add, list, disable and re-enrol municipal staff accounts; show demo accounts' TOTP codes."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from renkei.cli.common import LazyChoice, runtime_options
from renkei.core import wareki
from renkei.core.ids import validate_lg_code

if TYPE_CHECKING:
    from renkei.runtime import Runtime  # imported when the command runs (renkei.cli.lazy)
    from renkei.staff import service as staff_service

municipality_option = click.option(
    "--municipality", "lg_code", required=True, help="全国地方公共団体コード（6桁） / municipality code"
)
login_option = click.option("--login", required=True, help="ログイン名 / login name")


@click.group(name="staff")
def group() -> None:
    """職員アカウント / municipal staff accounts (password + TOTP)."""


def _read_password(password_file: Path | None) -> str:
    if password_file is not None:
        return (
            password_file.read_text(encoding="utf-8").splitlines()[0] if password_file.stat().st_size else ""
        )
    value: str = click.prompt("初期パスワード / password", hide_input=True, confirmation_prompt=True)
    return value


@group.command("add")
@municipality_option
@login_option
@click.option("--name", required=True, help="氏名 / full name")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=LazyChoice("renkei.staff.roles", "ROLES"),
    help="役割（複数可）: juki 住基担当, tax 税務担当, welfare 福祉担当, admin 情報政策課, auditor 監査",
)
@click.option(
    "--password-file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="初期パスワードを1行目に書いたファイル（省略時は入力を求めます）",
)
@runtime_options
def add(
    *,
    lg_code: str,
    login: str,
    name: str,
    roles: tuple[str, ...],
    password_file: Path | None,
    runtime: Runtime,
) -> None:
    """Add a staff account; prints its TOTP secret and otpauth URI once."""
    from renkei.staff import service as staff_service

    lg_code = validate_lg_code(lg_code)
    password = _read_password(password_file)
    with runtime.municipal_session(lg_code) as session:
        enrolment = staff_service.create_account(
            session,
            login=login,
            name=name,
            roles=roles,
            password=password,
            totp_key=staff_service.totp_key(runtime.settings),
            lg_code=lg_code,
        )
    _print_enrolment(login, enrolment)


@group.command("list")
@municipality_option
@runtime_options
def list_(lg_code: str, runtime: Runtime) -> None:
    """List the municipality's staff accounts with their roles and state."""
    from renkei.staff import service as staff_service

    with runtime.municipal_session(validate_lg_code(lg_code)) as session:
        accounts = staff_service.list_accounts(session)
        for account in accounts:
            state = "無効" if account.disabled_at else ("ロック中" if account.locked_until else "有効")
            roles = ",".join(sorted(account.role_names))
            demo = "\tデモ" if account.is_demo else ""
            click.echo(
                f"{account.login}\t{account.name}\t{roles}\t{state}\t作成 {wareki.both(account.created_at)}{demo}"
            )
    if not accounts:
        click.echo("（職員アカウントはありません）")


@group.command("disable")
@municipality_option
@login_option
@click.option("--reason", default="", help="理由 / reason (kept in the account history)")
@runtime_options
def disable(lg_code: str, login: str, reason: str, runtime: Runtime) -> None:
    """Disable an account; its open web sessions end at their next request."""
    from renkei.staff import service as staff_service

    with runtime.municipal_session(validate_lg_code(lg_code)) as session:
        account = staff_service.find_account(session, login=login)
        staff_service.disable(session, staff_id=account.id, actor_id=None, reason=reason)
    click.echo(f"{login}: 無効にしました / disabled")


@group.command("reset-password")
@municipality_option
@login_option
@click.option(
    "--password-file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="新しいパスワードを1行目に書いたファイル（省略時は入力を求めます）",
)
@runtime_options
def reset_password(lg_code: str, login: str, password_file: Path | None, runtime: Runtime) -> None:
    """Set a new password (and lift a lockout), e.g. for the last administrator locked out of the web UI."""
    from renkei.staff import service as staff_service

    password = _read_password(password_file)
    with runtime.municipal_session(validate_lg_code(lg_code)) as session:
        account = staff_service.find_account(session, login=login)
        staff_service.reset_password(session, staff_id=account.id, new_password=password, actor_id=None)
    click.echo(f"{login}: パスワードを再設定しました / password reset")


@group.command("reset-totp")
@municipality_option
@login_option
@runtime_options
def reset_totp(lg_code: str, login: str, runtime: Runtime) -> None:
    """Give an account a new TOTP secret (a lost phone); prints it once."""
    from renkei.staff import service as staff_service

    lg_code = validate_lg_code(lg_code)
    with runtime.municipal_session(lg_code) as session:
        account = staff_service.find_account(session, login=login)
        enrolment = staff_service.reset_totp(
            session,
            staff_id=account.id,
            totp_key=staff_service.totp_key(runtime.settings),
            lg_code=lg_code,
            actor_id=None,
        )
    _print_enrolment(login, enrolment)


@group.command("totp")
@municipality_option
@login_option
@runtime_options
def totp(lg_code: str, login: str, runtime: Runtime) -> None:
    """Print the current one-time code of a DEMO account (refused for every real account)."""
    from renkei.staff import service as staff_service

    with runtime.municipal_session(validate_lg_code(lg_code)) as session:
        code = staff_service.demo_totp_code(
            session, login=login, totp_key=staff_service.totp_key(runtime.settings)
        )
    click.echo(code)


def _print_enrolment(login: str, enrolment: staff_service.Enrolment) -> None:
    click.echo(f"{login}: 二要素認証（TOTP）の秘密鍵です。一度しか表示しません / shown once:")
    click.echo(f"  secret: {enrolment.totp_secret}")
    click.echo(f"  uri:    {enrolment.provisioning_uri}")
