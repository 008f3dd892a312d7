"""The web application: app factory, templates, error mapping, and one router module per component."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from renkei.core.settings import Settings
from renkei.runtime import Runtime
from renkei.runtime.relay import RelayLoop
from renkei.runtime.witnessing import Publisher
from renkei.web import errors

# Router modules under renkei.web; each defines `router`.
ROUTER_MODULES = (
    "home",
    "auth",
    "residents",
    "addressee",
    "staff",
    "linkage",
    "governance",
    "jpki",
    "local_use",
    "governance_region",
    "governance_evaluation",
    "governance_training",
    "jukinet",
    "disaster",
    "kiosk",
    "lgwan",
    "cardapps",
)
# マイナポータル, the start page, the national operators' consoles, お知らせ and ぴったりサービス (issue 10).
PORTAL_ROUTER_MODULES = ("portal", "start", "operators", "notices", "pittari", "portal_api")


def create_app(
    settings: Settings, *, runtime: Runtime | None = None, relay_interval: float | None = None
) -> FastAPI:
    """Build the municipal web UI for `settings`; nothing is built at import time (CONVENTIONS §5).

    With `relay_interval`, a background loop relays each municipality's 異動 to the other components that often.
    """
    owned = runtime is None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loop = RelayLoop(app.state.runtime, interval=relay_interval) if relay_interval else None
        publisher = (
            Publisher(app.state.runtime) if relay_interval else None
        )  # records heads to witnesses, 60 s
        if loop is not None:
            loop.start()
        if publisher is not None:
            publisher.start()
        yield
        if publisher is not None:
            publisher.stop()
        if loop is not None:
            loop.stop()
        if owned:
            app.state.runtime.close()

    app = FastAPI(title="renkei", lifespan=lifespan, docs_url="/api/docs", openapi_url="/api/openapi.json")
    app.state.settings = settings
    app.state.runtime = runtime or Runtime(settings)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret("session_secret").hex(),
        session_cookie="renkei_session",
        same_site="strict",
        https_only=False,
    )
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")

    errors.install(app)

    for name in (*ROUTER_MODULES, *PORTAL_ROUTER_MODULES):
        try:
            module = importlib.import_module(f"renkei.web.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"renkei.web.{name}":
                raise
            continue
        app.include_router(module.router)
    return app
