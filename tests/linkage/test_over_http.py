"""The linkage scenario across processes' worth of servers: jukinet, the hub and two nodes over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from renkei.cli.serve_linkage import hub_server, jukinet_server, node_server
from renkei.core.settings import Settings
from renkei.protocol.hub import HubClient
from renkei.protocol.jukinet import JukinetClient
from renkei.protocol.node import NodeClient
from renkei.protocol.transport import HttpTransport
from tests.conftest import drop_node_databases, make_settings
from tests.linkage.builders import CHIYODA, SETAGAYA
from tests.linkage.http_nodes import NodeDatabases, Server, free_port, start
from tests.linkage.scenario import run_scenario


class OverHttp:
    """Each server has its own settings (data dir or PostgreSQL database prefix), so its own databases."""

    def __init__(self, tmp_path: Path, template: str) -> None:
        self.own: dict[str, Settings] = {
            name: make_settings(tmp_path / name, template) for name in ("jukinet", "hub", "a", "b")
        }
        self.ports = {name: free_port() for name in self.own}
        url = {name: f"http://127.0.0.1:{port}" for name, port in self.ports.items()}
        self.urls = url
        self.servers: dict[str, Server] = {}
        self.servers["jukinet"] = start(jukinet_server(self.own["jukinet"]), self.ports["jukinet"])
        self.servers["hub"] = start(
            hub_server(
                self.own["hub"],
                nodes={"lg" + CHIYODA: url["a"], "lg" + SETAGAYA: url["b"]},
                jukinet_url=url["jukinet"],
                delivery_interval=0.05,
            ),
            self.ports["hub"],
        )
        for name, code in (("a", CHIYODA), ("b", SETAGAYA)):
            self.servers[name] = start(self._node(name, code), self.ports[name])
        transport = HttpTransport({"hub": url["hub"], "jukinet": url["jukinet"]})
        self.hub = HubClient(transport)
        self.jukinet = JukinetClient(transport)
        self.databases = NodeDatabases()
        self.databases.add("hub", self.own["hub"])
        self.databases.add("lg" + CHIYODA, self.own["a"])
        self.databases.add("lg" + SETAGAYA, self.own["b"])
        self.node_settings = {
            "hub": self.own["hub"],
            "lg" + CHIYODA: self.own["a"],
            "lg" + SETAGAYA: self.own["b"],
        }

    def _node(self, name: str, code: str):  # type: ignore[no-untyped-def]
        return node_server(
            self.own[name],
            lg_code=code,
            hub_url=self.urls["hub"],
            jukinet_url=self.urls["jukinet"],
            sync_interval=3600,
        )

    def node_client(self, lg_code: str) -> NodeClient:
        """The business system's client of its own node (over HTTP, as a vendor's system would call it)."""
        name = "a" if lg_code == CHIYODA else "b"
        return NodeClient(HttpTransport({"lg" + lg_code: self.urls[name]}), lg_code=lg_code)

    def settings(self, node: str) -> Settings:
        return self.node_settings[node]

    def session(self, node: str) -> AbstractContextManager[Session]:
        return self.databases.session(node)

    def deliver(self) -> None:
        """The hub process delivers in its own loop."""

    def set_down(self, lg_code: str, down: bool) -> None:
        name = "a" if lg_code == CHIYODA else "b"
        if down:
            self.servers[name].stop()
        else:
            self.servers[name] = start(self._node(name, lg_code), self.ports[name])
            # the hub backs off 5 s after the failed attempt; the scenario's poll waits for it

    def close(self) -> None:
        for server in self.servers.values():
            server.stop()
        self.databases.close()
        for settings in self.own.values():
            drop_node_databases(settings)


@pytest.fixture
def network(tmp_path: Path, database_template: str) -> Iterator[OverHttp]:
    net = OverHttp(tmp_path, database_template)
    yield net
    net.close()


@pytest.mark.slow
def test_the_same_scenario_over_http_with_each_server_on_its_own_database(network: OverHttp) -> None:
    run_scenario(network)
