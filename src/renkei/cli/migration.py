"""`renkei migration export|import`: move a municipality's register, 統合宛名 and 副本 to another vendor's system."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from renkei.cli.common import runtime_options

if TYPE_CHECKING:
    from renkei.runtime import Runtime  # imported when the command runs (renkei.cli.lazy)

municipality_option = click.option("--municipality", "lg_code", required=True, help="団体コード（6桁）")
ENV = "RENKEI_MIGRATION_PASSPHRASE"


def _passphrase() -> str:
    given = os.environ.get(ENV)
    if given:
        return given
    return str(click.prompt("移行パスフレーズ（12文字以上）", hide_input=True, confirmation_prompt=False))


@click.group(name="migration")
def group() -> None:
    """ベンダー移行（中間標準レイアウト）: 住民記録と統合宛名の書き出し・取込み。個人番号は封緘したまま運びます."""


@group.command("export")
@click.option(
    "--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="出力先 .zip"
)
@click.option(
    "--charset",
    type=click.Choice(["jisx0208", "jisx0213"]),
    default="jisx0208",
    show_default=True,
    help="移行先システムの文字集合（取込注意の判定に使う）: JIS X 0208 / JIS X 0213:2004",
)
@municipality_option
@runtime_options
def export(out: Path, charset: str, lg_code: str, runtime: Runtime) -> None:
    """移行パッケージを書き出す（パスフレーズは $RENKEI_MIGRATION_PASSPHRASE または入力）."""
    from renkei.connectors import migration

    passphrase = _passphrase()
    with runtime.municipal_session(lg_code) as session:
        exported = migration.export_package(
            session,
            lg_code=lg_code,
            settings=runtime.settings,
            passphrase=passphrase,
            charset="jisx0213" if charset == "jisx0213" else "jisx0208",
        )
    out.write_bytes(exported.data)
    for name, count in exported.counts.items():
        click.echo(f"{name}: {count}件")
    click.echo(f"レイアウトに収まらない値: {len(exported.misfits)}件（{migration.REPORT} を参照）")
    for m in exported.misfits:
        click.echo(f"  {m.file} {m.record} {m.item}: {m.reason}")
    click.echo(f"書き出しました: {out}")


@group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@municipality_option
@runtime_options
def import_(path: Path, lg_code: str, runtime: Runtime) -> None:
    """移行パッケージを空のノードに取り込む（1件でも誤りがあれば何も取り込みません）."""
    from renkei.connectors import migration

    passphrase = _passphrase()
    with runtime.municipal_session(lg_code) as session:
        done = migration.import_package(
            session, lg_code=lg_code, data=path.read_bytes(), settings=runtime.settings, passphrase=passphrase
        )
    click.echo(
        f"取り込みました: 住民 {done.residents}件、異動履歴 {done.changes}件、統合宛名 {done.people}件、副本 {done.copies}件"
        f"（要注意の値 {done.misfits}件）"
    )
