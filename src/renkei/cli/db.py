"""`renkei db upgrade`: migrate every node database under --data-dir (or a named node) to the head revision."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from renkei.cli.common import runtime_options

if TYPE_CHECKING:
    from renkei.runtime import Runtime  # imported when the command runs (renkei.cli.lazy)


@click.group(name="db")
def group() -> None:
    """データベースの管理 / database administration."""


@group.command("upgrade")
@click.option(
    "--node", "nodes", multiple=True, help="node name (jukinet, hub, jpki, lg131016 …); default: all found"
)
@runtime_options
def upgrade(nodes: tuple[str, ...], runtime: Runtime) -> None:
    """Bring node databases to the latest schema (creates them if missing)."""
    names = list(nodes)
    if not names and runtime.settings.database_url is None and runtime.settings.data_dir.exists():
        names = sorted(p.name.removesuffix(".sqlite3") for p in runtime.settings.data_dir.glob("*.sqlite3"))
    if not names:
        names = ["jukinet", "hub", "jpki"]
    for name in names:
        runtime.databases.engine(name)
        click.echo(f"{name}: up to date")
