"""`renkei serve hub|jukinet|node`: the national services and a municipality's node, each its own process.

Each process has its own database (under its --data-dir, or its own PostgreSQL databases) and reaches its peers
over HTTP (`renkei.protocol.http.rpc_router` on the server side, `HttpTransport` on the client side). The hub
delivers pending queries to provider nodes in a background loop, retrying while a node is down.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from renkei.cli.common import runtime_options
from renkei.core.errors import RenkeiError
from renkei.core.ids import validate_lg_code

if TYPE_CHECKING:
    from fastapi import FastAPI

    from renkei.core.settings import Settings
    from renkei.protocol.api import ServiceApi
    from renkei.protocol.jukinet import JukinetClient
    from renkei.runtime import Runtime
    from renkei.runtime.wire import Wire

log = logging.getLogger("renkei.serve")
POLL_GRACE = dt.timedelta(seconds=5)


@dataclass
class Served:
    """An app and the background loops that go with it (started and stopped with the app's lifespan)."""

    app: FastAPI
    runtime: Runtime
    loops: list[Callable[[threading.Event], None]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    stop_hooks: list[Callable[[], None]] = field(default_factory=list)

    def start_loops(self) -> list[threading.Thread]:
        threads = [threading.Thread(target=loop, args=(self.stop,), daemon=True) for loop in self.loops]
        for thread in threads:
            thread.start()
        return threads

    def close(self) -> None:
        self.stop.set()
        for hook in self.stop_hooks:
            hook()
        self.runtime.close()


def _app(title: str, apis: list[ServiceApi], wire: Wire | None) -> FastAPI:
    from renkei.protocol.http import service_app
    from renkei.runtime.wire import Wire

    wire = wire or Wire()
    return service_app(title, apis, authenticate=wire.authenticate, on_refusal=wire.on_refusal)


def _required(name: str, runtime: Runtime) -> ServiceApi:
    from renkei.runtime import national_dispatcher

    found = national_dispatcher(name, runtime)
    if found is None:
        raise click.ClickException(f"{name} コンポーネントがありません")
    return found


def parse_nodes(values: tuple[str, ...] | list[str]) -> dict[str, str]:
    """--node 131016=http://127.0.0.1:8101 → {"lg131016": url}."""
    from renkei.runtime import municipality_node

    out = {}
    for value in values:
        code, sep, url = value.partition("=")
        if not sep or not url:
            raise click.BadParameter(f"団体コード=URL の形で指定してください: {value}", param_hint="--node")
        out[municipality_node(code)] = url
    return out


def hub_server(
    settings: Settings,
    *,
    nodes: dict[str, str],
    jukinet_url: str,
    delivery_interval: float = 0.2,
    wire: Wire | None = None,
) -> Served:
    """The hub (情報提供ネットワークシステム): registry, permission table, 符号, routing, records."""
    from renkei.hub import rpc as hub_rpc
    from renkei.protocol.transport import HttpTransport
    from renkei.runtime import Runtime
    from renkei.runtime.delivery import DeliveryWorker
    from renkei.runtime.wire import Wire

    wire = wire or Wire()
    transport = HttpTransport({"jukinet": jukinet_url, **nodes}, tls=wire.tls)
    runtime = Runtime(settings, transport=transport)
    runtime.databases.serialise_sqlite_transactions()
    worker = DeliveryWorker(
        runtime.databases, settings=settings, transport=transport, interval=delivery_interval
    )
    hub = hub_rpc.api(runtime.databases, settings, transport, on_accepted=worker.wake, inline_delivery=False)
    served = Served(_app("renkei hub", [hub], wire), runtime)
    served.loops.append(worker.run)
    served.stop_hooks.append(worker.wake)
    return served


def jukinet_server(settings: Settings, *, wire: Wire | None = None) -> Served:
    from renkei.protocol.transport import HttpTransport
    from renkei.runtime import Runtime

    runtime = Runtime(settings, transport=HttpTransport({}))
    runtime.databases.serialise_sqlite_transactions()
    return Served(_app("renkei jukinet", [_required("jukinet", runtime)], wire), runtime)


def node_server(
    settings: Settings,
    *,
    lg_code: str,
    hub_url: str,
    jukinet_url: str,
    sync_interval: float = 2.0,
    wire: Wire | None = None,
    public_url: str | None = None,
) -> Served:
    """A municipality's node: answers "provide" for the hub, registers itself, keeps its 符号 in step."""
    from renkei.intermediate import service
    from renkei.protocol.api import node_endpoint
    from renkei.protocol.hub import HubClient
    from renkei.protocol.jukinet import JukinetClient
    from renkei.protocol.transport import HttpTransport
    from renkei.runtime import Runtime, certificates_api, municipal_dispatcher
    from renkei.runtime.wire import Wire

    lg_code = validate_lg_code(lg_code)
    wire = wire or Wire()
    transport = HttpTransport({"hub": hub_url, "jukinet": jukinet_url}, tls=wire.tls)
    runtime = Runtime(settings, transport=transport)
    # The hub pushes every result: a business system's poll asks the hub only after this grace.
    # Single queries asked at once go to the hub together.
    found = municipal_dispatcher(lg_code, runtime, poll_grace=POLL_GRACE, coalesce=True)
    if found is None:
        raise click.ClickException("intermediate コンポーネントがありません")
    # The municipality's 証明書発行サーバ (コンビニ交付) answers the 証明書交付センター from the same process.
    apis = [found, *filter(None, [certificates_api(lg_code, runtime)])]
    runtime.databases.serialise_sqlite_transactions()
    served = Served(_app(f"renkei node {lg_code}", apis, wire), runtime)
    endpoint = node_endpoint(public_url, lg_code) if public_url else None
    hub, jukinet = HubClient(transport), JukinetClient(transport)

    def keep_in_step(stop: threading.Event) -> None:
        registered = False
        while not stop.is_set():
            try:
                with runtime.municipal_session(lg_code) as session:
                    if not registered:
                        name = _municipality_name(jukinet, lg_code)
                        service.register_with_hub(
                            session, lg_code=lg_code, settings=settings, hub=hub, name=name, endpoint=endpoint
                        )
                        registered = True
                    service.sync_signs(session, lg_code=lg_code, settings=settings, jukinet=jukinet, hub=hub)
            except RenkeiError:
                pass  # a peer is not up yet: try again next round
            stop.wait(sync_interval if registered else 0.2)

    served.loops.append(keep_in_step)
    return served


def _municipality_name(jukinet: JukinetClient, lg_code: str) -> str | None:
    try:
        return jukinet.municipality(lg_code).name
    except RenkeiError:
        return None


def run(served: Served, host: str, port: int, wire: Wire) -> None:
    import uvicorn

    served.start_loops()
    try:
        uvicorn.run(served.app, host=host, port=port, log_level="warning", access_log=False, **wire.server)
    finally:
        served.close()


def run_together(host: str, listeners: list[tuple[Any, int, dict[str, Any]]]) -> None:
    """Serve several apps from one process, each on its own port (app, port, uvicorn settings such as TLS): a
    vendor's deployment of a service whose public face and protocol API listen apart. A signal stops them all."""
    import asyncio

    import uvicorn

    class Linked(uvicorn.Server):
        # uvicorn expects one server per process: each installs its own signal handler, the last one wins. A
        # signal to any of these stops every one of them.
        def handle_exit(self, sig: int, frame: Any) -> None:
            super().handle_exit(sig, frame)
            for other in servers:
                other.should_exit = True
                other.force_exit = other.force_exit or self.force_exit

    servers = [
        Linked(uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False, **settings))
        for app, port, settings in listeners
    ]

    async def serve_all() -> None:
        await asyncio.gather(*(server.serve() for server in servers))

    asyncio.run(serve_all())


TLS_DIR = click.option(
    "--tls-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="組織CAと証明書のフォルダ（既定: データディレクトリの orgca） / organisation CA folder",
)


def wire_for(runtime: Runtime, node: str, tls_dir: Path | None) -> Wire:
    """Mutual TLS with `node`'s organisation certificate (issued here if this host holds the CA)."""
    from renkei.runtime.wire import Wire, ensure_certificate

    directory = tls_dir or runtime.settings.data_dir / "orgca"
    try:
        ensure_certificate(directory, node)
        return Wire.mutual_tls(
            directory, node, refusals=runtime.settings.data_dir / "logs" / "wire-refusals.jsonl"
        )
    except RenkeiError as error:
        raise click.ClickException(
            f"{error.message}（組織CAは renkei orgca init、証明書は renkei orgca issue --node {node} で用意します）"
        ) from None


@click.command("hub")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8100, show_default=True, type=int)
@click.option("--jukinet-url", required=True, help="住基ネット (renkei serve jukinet) のURL")
@click.option("--node", "nodes", multiple=True, help="団体コード=URL（情報提供者ノード）; 繰り返し指定可")
@TLS_DIR
@runtime_options
def hub_command(
    *, host: str, port: int, jukinet_url: str, nodes: tuple[str, ...], tls_dir: Path | None, runtime: Runtime
) -> None:
    """情報提供ネットワークシステム（ハブ）を起動する / run the hub."""
    wire = wire_for(runtime, "hub", tls_dir)
    click.echo(f"renkei hub: {wire.scheme}://{host}:{port}/hub/v1/ (OpenAPI /openapi.json)")
    served = hub_server(runtime.settings, nodes=parse_nodes(nodes), jukinet_url=jukinet_url, wire=wire)
    run(served, host, port, wire)


