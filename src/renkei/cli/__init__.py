"""The `renkei` command: one sub-command group per component, all taking --data-dir."""

from __future__ import annotations

import importlib

import click

from renkei import __version__
from renkei.cli.common import RenkeiGroup

# Sub-command modules; each defines `group` (a click group or command) registered under its name.
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
    "audit",
)


@click.group(cls=RenkeiGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="renkei")
@click.option("--debug", is_flag=True, help="失敗時にトレースバックも表示する / show tracebacks on failure")
def cli(debug: bool) -> None:
    """renkei（連携）: マイナンバー情報連携基盤のリファレンス実装 / My Number linkage reference implementation."""


for _name in SUBCOMMANDS:
    try:
        _module = importlib.import_module(f"renkei.cli.{_name}")
    except ModuleNotFoundError as _exc:
        if _exc.name != f"renkei.cli.{_name}":
            raise
        continue
    cli.add_command(_module.group, _name)


def main() -> None:
    cli(prog_name="renkei")
