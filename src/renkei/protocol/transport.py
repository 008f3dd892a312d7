"""Transports: the same calls in one process (in-memory, JSON round-tripped) or between processes over HTTPS.

A service is addressed by name (`jukinet`, `hub`, `jpki`, `lg131016` …) and answers operations with JSON
objects. Domain errors cross the wire as `{"error", "message", "record", "field"}` and are raised again on the
caller's side as the same class, so callers handle one hierarchy whatever the transport.
"""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import httpx
import orjson

from renkei.core import errors
from renkei.protocol.api import operation_url

Body = dict[str, Any]
Dispatcher = Callable[[str, Body], Body]

_ERRORS: dict[str, type[errors.RenkeiError]] = {
    cls.code: cls
    for cls in (
        errors.Invalid,
        errors.NotFound,
        errors.Conflict,
        errors.Forbidden,
        errors.Unauthenticated,
        errors.Unavailable,
        errors.RenkeiError,
    )
}


def error_from_wire(payload: Mapping[str, Any]) -> errors.RenkeiError:
    cls = _ERRORS.get(str(payload.get("error")), errors.RenkeiError)
    return cls(str(payload.get("message", "")), record=payload.get("record"), field=payload.get("field"))


# Dates, datetimes and dataclasses go through `default=str` exactly as with the json module, so the answer
# is the same whichever encoder ran; orjson is only several times faster on the large batches of 付番.
# One difference remains: a NaN or infinite float arrives as null (json would send the non-standard NaN).
_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_NON_STR_KEYS


def _roundtrip(body: Mapping[str, Any]) -> Body:
    try:
        loaded: Body = orjson.loads(orjson.dumps(body, default=str, option=_ORJSON_OPTIONS))
    except orjson.JSONEncodeError:
        # What orjson refuses and json accepts (integers beyond 64 bits): the reference encoder decides.
        loaded = json.loads(json.dumps(body, ensure_ascii=False, default=str))
    return loaded


class Transport(Protocol):
    def call(self, service: str, operation: str, body: Mapping[str, Any]) -> Body: ...


class InProcessTransport:
    """Dispatches to services mounted in this process; bodies are JSON round-tripped as on the wire."""

    def __init__(self) -> None:
        self._services: dict[str, Dispatcher] = {}
        self._down: set[str] = set()
        self._lock = threading.Lock()

    def mount(self, service: str, dispatcher: Dispatcher) -> None:
        with self._lock:
            self._services[service] = dispatcher

    def services(self) -> list[str]:
        return sorted(self._services)

    def set_down(self, service: str, down: bool = True) -> None:
        """Simulate a node that cannot be reached (for retry tests and the demo)."""
        with self._lock:
            (self._down.add if down else self._down.discard)(service)

    def call(self, service: str, operation: str, body: Mapping[str, Any]) -> Body:
        dispatcher = self._services.get(service)
        if dispatcher is None or service in self._down:
            raise errors.Unavailable(f"接続先に到達できません: {service}", record=service)
        try:
            answer = dispatcher(operation, _roundtrip(body))
        except errors.RenkeiError as exc:
            raise error_from_wire(_roundtrip(exc.as_dict())) from None
        return _roundtrip(answer)


# Connections kept per peer: a node calls a handful of peers, the hub one per provider node. A new mutual-TLS
# connection costs ~7 ms of CPU at each end (decision 0035), so every connection made is kept for reuse; the bound
# keeps a busy process from opening more than PEER_CONNECTIONS to one peer (further calls wait for a free one).
PEER_CONNECTIONS = 32
# Seconds a client keeps an idle connection: shorter than the servers' (`tls.SERVER_KEEPALIVE`), so a client
# never sends on a connection the server is closing (a request lost to that race reads as an unreachable peer).
KEEPALIVE_EXPIRY = 10.0


class HttpTransport:
    """POSTs each operation to its versioned REST route (`renkei.protocol.api.operation_url`) on the server
    configured for the service, over a keep-alive connection pool of its own per peer (base URL), bounded by
    PEER_CONNECTIONS; with `tls` (an `ssl.SSLContext` that trusts the organisation CA and presents this node's
    certificate) over mutual TLS. One transport per process and peer set: it is thread-safe."""

    def __init__(
        self,
        endpoints: Mapping[str, str],
        *,
        client: httpx.Client | None = None,
        timeout: float = 30.0,
        tls: ssl.SSLContext | None = None,
        connections: int = PEER_CONNECTIONS,
    ) -> None:
        self._endpoints = dict(endpoints)
        self.tls = tls
        self._timeout = timeout
        self._connections = connections
        self._given = client  # a test's client (e.g. Starlette's TestClient) stands for every peer
        self._clients: dict[str, httpx.Client] = {}
        self._lock = threading.Lock()

    def _client(self, base: str) -> httpx.Client:
        if self._given is not None:
            return self._given
        base = base.rstrip("/")
        client = self._clients.get(base)
        if client is None:
            with self._lock:
                client = self._clients.get(base)
                if client is None:
                    client = self._clients[base] = httpx.Client(
                        timeout=self._timeout,
                        verify=self.tls if self.tls is not None else True,
                        limits=httpx.Limits(
                            max_keepalive_connections=self._connections,
                            max_connections=self._connections,
                            keepalive_expiry=KEEPALIVE_EXPIRY,
                        ),
                    )
        return client

    def pools(self) -> dict[str, httpx.Client]:
        """The connection pool of each peer reached so far (base URL → client)."""
        with self._lock:
            return dict(self._clients)

    def add_endpoint(self, service: str, base_url: str) -> None:
        self._endpoints[service] = base_url

    def call(self, service: str, operation: str, body: Mapping[str, Any]) -> Body:
        base = self._endpoints.get(service)
        if base is None:
            raise errors.Unavailable(f"接続先が設定されていません: {service}", record=service)
        try:
            response = self._client(base).post(
                operation_url(base, service, operation),
                content=orjson.dumps(body, default=str, option=_ORJSON_OPTIONS),
                headers={"content-type": "application/json"},
            )
        except httpx.HTTPError as exc:
            raise errors.Unavailable(
                f"接続先に到達できません: {service} ({exc.__class__.__name__})", record=service
            ) from exc
        try:
            payload = response.json() if response.content else {}
        except ValueError:
            payload = None
        if response.status_code >= 400:
            if isinstance(payload, dict) and "error" in payload:
                raise error_from_wire(payload)
            raise errors.Unavailable(f"接続先がエラーを返しました: {service} HTTP {response.status_code}")
        if not isinstance(payload, dict):
            raise errors.Invalid("応答がJSONオブジェクトではありません", record=service)
        return payload

    def close(self) -> None:
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            client.close()
        if self._given is not None:
            self._given.close()
