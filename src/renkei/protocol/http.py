"""The server side of the typed service APIs: versioned REST routes per service, one error body, refusals logged.

`service_app(title, apis, authenticate=…)` builds the FastAPI app a `renkei serve` process runs: for each
operation of each `ServiceApi` a ``POST`` route whose body and answer are the operation's Pydantic models, with
the error responses documented, so the OpenAPI document (``/openapi.json``, checked into docs/api/) describes
every call a vendor can make. `authenticate` turns the request (its client certificate) into a `Caller`; a
caller that may not call an operation, or that claims another agency than its certificate, is refused with 403
and the refusal is written to the process's refusal log.
"""

from __future__ import annotations

import datetime as dt
import inspect
import json
import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from renkei.core.errors import Forbidden, Invalid, NotFound, RenkeiError, Unauthenticated
from renkei.protocol.api import API_VERSION, ErrorBody, Operation, ServiceApi, check_caller
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
    )
    install_error_handlers(app)
    nodes = {api.name[2:]: api for api in apis if api.kind == "node"}
    for api in apis:
        if api.kind == "node":
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
    if nodes:

        def resolve(lg_code: str | None) -> ServiceApi:
            api = nodes.get(lg_code or "")
            if api is None:
                raise NotFound(f"団体コード{lg_code}のノードはこのサーバーにありません", record=lg_code)
            return api

        template = next(iter(nodes.values()))
        for op in template.operations.values():
            app.add_api_route(
                f"/node/{API_VERSION}/{{lg_code}}{op.path}",
                _endpoint(op, resolve, authenticate=authenticate, on_refusal=on_refusal, node=True),
                methods=["POST"],
                response_model=op.response,
                responses=ERROR_RESPONSES,
                summary=op.summary,
                description=_callers_text(op),
                tags=["node"],
                operation_id=f"node_{op.name}",
            )

    services = sorted(api.name for api in apis)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, object]:
        return {"status": "ok", "services": services}

    return app


def _fixed(api: ServiceApi) -> Callable[[str | None], ServiceApi]:
    return lambda _lg_code: api


def _callers_text(op: Operation[Any, Any]) -> str:
    return f"呼出元 (caller roles): {', '.join(sorted(op.callers))}"