@click.command("jukinet")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8090, show_default=True, type=int)
@TLS_DIR
@runtime_options
def jukinet_command(host: str, port: int, tls_dir: Path | None, runtime: Runtime) -> None:
    """住基ネット全国サーバを起動する / run 住基ネット."""
    wire = wire_for(runtime, "jukinet", tls_dir)
    click.echo(f"renkei jukinet: {wire.scheme}://{host}:{port}/jukinet/v1/ (OpenAPI /openapi.json)")
    run(jukinet_server(runtime.settings, wire=wire), host, port, wire)


@click.command("node")
@click.option("--municipality", "lg_code", required=True, help="団体コード（6桁）")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8101, show_default=True, type=int)
@click.option("--hub-url", required=True)
@click.option("--jukinet-url", required=True)
@TLS_DIR
@runtime_options
def node_command(
    *,
    lg_code: str,
    host: str,
    port: int,
    hub_url: str,
    jukinet_url: str,
    tls_dir: Path | None,
    runtime: Runtime,
) -> None:
    """団体の中間サーバー・ノードを起動する / run a municipality's node."""
    from renkei.runtime import municipality_node

    lg_code = validate_lg_code(lg_code)
    node = municipality_node(lg_code)
    wire = wire_for(runtime, node, tls_dir)
    click.echo(
        f"renkei node {lg_code}: {wire.scheme}://{host}:{port}/node/v1/{lg_code}/ (OpenAPI /openapi.json)"
    )
    served = node_server(
        runtime.settings, lg_code=lg_code, hub_url=hub_url, jukinet_url=jukinet_url, wire=wire
    )
    run(served, host, port, wire)


commands = [hub_command, jukinet_command, node_command]
