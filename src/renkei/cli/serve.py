"""`renkei serve …`: run a component as its own process (the web UI here; hub, node and jpki from their modules)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

import click

from renkei.cli.common import runtime_options

if TYPE_CHECKING:
    from renkei.runtime import Runtime  # imported when the command runs (renkei.cli.lazy)

# Modules under renkei.cli that add server commands; each defines `commands` (a list of click commands).
SERVER_MODULES = ("serve_linkage", "serve_jpki", "serve_portal")


@click.group(name="serve")
def group() -> None:
    """各コンポーネントを個別のプロセスとして起動 / run a component as its own process."""


@group.command("web")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@runtime_options
def web(host: str, port: int, runtime: Runtime) -> None:
    """The municipal web UI (住民記録, 統合宛名, 情報連携, 安全管理措置 …) over the data directory."""
    import uvicorn

    from renkei.web import create_app

    click.echo(f"renkei web UI: http://{host}:{port}/")
    uvicorn.run(
        create_app(runtime.settings, runtime=runtime, relay_interval=2.0),
        host=host,
        port=port,
        log_level="warning",
    )


for _name in SERVER_MODULES:
    try:
        _module = importlib.import_module(f"renkei.cli.{_name}")
    except ModuleNotFoundError as _exc:
        if _exc.name != f"renkei.cli.{_name}":
            raise
        continue
    for _command in _module.commands:
        group.add_command(_command)
