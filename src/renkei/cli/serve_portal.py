"""`renkei serve portal`: マイナポータル as its own process, reaching hub, jpki and municipal nodes over HTTP."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from renkei.cli.common import runtime_options
from renkei.cli.serve_linkage import parse_nodes

if TYPE_CHECKING:
    from renkei.runtime import Runtime  # imported when the command runs (renkei.cli.lazy)


def portal_runtime(runtime: Runtime, *, hub_url: str, jpki_url: str, nodes: dict[str, str]) -> Runtime:
    """The portal's own database with every peer over HTTP (service name → URL: hub, jpki, lg…)."""
    from renkei.protocol.transport import HttpTransport
    from renkei.runtime import Runtime

    endpoints = {"hub": hub_url, "jpki": jpki_url} | nodes
    return Runtime(runtime.settings, transport=HttpTransport(endpoints))


@click.command("portal")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8006, show_default=True, type=int)
@click.option("--hub-url", required=True, help="情報提供ネットワークシステム (renkei serve hub) のURL")
@click.option("--jpki-url", required=True, help="公的個人認証 (renkei serve jpki) のURL")
@click.option("--node", "nodes", multiple=True, help="団体コード=URL（市区町村ノード）; 繰り返し指定可")
@runtime_options
def portal(  # noqa: PLR0917 - click passes each option as an argument
    host: str, port: int, hub_url: str, jpki_url: str, nodes: tuple[str, ...], runtime: Runtime
) -> None:
    """マイナポータル（情報提供等記録開示システム）: カードでログイン・やりとり履歴 / the citizen portal."""
    import uvicorn

    from renkei.web.portal_app import create_portal_app

    served = portal_runtime(runtime, hub_url=hub_url, jpki_url=jpki_url, nodes=parse_nodes(nodes))
    click.echo(f"renkei マイナポータル: http://{host}:{port}/portal")
    try:
        uvicorn.run(create_portal_app(served), host=host, port=port, log_level="warning")
    finally:
        served.close()


commands = [portal]
