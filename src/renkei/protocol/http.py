"""The server side of the typed service APIs: versioned REST routes per service, one error body, refusals logged.

`service_app(title, apis, authenticate=…)` builds the FastAPI app a `renkei serve` process runs: for each
operation of each `ServiceApi` a ``POST`` route whose body and answer are the operation's Pydantic models, with
the error responses documented, so the OpenAPI document (``/openapi.json``, checked into docs/api/) describes
every call a vendor can make. `authenticate` turns the request (its client certificate) into a `Caller`; a
caller that may not call an operation, or that claims another agency than its certificate, is refused with 403
and the refusal is written to the process's refusal log.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import inspect
import json
import logging
import re
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any

import anyio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from renkei.core.errors import Forbidden, Invalid, NotFound, RenkeiError, Unauthenticated
from renkei.protocol.api import (
    API_VERSION,
    MUNICIPAL_KINDS,
    ErrorBody,
    Operation,
    ServiceApi,
    check_caller,
    municipal_service,
)
from renkei.protocol.identity import Caller

Authenticate = Callable[[Request], Caller]
OnRefusal = Callable[[Request, "Caller | None", str, RenkeiError], None]

log = logging.getLogger("renkei.wire")

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "クライアント証明書がない、または読めない (unauthenticated)"},
    403: {"model": ErrorBody, "description": "呼出元に許可されていない、または証明書と要求の機関が不一致"},
    404: {"model": ErrorBody, "description": "対象が存在しない (not_found)"},
    409: {"model": ErrorBody, "description": "登録済みの内容と矛盾する (conflict)"},
    422: {"model": ErrorBody, "description": "電文の形式が不正 (invalid): field が項目を示す"},
    413: {"model": ErrorBody, "description": "要求が大きすぎる (1 MB、一括の操作は 10 MB まで)"},
    503: {"model": ErrorBody, "description": "接続先に到達できない (unavailable): 再試行できる"},
}


def trust_in_process(_request: Request) -> Caller:
    """For apps served inside one test process without TLS: every caller is the embedded one."""
    return Caller.embedded()


class RefusalLog:
    """Appends one JSON line per refused call (who, what, why) to a file: the process's record of refusals."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def __call__(self, request: Request, caller: Caller | None, operation: str, error: RenkeiError) -> None:
        entry = {
            "at": dt.datetime.now(dt.UTC).isoformat(),
            "peer": request.client.host if request.client else None,
            "operation": operation,
            "path": request.url.path,
            "caller": None
            if caller is None
            else {
                "agency_code": caller.agency_code,
                "role": caller.role,
                "node": caller.node,
                "lg_code": caller.lg_code,
                "serial": caller.serial,
            },
            "error": error.code,
            "message": error.message,
        }
        line = json.dumps(entry, ensure_ascii=False)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as out:
                out.write(line + "\n")
        log.warning("refused %s: %s", operation, error.message)

    def entries(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line]


def _field_of(loc: Sequence[Any]) -> str | None:
    parts = [str(p) for p in loc if p not in ("body", "path", "query")]
    return ".".join(parts) or None


