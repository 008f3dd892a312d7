"""The app `renkei serve portal` runs: the portal's pages for residents and its protocol operations, alone."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from renkei.core.errors import RenkeiError, Unauthenticated
from renkei.portal.rpc import api as portal_rpc
from renkei.protocol.http import add_service_routes
from renkei.protocol.identity import Caller
from renkei.protocol.portal import PORTAL_SERVICE
from renkei.runtime import Runtime
from renkei.web import portal, portal_api
from renkei.web.templating import templates


def create_portal_app(runtime: Runtime) -> FastAPI:
    app = FastAPI(title="renkei マイナポータル", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = runtime.settings
    app.state.runtime = runtime
    app.add_middleware(
        SessionMiddleware,
        secret_key=runtime.settings.secret("session_secret").hex(),
        session_cookie="renkei_portal_session",
        same_site="strict",
        https_only=False,
    )
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")

    @app.exception_handler(RenkeiError)
    async def domain_error(request: Request, exc: RenkeiError) -> Response:
        if request.url.path.startswith(("/api/", "/rpc/", f"/{PORTAL_SERVICE}/v1/")):
            return JSONResponse(exc.as_dict(), status_code=exc.status_code)
        return templates.TemplateResponse(request, "error.html", {"error": exc}, status_code=exc.status_code)

    @app.get("/")
    def root() -> Response:
        return RedirectResponse("/portal", status_code=303)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok", "service": PORTAL_SERVICE}

    app.include_router(portal.router)
    app.include_router(portal_api.router)
    # The protocol operations on this browser-facing port answer nobody: residents reach the pages without an
    # organisation certificate, and the portal's peers call its API on its own mutual-TLS port
    # (`renkei serve portal --peer-port`, renkei.cli.serve_portal); in one process they are called in memory.
    add_service_routes(
        app,
        [portal_rpc(runtime.databases, runtime.settings, runtime.transport)],
        authenticate=_no_peer_here,
    )
    return app


def _no_peer_here(_request: Request) -> Caller:
    raise Unauthenticated(
        "このポートは住民向けです。機関間の呼出しは相互TLSの機関間APIポート（--peer-port）で受け付けます",
        field="client_certificate",
    )
