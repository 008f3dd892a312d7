"""`renkei orgca …`: the organisation CA's operator jobs (init, issue, revoke, list, crl) on its directory.

The CA lives in files under `<data_dir>/orgca/` (docs/decisions/0035-organisation-ca-and-mutual-tls.md); no
database is opened.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from renkei.cli.common import fail
from renkei.core.clock import JST
from renkei.core.errors import Invalid
from renkei.core.wareki import both
from renkei.protocol import orgca

F = TypeVar("F", bound=Callable[..., Any])


def ca_options(func: F) -> F:
    """--data-dir (as every command) and --ca-dir; the command receives `directory: Path`."""

    @click.option(
        "--data-dir",
        type=click.Path(path_type=Path, file_okay=False),
        default=None,
        help="データディレクトリ (data directory; default ./var or $RENKEI_DATA_DIR)",
    )
    @click.option(
        "--ca-dir",
        type=click.Path(path_type=Path, file_okay=False),
        default=None,
        help="組織CAのディレクトリ (CA directory; default <data-dir>/orgca)",
    )
    @functools.wraps(func)
    def wrapper(*args: Any, data_dir: Path | None, ca_dir: Path | None, **kwargs: Any) -> Any:
        if ca_dir is None:
            from renkei.core.settings import Settings

            settings = Settings(data_dir=data_dir) if data_dir is not None else Settings()
            ca_dir = settings.data_dir / "orgca"
        try:
            return func(*args, directory=ca_dir, **kwargs)
        except OSError as exc:
            fail(
                Invalid(
                    f"ファイルを読み書きできません: {exc.filename or ca_dir}（{exc.strerror}）",
                    field="ca-dir",
                )
            )

    return wrapper  # type: ignore[return-value]


def _day(value: dt.datetime | str) -> str:
    at = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return both(at.astimezone(JST).date())


@click.group(name="orgca")
def group() -> None:
    """組織CA（ノード間の相互TLS用、LGPKIの役割）/ organisation CA for mutual TLS between nodes."""


@group.command("init")
@ca_options
def init(directory: Path) -> None:
    """組織CAを作成する（一度だけ。既にあれば上書きしない）/ create the CA (once)."""
    info = orgca.init_ca(directory)
    click.echo(f"組織CAを作成しました: {info.subject}")
    click.echo(f"  証明書\t{info.certfile}")
    click.echo(f"  秘密鍵\t{info.keyfile}（0600）")
    click.echo(f"  失効リスト\t{info.crlfile}")
    click.echo(f"  SHA-256\t{info.fingerprint_sha256}")
    click.echo(f"  有効期限\t{_day(info.not_after)}")


@group.command("issue")
@click.option("--node", required=True, help="ノード名 (e.g. hub, jukinet, setagaya)")
@click.option("--agency", "agency_code", required=True, help="機関コード（16桁）")
@click.option("--role", required=True, help=f"役割（{', '.join(orgca.ROLES)}）")
@click.option("--lg", "lg_code", default=None, help="団体コード（6桁; municipality / business では必須）")
@click.option("--days", default=orgca.MAX_DAYS, show_default=True, type=int, help="有効日数")
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="鍵と証明書の出力先（省略時は <ca-dir>/issued）",
)
@click.option("--replace", is_flag=True, help="有効な証明書があれば superseded として失効させて再発行する")
@ca_options
def issue(
    *,
    node: str,
    agency_code: str,
    role: str,
    lg_code: str | None,
    days: int,
    out: Path | None,
    replace: bool,
    directory: Path,
) -> None:
    """ノードにサーバ兼クライアント証明書を発行する / issue a node certificate."""
    issued = orgca.issue(
        directory,
        node=node,
        agency_code=agency_code,
        role=role,
        lg_code=lg_code,
        days=days,
        out=out,
        replace=replace,
    )
    lg = f"\t団体コード {issued.lg_code}" if issued.lg_code else ""
    click.echo(
        f"発行しました: シリアル {issued.serial}\t{issued.node}\t{issued.role}\t機関コード {issued.agency_code}{lg}"
    )
    click.echo(f"  証明書\t{issued.certfile}")
    click.echo(f"  秘密鍵\t{issued.keyfile}（0600）")
    click.echo(f"  CA証明書\t{issued.cafile}")
    click.echo(f"  有効期限\t{_day(issued.not_after)}")


@group.command("revoke")
@click.option("--serial", type=str, default=None, help="シリアル番号（10進、または 0x で始まる16進）")
@click.option("--node", default=None, help="ノード名（そのノードの有効な証明書をすべて失効）")
@click.option(
    "--reason", default="unspecified", show_default=True, help=f"失効理由（{', '.join(orgca.REASONS)}）"
)
@ca_options
def revoke(serial: str | None, node: str | None, reason: str, directory: Path) -> None:
    """証明書を失効させ、失効リストを再署名する / revoke and re-sign the CRL."""
    number: int | None = None
    if serial is not None:
        try:
            number = int(serial, 0)
        except ValueError:
            raise Invalid(f"シリアル番号は整数で指定してください: {serial!r}", field="serial") from None
    for entry in orgca.revoke(directory, serial=number, node=node, reason=reason):
        assert entry.revoked_at is not None
        click.echo(
            f"失効: シリアル {entry.serial}\t{entry.node}\t{entry.reason}\t失効日時 {_day(entry.revoked_at)}"
            f" {dt.datetime.fromisoformat(entry.revoked_at).astimezone(JST):%H:%M:%S}"
        )


@group.command("list")
@ca_options
def list_(directory: Path) -> None:
    """発行した証明書の一覧 / list issued certificates."""
    orgca.ca_info(directory)  # a clear error when there is no CA here
    entries = orgca.list_issued(directory)
    if not entries:
        click.echo("発行した証明書はありません。")
        return
    now = dt.datetime.now(dt.UTC)
    click.echo("シリアル\tノード\t役割\t機関コード\t団体コード\t有効期限\t状態")
    for e in entries:
        if e.revoked_at is not None:
            status = f"失効（{e.reason}、{_day(e.revoked_at)}）"
        elif e.not_after_at <= now:
            status = "期限切れ"
        else:
            status = "有効"
        click.echo(
            f"{e.serial}\t{e.node}\t{e.role}\t{e.agency_code}\t{e.lg_code or '-'}\t{_day(e.not_after)}\t{status}"
        )


@group.command("crl")
@ca_options
def crl(directory: Path) -> None:
    """失効リストを再署名する（nextUpdate 前に実行）/ re-sign the CRL before its nextUpdate."""
    revocations = orgca.refresh_crl(directory)
    next_update = revocations.next_update_utc
    assert next_update is not None
    click.echo(f"失効リストを再署名しました: 失効 {len(revocations)} 件、次回更新 {_day(next_update)}")