def install_error_handlers(app: FastAPI) -> None:
    """One JSON error body for every failure; never an HTML page or a bare 500 with a traceback."""

    @app.exception_handler(RenkeiError)
    async def domain_error(_request: Request, exc: RenkeiError) -> Response:
        return JSONResponse(exc.as_dict(), status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def invalid_body(_request: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        first = errors[0] if errors else {"loc": (), "msg": "不正な要求です"}
        error = Invalid(f"電文の形式が不正です: {first.get('msg')}", field=_field_of(first.get("loc", ())))
        return JSONResponse(error.as_dict(), status_code=422)

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> Response:
        # Never a traceback or the request's content in the answer: the log has the exception for operators.
        log.error("unexpected %s while answering", exc.__class__.__name__, exc_info=exc)
        body = RenkeiError("内部エラーが発生しました（運用者にお問い合わせください）").as_dict()
        return JSONResponse({**body, "error": "internal"}, status_code=500)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> Response:
        error: RenkeiError = (
            NotFound("そのような操作はありません")
            if exc.status_code == 404
            else RenkeiError(str(exc.detail) or "要求を処理できません")
        )
        body = {
            **error.as_dict(),
            "error": error.code if exc.status_code == 404 else f"http_{exc.status_code}",
        }
        return JSONResponse(body, status_code=exc.status_code)


# Operations that carry a whole batch (bulk queries, 付番 chunks, pushed results) may send up to 10 MB; any other
# request body is at most 1 MB. JSON deeper than MAX_DEPTH is refused before it is parsed.
BULK_OPERATIONS = frozenset(
    {
        "query-bulk",
        "submit-queries",
        "provide-batch",
        "accept-results",
        "register-persons",
        "report-changes",
        "issue-acquisition-numbers",
        "resolve-acquisition-numbers",
        "acquire-signs",
    }
)
BODY_LIMIT = 1 << 20
BULK_BODY_LIMIT = 10 << 20
MAX_DEPTH = 32
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def json_depth(body: bytes) -> int:
    """How deeply a JSON text nests arrays and objects (strings skipped), without parsing it."""
    brackets = _STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    depth = deepest = 0
    for byte in brackets:
        depth += 1 if byte in (0x5B, 0x7B) else -1
        deepest = max(deepest, depth)
    return deepest


class BodyLimits:
    """ASGI middleware: 413 for a body over its limit (declared or sent), 422 for JSON nested too deeply."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        limit = BULK_BODY_LIMIT if scope.get("path", "").rsplit("/", 1)[-1] in BULK_OPERATIONS else BODY_LIMIT
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _reject(send, 413, f"要求が大きすぎます（上限 {limit // (1 << 20)} MB）", "body")
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _reject(send, 413, f"要求が大きすぎます（上限 {limit // (1 << 20)} MB）", "body")
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if json_depth(body) > MAX_DEPTH:
            await _reject(send, 422, f"JSONの入れ子が深すぎます（上限 {MAX_DEPTH} 段）", "body")
            return
        sent = False

        async def replay() -> Any:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


async def _reject(send: Any, status: int, message: str, field: str) -> None:
    error = RenkeiError(message, field=field)
    payload = json.dumps({**error.as_dict(), "error": "invalid" if status == 422 else "too_large"}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


def _endpoint(
    op: Operation[Any, Any],
    resolve: Callable[[str | None], ServiceApi],
    *,
    authenticate: Authenticate,
    on_refusal: OnRefusal | None,
    node: bool,
) -> Callable[..., Response]:
    def endpoint(request: Request, body: Any, lg_code: str | None = None) -> Response:
        caller: Caller | None = None
        try:
            caller = authenticate(request)
            api = resolve(lg_code)
            own = api.get(op.name)  # a node's handlers are bound to its municipality
            check_caller(own, caller, service=api.name)
            answer = own.handler(body, caller)
        except (Forbidden, Unauthenticated) as exc:
            if on_refusal is not None:
                on_refusal(request, caller, op.name, exc)
            raise
        return Response(answer.model_dump_json(), media_type="application/json")

    params = [
        inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request),
        inspect.Parameter("body", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=op.request),
    ]
    if node:
        params.append(inspect.Parameter("lg_code", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=str))
    endpoint.__signature__ = inspect.Signature(params, return_annotation=op.response)  # type: ignore[attr-defined]
    endpoint.__name__ = op.name
    return endpoint


# Operations run in server threads; a long poll holds one while it waits (at most 64 per node, see
# `renkei.intermediate.rpc.Arrivals`), so the pool is larger than anyio's 40 to leave room for everything else.
SERVER_THREADS = 160


@contextlib.asynccontextmanager
async def _threads(_app: FastAPI) -> AsyncIterator[None]:
    anyio.to_thread.current_default_thread_limiter().total_tokens = SERVER_THREADS
    yield


def service_app(
    title: str,
    apis: Sequence[ServiceApi],
    *,
    authenticate: Authenticate,
    on_refusal: OnRefusal | None = None,
    description: str = "",
) -> FastAPI:
    """The app of one `renkei serve` process: the REST routes of `apis`, /healthz and /openapi.json."""
    app = FastAPI(
        title=title,
        version=API_VERSION,
        description=description,
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=_threads,
    )
    install_error_handlers(app)
    app.add_middleware(BodyLimits)
    add_service_routes(app, apis, authenticate=authenticate, on_refusal=on_refusal)
    services = sorted(api.name for api in apis)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, object]:
        return {"status": "ok", "services": services}

    return app


def add_service_routes(
    app: FastAPI,
    apis: Sequence[ServiceApi],
    *,
    authenticate: Authenticate,
    on_refusal: OnRefusal | None = None,
) -> None:
    """The REST routes of `apis` on an existing app (a served UI that also answers protocol calls)."""
    municipal: dict[str, dict[str, ServiceApi]] = {}
    for api in apis:
        if api.kind in MUNICIPAL_KINDS:
            found = municipal_service(api.name)
            assert found is not None, api.name
            municipal.setdefault(api.kind, {})[found[1]] = api
            continue
        for op in api.operations.values():
            app.add_api_route(
                f"/{api.kind}/{API_VERSION}{op.path}",
                _endpoint(op, _fixed(api), authenticate=authenticate, on_refusal=on_refusal, node=False),
                methods=["POST"],
                response_model=op.response,
                responses=ERROR_RESPONSES,
                summary=op.summary,
                description=_callers_text(op),
                tags=[api.kind],
                operation_id=f"{api.kind}_{op.name}",
            )
    for kind, by_lg in municipal.items():
        template = next(iter(by_lg.values()))
        for op in template.operations.values():
            app.add_api_route(
                f"/{kind}/{API_VERSION}/{{lg_code}}{op.path}",
                _endpoint(
                    op, _resolver(kind, by_lg), authenticate=authenticate, on_refusal=on_refusal, node=True
                ),
                methods=["POST"],
                response_model=op.response,
                responses=ERROR_RESPONSES,
                summary=op.summary,
                description=_callers_text(op),
                tags=[kind],
                operation_id=f"{kind}_{op.name}",
            )


def _resolver(kind: str, by_lg: dict[str, ServiceApi]) -> Callable[[str | None], ServiceApi]:
    label = "ノード" if kind == "node" else "証明書発行サーバ"

    def resolve(lg_code: str | None) -> ServiceApi:
        api = by_lg.get(lg_code or "")
        if api is None:
            raise NotFound(f"団体コード{lg_code}の{label}はこのサーバーにありません", record=lg_code)
        return api

    return resolve


def _fixed(api: ServiceApi) -> Callable[[str | None], ServiceApi]:
    return lambda _lg_code: api


def _callers_text(op: Operation[Any, Any]) -> str:
    return f"呼出元 (caller roles): {', '.join(sorted(op.callers))}"
