"""`renkei federation up|down|status`: the national side and N municipal nodes as separate processes over mTLS."""

from __future__ import annotations

from pathlib import Path

import click

from renkei.core.errors import RenkeiError


@click.group(name="federation")
def group() -> None:
    """連携環境（各ノードを別プロセスで相互TLS接続） / every node its own process, over mutual TLS."""


DIRECTORY = click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("var/federation"),
    show_default=True,
    help="連携環境のフォルダ（各ノードのデータ・証明書・ログ） / the federation's folder",
)


@group.command("up")
@DIRECTORY
@click.option(
    "--municipalities", default=3, show_default=True, type=click.IntRange(1, 5), help="市区町村の数"
)
@click.option("--base-port", default=8400, show_default=True, type=int, help="最初のポート番号")
@click.option("--database-url", default=None, help="PostgreSQL（省略時は各ノードのSQLite）")
def up(directory: Path, municipalities: int, base_port: int, database_url: str | None) -> None:
    """住基ネット・JPKI・ハブ・マイナポータルと市区町村ノードを起動する / start the federation."""
    from renkei.runtime import federation

    try:
        started = federation.up(
            federation.plan(
                directory, municipalities=municipalities, base_port=base_port, database_url=database_url
            )
        )
    except RenkeiError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"連携環境を起動しました: {started.directory}")
    for member in started.members:
        click.echo(f"  {member.node:<10} {member.url}  (pid {member.pid}, ログ {member.log})")
        if member.public_url:
            what = "住民向け画面 /portal" if member.node == "portal" else "OCSP・CRL（公開配布点）"
            click.echo(f"  {'':<10} {member.public_url}  ({what})")
    click.echo(f"組織CA: {started.ca_dir}（各ノードの証明書は issued/ にあります）")
    click.echo(
        "例: curl --cacert {0}/ca.pem --cert {0}/issued/operator.pem --key {0}/issued/operator.key "
        "{1}/openapi.json".format(started.ca_dir, started.member("hub").url)
    )
    hub = started.member("hub")
    click.echo(
        f"運用者の操作: renkei hub operator enrol --data-dir {hub.data_dir} --id ID --name 氏名 --key-out ID.key、"
        f"続けて renkei hub agency|permissions … --operator ID --key ID.key --reason 理由 --hub-url {hub.url} "
        f"--tls-dir {started.ca_dir}"
    )
    click.echo("停止: renkei federation down")


@group.command("down")
@DIRECTORY
def down(directory: Path) -> None:
    """連携環境を停止する / stop the federation."""
    from renkei.runtime import federation

    try:
        stopped = federation.down(federation.Federation.load(directory))
    except RenkeiError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"{stopped} 個のプロセスを停止しました")


@group.command("status")
@DIRECTORY
def status(directory: Path) -> None:
    """各ノードの稼働状況 / which members are running."""
    from renkei.runtime import federation

    try:
        found = federation.Federation.load(directory)
    except RenkeiError as error:
        raise click.ClickException(error.message) from None
    alive = {m.node for m in federation.running(found)}
    for member in found.members:
        click.echo(f"  {member.node:<10} {member.url}  {'稼働中' if member.node in alive else '停止'}")
