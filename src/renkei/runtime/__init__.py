"""Wiring: which node databases a process has and how its nodes reach each other (in-memory or HTTP).

This is the only place that knows every component; cli, web and demo build a `Runtime` and hand services
their sessions and protocol clients (docs/decisions/0004-runtime-wiring-layer.md).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from sqlalchemy.orm import Session

from renkei.core.db import Databases
from renkei.core.errors import RenkeiError
from renkei.core.ids import validate_lg_code
from renkei.core.settings import Settings
from renkei.protocol.api import ServiceApi
from renkei.protocol.hub import HubClient
from renkei.protocol.transport import HttpTransport, InProcessTransport, Transport

# National services that answer protocol calls; each has `rpc.api(databases, settings, transport)`.
NATIONAL_SERVICES = ("jukinet", "hub", "jpki", "portal", "lgwan")


def municipality_node(lg_code: str) -> str:
    """Node name (and database suffix) of a municipality: lg + 6-digit 全国地方公共団体コード."""
    return "lg" + validate_lg_code(lg_code)


class Runtime:
    """The nodes of one process. The embedded default runs every node here over an in-memory transport."""

    def __init__(self, settings: Settings, *, transport: Transport | None = None) -> None:
        self.settings = settings
        self.databases = Databases(settings)
        self.in_process = InProcessTransport()
        self.transport: Transport = transport or self.in_process
        self._joined: set[str] = set()
        if transport is None:
            self.mount_national()

    # -- nodes -------------------------------------------------------------------------------------
    def mount_national(self, services: tuple[str, ...] = NATIONAL_SERVICES) -> None:
        for name in services:
            dispatcher = national_dispatcher(name, self)
            if dispatcher is not None:
                self.in_process.mount(name, dispatcher)

    def mount_municipality(self, lg_code: str) -> None:
        """Make a municipality's node answer protocol calls in this process (the hub forwards queries to it)."""
        dispatcher = municipal_dispatcher(lg_code, self)
        if dispatcher is not None:
            self.in_process.mount(municipality_node(lg_code), dispatcher)
        # 証明書発行サーバ (コンビニ交付), a service of its own per municipality: lg<code>-certificates.
        certificates = certificates_api(lg_code, self)
        if certificates is not None:
            self.in_process.mount(certificates.name, certificates)

    def join_hub(self, lg_code: str) -> HubClient:
        """The hub client for a municipality's node, joined once per process: in one process every
        municipality's node is mounted here (so the hub can deliver to it) and this one registered with the hub
        (its node keys made on first use). Routes and commands make this one call (CONVENTIONS §17)."""
        from renkei.intermediate import service as intermediate
        from renkei.protocol.jukinet import JukinetClient

        lg_code = validate_lg_code(lg_code)
        hub = HubClient(self.transport)
        if lg_code in self._joined:
            return hub
        if self.transport is self.in_process:
            for code in {*self.municipalities(), lg_code}:
                self.mount_municipality(code)
        try:
            name: str | None = JukinetClient(self.transport).register_municipality(lg_code).name
        except RenkeiError:
            name = None
        with self.municipal_session(lg_code) as session:
            intermediate.register_with_hub(
                session, lg_code=lg_code, settings=self.settings, hub=hub, name=name
            )
        self._joined.add(lg_code)
        return hub

    def municipalities(self) -> list[str]:
        """団体コード of the municipalities whose node database exists here."""
        return [
            n[2:]
            for n in self.databases.existing_nodes()
            if len(n) == 8 and n.startswith("lg") and n[2:].isdigit()
        ]

    @contextmanager
    def session(self, node: str) -> Iterator[Session]:
        with self.databases.session(node) as session:
            yield session

    def sessions(self, node: str) -> Callable[[], AbstractContextManager[Session]]:
        """Opens one transaction on `node` per call: for services that make their network calls between
        transactions (CONVENTIONS §18)."""

        def open_one() -> AbstractContextManager[Session]:
            return self.databases.session(node)

        return open_one

    def municipal_sessions(self, lg_code: str) -> Callable[[], AbstractContextManager[Session]]:
        return self.sessions(municipality_node(lg_code))

    @contextmanager
    def municipal_session(self, lg_code: str) -> Iterator[Session]:
        with self.databases.session(municipality_node(lg_code)) as session:
            yield session

    def close(self) -> None:
        self.databases.dispose()
        if isinstance(self.transport, HttpTransport):
            self.transport.close()

    def __enter__(self) -> Runtime:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _rpc(component: str) -> Any | None:
    """A component's `rpc` module, or None when the component is not installed (a typo inside it still fails)."""
    try:
        return importlib.import_module(f"renkei.{component}.rpc")
    except ModuleNotFoundError as exc:
        if exc.name in (f"renkei.{component}", f"renkei.{component}.rpc"):
            return None
        raise


def national_dispatcher(name: str, runtime: Runtime) -> ServiceApi | None:
    """The typed API a national component exposes in its `rpc` module, if that component is present."""
    module = _rpc(name)
    if module is None:
        return None
    found: ServiceApi = module.api(runtime.databases, runtime.settings, runtime.transport)
    return found


def municipal_dispatcher(lg_code: str, runtime: Runtime, **options: Any) -> ServiceApi | None:
    """A municipality's node API (renkei.intermediate), if that component is present; `options` go to its
    `api` (a served node's poll grace and coalescing)."""
    module = _rpc("intermediate")
    if module is None:
        return None
    found: ServiceApi = module.api(lg_code, runtime.databases, runtime.settings, runtime.transport, **options)
    return found


def certificates_api(lg_code: str, runtime: Runtime) -> ServiceApi | None:
    """A municipality's 証明書発行サーバ (service lg<団体コード>-certificates), if that component is present."""
    module = _rpc("certificates")
    if module is None:
        return None
    found: ServiceApi = module.api(lg_code, runtime.databases, runtime.settings, runtime.transport)
    return found
