"""`renkei copies …`: 副本登録 from the files business systems emit (CSV in UTF-8/CP932, IF_DBM_20113 XML)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from renkei.cli.common import runtime_options
from renkei.connectors.text import ENCODINGS
from renkei.core.ids import validate_lg_code

if TYPE_CHECKING:
    from renkei.runtime import Runtime  # imported when the command runs (renkei.cli.lazy)


@click.group(name="copies")
def group() -> None:
    """副本登録（中間サーバー） / register copies on the intermediate server."""


@group.command("register")
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--municipality", "lg_code", required=True, help="団体コード（6桁） / municipality code")
@click.option("--format", "fmt", type=click.Choice(["auto", "csv", "xml"]), default="auto", show_default=True)
@click.option(
    "--encoding", type=click.Choice(ENCODINGS), default="auto", show_default=True, help="CSVの文字コード"
)
@click.option(
    "--on-error",
    type=click.Choice(["abort", "skip"]),
    default="abort",
    show_default=True,
    help="abort: 誤りが1件でもあれば全件取り込まない / skip: 誤りの行を除いて取り込む",
)
@runtime_options
def register(*, file: Path, lg_code: str, fmt: str, encoding: str, on_error: str, runtime: Runtime) -> None:
    """副本ファイルを登録する（同じファイルの再登録は変更なし） / register a copy file (safe to retry)."""
    from renkei.connectors.copies_csv import read_copies_csv
    from renkei.connectors.if_dbm import read_if_dbm
    from renkei.intermediate import service

    lg_code = validate_lg_code(lg_code)
    if fmt == "auto":
        fmt = "xml" if file.suffix.lower() == ".xml" else "csv"
    entries = read_if_dbm(file) if fmt == "xml" else read_copies_csv(file, encoding=encoding)
    with runtime.municipal_session(lg_code) as session:
        summary = service.register_copies(
            session, lg_code=lg_code, entries=entries, on_error="skip" if on_error == "skip" else "abort"
        )
    for line in summary.lines():
        click.echo(line)
