"""`renkei serve portal`: マイナポータル as its own process, as a vendor deploys it: the residents' pages on one port
(plain HTTP on loopback, behind the site's TLS front), the protocol API for its peers on another over mutual TLS
with the organisation certificates, and its own calls to the hub, jpki and municipal nodes over mutual TLS."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from renkei.cli.common import runtime_options
from renkei.cli.serve_linkage import TLS_DIR, parse_nodes, run_together, wire_for

if TYPE_CHECKING:
    import ssl

    from fastapi import FastAPI

    from renkei.runtime import Runtime  # imported when the command runs (renkei.cli.lazy)
    from renkei.runtime.wire import Wire


def portal_runtime(
    runtime: Runtime, *, hub_url: str, jpki_url: str, nodes: dict[str, str], tls: ssl.SSLContext | None = None
) -> Runtime:
    """The portal's own database with every peer over HTTPS (service name → URL: hub, jpki, lg…), presenting the
    portal's organisation certificate when `tls` is given."""
    from renkei.protocol.transport import HttpTransport
    from renkei.runtime import Runtime

    endpoints = {"hub": hub_url, "jpki": jpki_url} | nodes
    return Runtime(runtime.settings, transport=HttpTransport(endpoints, tls=tls))


def portal_apps(served: Runtime, wire: Wire) -> tuple[FastAPI, FastAPI]:
    """(the residents' app, the peers' app): the protocol operations answer only on the peers' app, to the
    callers the organisation certificates name; on the residents' app they are refused (401)."""
    from renkei.portal.rpc import api as portal_api
    from renkei.protocol.http import service_app
    from renkei.web.portal_app import create_portal_app

    peers = service_app(
        "renkei portal",
        [portal_api(served.databases, served.settings, served.transport)],
        authenticate=wire.authenticate,
        on_refusal=wire.on_refusal,
    )
    return create_portal_app(served), peers


@click.command("portal")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8006, show_default=True, type=int, help="住民向け画面のポート")
@click.option("--peer-port", default=8016, show_default=True, type=int, help="機関間API（相互TLS）のポート")
@click.option("--hub-url", required=True, help="情報提供ネットワークシステム (renkei serve hub) のURL")
@click.option("--jpki-url", required=True, help="公的個人認証 (renkei serve jpki) のURL")
@click.option("--node", "nodes", multiple=True, help="団体コード=URL（市区町村ノード）; 繰り返し指定可")
@TLS_DIR
@runtime_options
def portal(  # noqa: PLR0917 - click passes each option as an argument
    host: str,
    port: int,
    peer_port: int,
    hub_url: str,
    jpki_url: str,
    nodes: tuple[str, ...],
    tls_dir: Path | None,
    runtime: Runtime,
) -> None:
    """マイナポータル（情報提供等記録開示システム）: カードでログイン・やりとり履歴 / the citizen portal."""
    from renkei.protocol.portal import PORTAL_SERVICE

    wire = wire_for(runtime, "portal", tls_dir)
    served = portal_runtime(
        runtime, hub_url=hub_url, jpki_url=jpki_url, nodes=parse_nodes(nodes), tls=wire.tls
    )
    residents, peers = portal_apps(served, wire)
    with served.session(PORTAL_SERVICE):
        pass  # the database is made and migrated now, before /healthz answers, not on a resident's first page
    click.echo(f"renkei マイナポータル: http://{host}:{port}/portal")
    click.echo(
        f"renkei portal API: {wire.scheme}://{host}:{peer_port}/portal/v1/ (相互TLS, OpenAPI /openapi.json)"
    )
    try:
        run_together(host, [(residents, port, {}), (peers, peer_port, dict(wire.server))])
    finally:
        served.close()


commands = [portal]
