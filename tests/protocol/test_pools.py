"""Calls between nodes reuse their mutual-TLS connections: one bounded pool per peer and process, so a TLS
handshake (~7 ms of CPU, decision 0035) is paid once per connection, not once per call."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from renkei.core.errors import NotFound
from renkei.hub import rpc as hub_rpc
from renkei.hub.delivery import route
from renkei.protocol import orgca
from renkei.protocol.api import node_endpoint
from renkei.protocol.http import service_app
from renkei.protocol.hub import HubClient
from renkei.protocol.tls import client_ssl_context
from renkei.protocol.transport import PEER_CONNECTIONS, HttpTransport
from renkei.runtime import Runtime
from renkei.runtime.wire import Wire, ensure_certificate
from tests.jpki.serving import serving


def test_many_calls_to_a_peer_share_a_few_tls_connections(runtime: Runtime, tmp_path: Path) -> None:
    ca = tmp_path / "orgca"
    orgca.init_ca(ca)
    for node in ("hub", "lg131016"):
        ensure_certificate(ca, node)
    wire = Wire.mutual_tls(ca, "hub", refusals=tmp_path / "refusals.jsonl")
    app = service_app(
        "hub",
        [hub_rpc.api(runtime.databases, runtime.settings, runtime.transport)],
        authenticate=wire.authenticate,
    )
    # Each TLS connection is made by one handshake, and the server computes the ASGI TLS extension once per
    # connection (renkei.protocol.tls): counting the distinct extensions counts the handshakes.
    handshakes: Counter[int] = Counter()

    async def counting(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            handshakes[id(scope["extensions"]["tls"])] += 1
        await app(scope, receive, send)

    with serving(counting, **wire.server) as url:
        transport = HttpTransport({"hub": url}, tls=client_ssl_context(ca, "lg131016"))
        hub = HubClient(transport)
        for _ in range(50):
            hub.info()
        assert sum(handshakes.values()) == 50 and len(handshakes) == 1

        with ThreadPoolExecutor(max_workers=8) as pool:  # concurrent callers: at most one connection each
            list(pool.map(lambda _: hub.info(), range(160)))
        assert sum(handshakes.values()) == 210 and len(handshakes) <= 1 + 8 <= PEER_CONNECTIONS
        assert list(transport.pools()) == [url]  # one pool for this peer, shared by every thread

        # The hub's delivery route to a node registered by URL: one transport per peer in the process, so a
        # delivery after another reuses the connection too.
        before = len(handshakes)
        endpoint = node_endpoint(url, "131016")
        first, service = route(endpoint, transport)
        for _ in range(20):
            client, again = route(endpoint, transport)
            assert (client, again) == (first, service)
            with pytest.raises(NotFound):  # this test server has no node: the call still crosses the wire
                client.call(service, "provide", {})
        assert len(handshakes) == before + 1
        transport.close()
