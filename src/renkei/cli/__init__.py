"""The `renkei` command: one sub-command group per component, all taking --data-dir."""

from __future__ import annotations

import click

from renkei import __version__
from renkei.cli.lazy import LazyGroup

# Sub-command modules; each defines `group` (a click group or command), run as its name with - for _.
SUBCOMMANDS = (
    "mynumber",
    "db",
    "population",
    "residents",
    "addressee",
    "staff",
    "demo",
    "serve",
    "copies",
    "query",
    "records",
    "hub",
    "jpki",
    "governance",
    "api",
    "orgca",
    "federation",
    "local_use",
    "migration",
    "jukinet",
    "disaster",
    "kiosk",
    "certificates",
    "lgwan",
    "cardapps",
    "audit",
)


@click.group(cls=LazyGroup, modules=SUBCOMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="renkei")
@click.option("--debug", is_flag=True, help="失敗時にトレースバックも表示する / show tracebacks on failure")
def cli(debug: bool) -> None:
    """renkei（連携）: マイナンバー情報連携基盤のリファレンス実装 / My Number linkage reference implementation."""


# Sub-command modules are imported when their command runs (renkei.cli.lazy, decision 0124).


def main() -> None:
    cli(prog_name="renkei")
