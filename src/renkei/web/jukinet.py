"""住基ネット pages: 別表第一 and the registered recipients, and the 提供状況の開示 for a resident at the window.

The window reads the 住民票コード from this municipality's register and asks 全国サーバ over `ProvisionClient`,
as the 都道府県 answers a 開示請求 from the records of 全国サーバ.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from renkei.protocol.provision import METHOD_LABELS, ProvisionClient
from renkei.residents import service as residents
from renkei.web.deps import CurrentStaff, get_runtime, require_role
from renkei.web.templating import templates

router = APIRouter()

Viewer = Annotated[CurrentStaff, Depends(require_role("juki", "admin", "auditor"))]
Window = Annotated[CurrentStaff, Depends(require_role("juki"))]


@router.get("/jukinet", response_class=HTMLResponse)
def overview(request: Request, staff: Viewer) -> HTMLResponse:
    client = ProvisionClient(get_runtime(request).transport)
    context = {"affairs": client.affairs(), "recipients": client.recipients()}
    return templates.TemplateResponse(request, "jukinet/index.html", context)


@router.get("/jukinet/disclosure/{resident_id}", response_class=HTMLResponse)
def disclosure(request: Request, staff: Window, resident_id: int) -> HTMLResponse:
    runtime = get_runtime(request)
    with runtime.municipal_session(staff.lg_code) as session:
        resident = residents.get_resident(session, resident_id=resident_id)
        found = residents.provision_disclosure(
            session,
            resident_id=resident_id,
            provision=ProvisionClient(runtime.transport),
            settings=runtime.settings,
        )
    context = {"r": resident, "disclosure": found, "methods": METHOD_LABELS}
    return templates.TemplateResponse(request, "jukinet/disclosure.html", context)
