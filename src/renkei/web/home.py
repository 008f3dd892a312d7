"""The front page: what this renkei instance runs, with links to each component."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from renkei.web.templating import templates

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "home.html", {})


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}
