"""`renkei serve hub|jukinet|node`: the national services and a municipality's node, each its own process.

Each process has its own database (under its --data-dir, or its own PostgreSQL databases) and reaches its peers
over HTTP (`renkei.protocol.http.rpc_router` on the server side, `HttpTransport` on the client side). The hub
delivers pending queries to provider nodes in a background loop, retrying while a node is down.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field

import click
from fastapi import FastAPI

from renkei.cli.common import runtime_options
from renkei.core.errors import RenkeiError
from renkei.core.ids import validate_lg_code
from renkei.core.settings import Settings
from renkei.hub import service as hub_service
from renkei.intermediate import service
from renkei.protocol.http import rpc_router
from renkei.protocol.hub import HubClient
from renkei.protocol.jukinet import JukinetClient
from renkei.protocol.transport import Body, Dispatcher, HttpTransport
from renkei.runtime import Runtime, municipal_dispatcher, municipality_node, national_dispatcher


@dataclass
class Served:
    """An app and the background loops that go with it (started and stopped with the app's lifespan)."""

    app: FastAPI
    runtime: Runtime
    loops: list[Callable[[threading.Event], None]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def start_loops(self) -> list[threading.Thread]:
        threads = [threading.Thread(target=loop, args=(self.stop,), daemon=True) for loop in self.loops]
        for thread in threads:
            thread.start()
        return threads

    def close(self) -> None:
        self.stop.set()
        self.runtime.close()


def _app(title: str, dispatchers: dict[str, Dispatcher]) -> FastAPI:
    app = FastAPI(title=title, docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(rpc_router(dispatchers))

    @app.get("/healthz")
    def healthz() -> dict[str, object]:
        return {"status": "ok", "services": sorted(dispatchers)}

    return app


def _required(name: str, runtime: Runtime) -> Dispatcher:
    dispatcher = national_dispatcher(name, runtime)
    if dispatcher is None:
        raise click.ClickException(f"{name} コンポーネントがありません")
    return dispatcher


def parse_nodes(values: tuple[str, ...] | list[str]) -> dict[str, str]:
    """--node 131016=http://127.0.0.1:8101 → {"lg131016": url}."""
    out = {}
    for value in values:
        code, sep, url = value.partition("=")
        if not sep or not url:
            raise click.BadParameter(f"団体コード=URL の形で指定してください: {value}", param_hint="--node")
        out[municipality_node(code)] = url
    return out


def _writer_lock(settings: Settings) -> AbstractContextManager[object]:
    """One writer at a time per process on SQLite (see `_serialised_on_sqlite`); nothing on PostgreSQL."""
    if settings.database_url is not None and not settings.database_url.startswith("sqlite"):
        return nullcontext()
    return threading.Lock()


def _serialised_on_sqlite(
    dispatcher: Dispatcher,
    settings: Settings,
    *,
    unlocked: tuple[str, ...] = (),
    lock: AbstractContextManager[object] | None = None,
) -> Dispatcher:
    """On SQLite, one writer at a time per process, by a lock rather than by SQLite's busy-wait.

    SQLite has no row locks (SELECT … FOR UPDATE SKIP LOCKED is a no-op), so the hub's delivery loop and a poll
    that delivers inline could both claim one query; and concurrent writers on one file otherwise wait in SQLite's
    busy handler, which sleeps up to 100 ms at a time. Read-only operations a peer calls back during a delivery
    (`unlocked`) stay outside the lock. PostgreSQL locks rows itself and runs unserialised.
    """
    if settings.database_url is not None and not settings.database_url.startswith("sqlite"):
        return dispatcher
    guard = lock if lock is not None else threading.Lock()

    def serialised(operation: str, body: Body) -> Body:
        if operation in unlocked:
            return dispatcher(operation, body)
        with guard:
            return dispatcher(operation, body)

    return serialised


def hub_server(
    settings: Settings, *, nodes: dict[str, str], jukinet_url: str, delivery_interval: float = 0.2
) -> Served:
    """The hub (情報提供ネットワークシステム): registry, permission table, 符号, routing, records."""
    transport = HttpTransport({"jukinet": jukinet_url, **nodes})
    runtime = Runtime(settings, transport=transport)
    lock = _writer_lock(settings)
    # a provider asks the hub for "info" while the hub delivers to it: that call must not wait for the lock
    hub = _serialised_on_sqlite(_required("hub", runtime), settings, unlocked=("info", "agency"), lock=lock)
    served = Served(_app("renkei hub", {"hub": hub}), runtime)

    def deliver_round() -> int:
        # Claim and settle are short transactions under the writer lock; the call to the provider node holds
        # neither, so submissions and polls go on while a provider answers.
        with lock, runtime.session("hub") as session:
            claims = hub_service.claim_due(session, settings=settings, limit=20)
        for claim in claims:
            sent = hub_service.send(claim, transport=transport)
            with lock, runtime.session("hub") as session:
                hub_service.settle(session, claim, sent, settings=settings)
        return len(claims)

    def deliver(stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                delivered = deliver_round()
            except RenkeiError:
                delivered = 0
            if not delivered:
                stop.wait(delivery_interval)

    served.loops.append(deliver)
    return served


def jukinet_server(settings: Settings) -> Served:
    runtime = Runtime(settings, transport=HttpTransport({}))
    return Served(_app("renkei jukinet", {"jukinet": _required("jukinet", runtime)}), runtime)


def node_server(
    settings: Settings, *, lg_code: str, hub_url: str, jukinet_url: str, sync_interval: float = 2.0
) -> Served:
    """A municipality's node: answers "provide" for the hub, registers itself, keeps its 符号 in step."""
    lg_code = validate_lg_code(lg_code)
    transport = HttpTransport({"hub": hub_url, "jukinet": jukinet_url})
    runtime = Runtime(settings, transport=transport)
    found = municipal_dispatcher(lg_code, runtime)
    if found is None:
        raise click.ClickException("intermediate コンポーネントがありません")
    dispatcher = _serialised_on_sqlite(found, settings, unlocked=("self_information",))
    served = Served(_app(f"renkei node {lg_code}", {municipality_node(lg_code): dispatcher}), runtime)
    hub, jukinet = HubClient(transport), JukinetClient(transport)

    def keep_in_step(stop: threading.Event) -> None:
        registered = False
        while not stop.is_set():
            try:
                with runtime.municipal_session(lg_code) as session:
                    if not registered:
                        name = _municipality_name(jukinet, lg_code)
                        service.register_with_hub(
                            session, lg_code=lg_code, settings=settings, hub=hub, name=name
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


def run(served: Served, host: str, port: int) -> None:
    import uvicorn

    served.start_loops()
    try:
        uvicorn.run(served.app, host=host, port=port, log_level="warning")
    finally:
        served.close()


@click.command("hub")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8100, show_default=True, type=int)
@click.option("--jukinet-url", required=True, help="住基ネット (renkei serve jukinet) のURL")
@click.option("--node", "nodes", multiple=True, help="団体コード=URL（情報提供者ノード）; 繰り返し指定可")
@runtime_options
def hub_command(host: str, port: int, jukinet_url: str, nodes: tuple[str, ...], runtime: Runtime) -> None:
    """情報提供ネットワークシステム（ハブ）を起動する / run the hub."""
    click.echo(f"renkei hub: http://{host}:{port}/rpc/hub")
    run(hub_server(runtime.settings, nodes=parse_nodes(nodes), jukinet_url=jukinet_url), host, port)


@click.command("jukinet")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8090, show_default=True, type=int)
@runtime_options
def jukinet_command(host: str, port: int, runtime: Runtime) -> None:
    """住基ネット全国サーバを起動する / run 住基ネット."""
    click.echo(f"renkei jukinet: http://{host}:{port}/rpc/jukinet")
    run(jukinet_server(runtime.settings), host, port)


@click.command("node")
@click.option("--municipality", "lg_code", required=True, help="団体コード（6桁）")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8101, show_default=True, type=int)
@click.option("--hub-url", required=True)
@click.option("--jukinet-url", required=True)
@runtime_options
def node_command(
    *, lg_code: str, host: str, port: int, hub_url: str, jukinet_url: str, runtime: Runtime
) -> None:
    """団体の中間サーバー・ノードを起動する / run a municipality's node."""
    click.echo(f"renkei node {lg_code}: http://{host}:{port}/rpc/{municipality_node(lg_code)}")
    run(node_server(runtime.settings, lg_code=lg_code, hub_url=hub_url, jukinet_url=jukinet_url), host, port)


commands = [hub_command, jukinet_command, node_command]
