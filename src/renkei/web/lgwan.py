"""The LGWAN-ASP registry as municipal staff see it: registered services, their review and status (read only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from renkei.protocol.lgwan import STATUSES, LgwanRegistry
from renkei.web.deps import CurrentStaff, get_runtime, require_role
from renkei.web.templating import templates

router = APIRouter()

Viewer = Annotated[CurrentStaff, Depends(require_role("admin", "auditor"))]


@router.get("/lgwan", response_class=HTMLResponse)
def registry(request: Request, staff: Viewer, status: str = "") -> HTMLResponse:
    services = LgwanRegistry(get_runtime(request).transport).services(status or None)
    return templates.TemplateResponse(
        request, "lgwan/index.html", {"services": services, "statuses": STATUSES, "status": status}
    )
