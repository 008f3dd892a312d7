"""`renkei api …`: the typed service APIs as OpenAPI documents (what `renkei serve X` publishes)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from renkei.cli.common import runtime_options

if TYPE_CHECKING:
    from renkei.runtime import Runtime  # imported when the command runs (renkei.cli.lazy)


@click.group(name="api")
def group() -> None:
    """サービスAPI（OpenAPI） / the services' typed APIs."""


@group.command("openapi")
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("docs/api"),
    show_default=True,
    help="出力先フォルダ / output folder",
)
@runtime_options
def openapi(out: Path, runtime: Runtime) -> None:
    """各サービスのOpenAPI文書を書き出す / write each service's OpenAPI document."""
    from renkei.runtime.openapi import write

    for path in write(runtime, out):
        click.echo(f"{path}")
