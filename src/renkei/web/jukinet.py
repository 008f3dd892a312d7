"""住基ネット pages: 別表第一 and recipients, the 提供状況の開示 for a resident at the window, 人口移動報告.

The window reads the 住民票コード from this municipality's register and asks 全国サーバ over `ProvisionClient`,
as the 都道府県 answers a 開示請求 from the records of 全国サーバ.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from renkei.core import clock
from renkei.protocol.provision import (
    METHOD_LABELS,
    ProvisionClient,
    migration_csv,
    migration_report_of,
    month_range,
)
from renkei.residents import service as residents
from renkei.web.deps import CurrentStaff, get_runtime, require_role
from renkei.web.params import RowId
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
def disclosure(request: Request, staff: Window, resident_id: RowId) -> HTMLResponse:
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


@router.get("/jukinet/migration", response_class=HTMLResponse)
def migration(request: Request, staff: Viewer, month: str = "") -> HTMLResponse:
    """人口移動報告用データ of a month, with this municipality's own count of 転入 beside it."""
    runtime = get_runtime(request)
    month = month or clock.today().strftime("%Y-%m")
    report = migration_report_of(runtime.transport, month)
    start, end = month_range(report.month)
    with runtime.municipal_session(staff.lg_code) as session:
        recorded = residents.changes_recorded(session, kind="move_in", start=start, end=end)
    context = {
        "report": report,
        "own": staff.lg_code,
        "recorded": recorded,
        "reported": report.by_municipality.get(staff.lg_code, 0),
    }
    return templates.TemplateResponse(request, "jukinet/migration.html", context)


@router.get("/jukinet/migration.csv")
def migration_file(request: Request, staff: Viewer, month: str) -> Response:
    report = migration_report_of(get_runtime(request).transport, month)
    return Response(
        migration_csv(report).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="jinko-ido-{report.month}.csv"'},
    )
