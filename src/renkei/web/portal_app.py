"""The app `renkei serve portal` runs: the portal's pages for residents and its protocol operations, alone."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from renkei.core.errors import RenkeiError
from renkei.portal.rpc import dispatcher
from renkei.protocol.http import rpc_router
from renkei.protocol.portal import PORTAL_SERVICE
from renkei.runtime import Runtime
from renkei.web import portal
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
        if request.url.path.startswith(("/api/", "/rpc/")):
            return JSONResponse(exc.as_dict(), status_code=exc.status_code)
        return templates.TemplateResponse(request, "error.html", {"error": exc}, status_code=exc.status_code)

    @app.get("/")
    def root() -> Response:
        return RedirectResponse("/portal", status_code=303)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok", "service": PORTAL_SERVICE}

    app.include_router(portal.router)
    app.include_router(
        rpc_router({PORTAL_SERVICE: dispatcher(runtime.databases, runtime.settings, runtime.transport)})
    )
    return app
