"""地域共同対応 pages: the body's 業務システム inventory, and the regions it coordinates with their cloud plan."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from renkei.core import clock
from renkei.core.errors import Invalid
from renkei.governance import cloud, network
from renkei.governance import region as regions
from renkei.governance import systems as inventory
from renkei.governance.excel.cloud_book import export_plan, export_systems, import_systems
from renkei.governance.gantt import gantt_svg
from renkei.web.deps import get_runtime
from renkei.web.governance import CSRF, XLSX, Admin, Reader, _int, _render, _session

router = APIRouter(prefix="/governance")
Text = Annotated[str, Form()]


def _attachment(data: bytes, media_type: str, name: str) -> Response:
    return Response(
        data, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/systems", response_class=HTMLResponse)
def systems_page(request: Request, *, staff: Reader) -> HTMLResponse:
    with _session(request, staff) as session:
        rows = inventory.list_systems(session)
        return _render(
            request, staff, "systems.html", rows=rows, kinds=inventory.KINDS, customizations=inventory.CUSTOMIZATIONS,
            hostings=inventory.HOSTINGS, zones=network.ZONES, report=None,
        )  # fmt: skip


@router.post("/systems", dependencies=CSRF)
def systems_save(
    request: Request,
    *,
    staff: Admin,
    code: Text,
    business: Text,
    name: Text,
    vendor: Text,
    kind: Text,
    customization: Text,
    contract_end: Text,
    renewal_year: Text,
    annual_cost: Text,
    hosting: Text,
    zone: Text,
    files: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> RedirectResponse:
    try:
        end = dt.date.fromisoformat(contract_end.strip())
    except ValueError:
        raise Invalid(
            f"契約満了日は 2028-03-31 の形で入力してください（入力値: {contract_end!r}）",
            record=code,
            field="契約満了日",
        ) from None
    row = inventory.SystemInput(
        code=code, business=business, name=name, vendor=vendor, kind=kind, customization=customization,
        contract_end=end, renewal_year=_int(renewal_year, field="更新年度"), annual_cost=_int(annual_cost, field="年間経費"),
        hosting=hosting, zone=zone, files=tuple(f for f in files.replace(",", "、").split("、") if f.strip()), note=note,
    )  # fmt: skip
    with _session(request, staff) as session:
        inventory.upsert_system(session, row)
    return RedirectResponse("/governance/systems", status_code=303)


@router.get("/systems.xlsx")
def systems_export(request: Request, *, staff: Reader) -> Response:
    with _session(request, staff) as session:
        data = export_systems(session)
    return _attachment(data, XLSX, f"systems-{staff.lg_code}.xlsx")


@router.post("/systems/import", response_class=HTMLResponse, dependencies=CSRF)
async def systems_import(
    request: Request, *, staff: Admin, file: Annotated[UploadFile, File()]
) -> HTMLResponse:
    data = await file.read()
    with _session(request, staff) as session:
        saved = import_systems(session, data=data, lg_code=staff.lg_code)
    with _session(request, staff) as session:
        rows = inventory.list_systems(session)
        return _render(
            request, staff, "systems.html", rows=rows, kinds=inventory.KINDS, customizations=inventory.CUSTOMIZATIONS,
            hostings=inventory.HOSTINGS, zones=network.ZONES, report=f"{len(saved)}件を取り込みました",
        )  # fmt: skip


@router.get("/region", response_class=HTMLResponse)
def region_list(request: Request, *, staff: Reader) -> HTMLResponse:
    with _session(request, staff) as session:
        rows = regions.list_regions(session)
        return _render(request, staff, "regions.html", rows=rows)


def _plan(request: Request, staff: Reader, code: str) -> cloud.CloudPlan:
    runtime = get_runtime(request)
    with _session(request, staff) as session:
        return cloud.plan(session, code=code, open_member=runtime.municipal_session, today=clock.today())


@router.get("/region/{code}", response_class=HTMLResponse)
def region_page(request: Request, code: str, *, staff: Reader) -> HTMLResponse:
    result = _plan(request, staff, code)
    svg = gantt_svg(result.candidates, title=f"{result.region.name} 工程表")
    return _render(request, staff, "region.html", plan=result, view=result.view, svg=svg)


@router.get("/region/{code}/gantt.svg")
def region_gantt(request: Request, code: str, *, staff: Reader) -> Response:
    result = _plan(request, staff, code)
    return Response(
        gantt_svg(result.candidates, title=f"{result.region.name} 工程表"), media_type="image/svg+xml"
    )


@router.get("/region/{code}/plan.xlsx")
def region_workbook(request: Request, code: str, *, staff: Reader) -> Response:
    return _attachment(export_plan(_plan(request, staff, code)), XLSX, f"cloud-plan-{code}.xlsx")
