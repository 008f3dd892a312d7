"""Typed service APIs: every protocol operation with its request and response models and the callers it allows.

One `ServiceApi` per service (hub, jukinet, jpki, portal, a municipality's node) is both the in-process
dispatcher (`api(operation, body)`, the embedded default) and, through `renkei.protocol.http.service_router`,
the versioned REST routes a `renkei serve` process publishes with their OpenAPI document. The handler is the
same in both, so the one-process default and the federation have the same semantics; only the caller differs
(the trusted `Caller.embedded()` in one process, the identity of the organisation certificate between them).

Paths: ``POST /{kind}/v1/{operation}`` for national services (``/hub/v1/submit-query``), and
``POST /{kind}/v1/{lg_code}/{operation}`` for the services every municipality runs — its node
(``/node/v1/131016/provide``, service ``lg131016``) and its 証明書発行サーバ (``/certificates/v1/131016/…``,
service ``lg131016-certificates``) — so one process may serve many municipalities.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from renkei.core.errors import Forbidden, Invalid, NotFound
from renkei.protocol.identity import Caller

Body = dict[str, Any]
Req = TypeVar("Req", bound=BaseModel)
Resp = TypeVar("Resp", bound=BaseModel)

API_VERSION = "v1"
# A municipality's services: "lg131016" (its node) and "lg131016-certificates" (its 証明書発行サーバ).
_MUNICIPAL = re.compile(r"lg(\d{6})(?:-(certificates))?")
MUNICIPAL_KINDS = ("node", "certificates")


class ErrorBody(BaseModel):
    """Every error any service answers, with its HTTP status (422 invalid, 403 forbidden, 404 …)."""

    error: str
    message: str
    record: str | None = None
    field: str | None = None


class Empty(BaseModel):
    """A request or answer without fields."""

    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class Operation(Generic[Req, Resp]):
    """One operation: its models, its handler, and the caller roles allowed to call it over the wire."""

    name: str
    request: type[Req]
    response: type[Resp]
    handler: Callable[[Req, Caller], Resp]
    callers: frozenset[str]
    summary: str = ""

    @property
    def path(self) -> str:
        return "/" + self.name.replace("_", "-")

    def allows(self, caller: Caller) -> bool:
        return caller.is_embedded or caller.role in self.callers


def operation(
    name: str,
    request: type[Req],
    response: type[Resp],
    *,
    callers: Iterable[str],
    summary: str = "",
) -> Callable[[Callable[[Req, Caller], Resp]], Operation[Req, Resp]]:
    """Decorator form: ``@operation("submit_query", QueryRequest, QueryAccepted, callers={"municipality"})``."""

    def wrap(handler: Callable[[Req, Caller], Resp]) -> Operation[Req, Resp]:
        lines = (handler.__doc__ or "").strip().splitlines()
        text = summary or (lines[0] if lines else name)
        return Operation(name, request, response, handler, frozenset(callers), text)

    return wrap


def parse(model: type[Req], body: Mapping[str, Any]) -> Req:
    """A message from the wire, or `Invalid` naming the first bad field."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = [str(part) for part in first["loc"]]
        where = ".".join(loc) or None
        if any(isinstance(part, int) for part in first["loc"]):
            # An item of a batch: the field is the list, the record says which item and which of its fields.
            raise Invalid(f"電文の形式が不正です: {first['msg']}", record=where, field=loc[0]) from None
        raise Invalid(f"電文の形式が不正です: {first['msg']}", field=where) from None


@dataclass
class ServiceApi:
    """The operations of one service; callable as the in-process dispatcher of `InProcessTransport`."""

    name: str  # "hub", "jukinet", "jpki", "portal", "lgwan" or a municipality's "lg131016[-certificates]"
    kind: str  # the path's first segment: "hub", "jukinet", "jpki", "portal", "lgwan", "node", "certificates"
    title: str
    operations: dict[str, Operation[Any, Any]] = field(default_factory=dict)

    def add(self, *ops: Operation[Any, Any]) -> ServiceApi:
        for op in ops:
            if op.name in self.operations:
                raise ValueError(f"operation {op.name} defined twice in {self.name}")
            self.operations[op.name] = op
        return self

    def get(self, operation: str) -> Operation[Any, Any]:
        op = self.operations.get(operation)
        if op is None:
            raise NotFound(f"不明な操作です: {self.name}/{operation}", record=operation)
        return op

    def dispatch(self, operation: str, body: Mapping[str, Any], caller: Caller) -> Body:
        op = self.get(operation)
        check_caller(op, caller, service=self.name)
        answer = op.handler(parse(op.request, body), caller)
        dumped: Body = answer.model_dump(mode="json")
        return dumped

    def __call__(self, operation: str, body: Body) -> Body:
        return self.dispatch(operation, body, Caller.embedded())


def check_caller(op: Operation[Any, Any], caller: Caller, *, service: str) -> None:
    if not op.allows(caller):
        raise Forbidden(
            f"{caller.describe()} は {service}/{op.name} を呼び出せません（許可された呼出元: "
            f"{', '.join(sorted(op.callers)) or 'なし'}）",
            record=op.name,
            field="caller",
        )


def municipal_service(service: str) -> tuple[str, str] | None:
    """(kind, 団体コード) of a municipality's service name, or None for a national service."""
    found = _MUNICIPAL.fullmatch(service)
    return None if found is None else (found[2] or "node", found[1])


def operation_url(base: str, service: str, operation: str) -> str:
    """Where an operation of a service lives under a server's base URL (see the module docstring)."""
    base = base.rstrip("/")
    path = "/" + operation.replace("_", "-")
    municipal = municipal_service(service)
    if municipal:
        return f"{base}/{municipal[0]}/{API_VERSION}/{municipal[1]}{path}"
    return f"{base}/{service}/{API_VERSION}{path}"


def node_endpoint(base: str, lg_code: str) -> str:
    """The endpoint a municipality registers with the hub when its node runs in another process."""
    return f"{base.rstrip('/')}/node/{API_VERSION}/{lg_code}"


def split_endpoint(endpoint: str) -> tuple[str, str] | None:
    """(base URL, service) of a registered node endpoint URL, or None for a service name in this process."""
    if not endpoint.startswith(("http://", "https://")):
        return None
    match = re.fullmatch(rf"(https?://.+?)/node/{API_VERSION}/(\d{{6}})/?", endpoint)
    if match is None:
        raise Invalid(f"接続先URLの形式が不正です: {endpoint}", field="endpoint")
    return match[1], "lg" + match[2]
