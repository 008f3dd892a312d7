"""事務事業評価シート pages: list, create, view, refresh the counted indicators, Excel and PDF out, Excel back in."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from renkei.governance import evaluation as ev
from renkei.governance.evaluation_pdf import evaluation_pdf
from renkei.governance.excel.evaluation_sheet import export_sheet, import_sheet
from renkei.web.governance import CSRF, XLSX, Admin, Reader, _int, _render, _session
from renkei.web.params import FiscalYear

router = APIRouter(prefix="/governance/evaluations")
Text = Annotated[str, Form()]


@router.get("", response_class=HTMLResponse)
def listing(request: Request, *, staff: Reader) -> HTMLResponse:
    with _session(request, staff) as session:
        return _render(request, staff, "evaluations.html", rows=ev.list_evaluations(session))


@router.post("", dependencies=CSRF)
def create(
    request: Request,
    *,
    staff: Admin,
    project_code: Text,
    fiscal_year: Text,
    name: Text,
    first_year: Text = "",
) -> RedirectResponse:
    year = _int(fiscal_year, field="評価年度")
    first = _int(first_year, field="最初の年度") if first_year.strip() else None
    with _session(request, staff) as session:
        sheet = ev.upsert_evaluation(
            session, project_code=project_code, fiscal_year=year, name=name, first_year=first
        )
        path = f"/governance/evaluations/{sheet.project_code}/{sheet.fiscal_year}"
    return RedirectResponse(path, status_code=303)


@router.post("/import", response_class=HTMLResponse, dependencies=CSRF)
async def upload(request: Request, *, staff: Admin, file: Annotated[UploadFile, File()]) -> RedirectResponse:
    data = await file.read()
    with _session(request, staff) as session:
        sheet = import_sheet(session, data=data)
        path = f"/governance/evaluations/{sheet.project_code}/{sheet.fiscal_year}"
    return RedirectResponse(path, status_code=303)


@router.get("/{code}/{year}", response_class=HTMLResponse)
def detail(request: Request, code: str, year: FiscalYear, *, staff: Reader) -> HTMLResponse:
    with _session(request, staff) as session:
        sheet = ev.get_evaluation(session, project_code=code, fiscal_year=year)
        view = ev.view(session, sheet)
        return _render(
            request, staff, "evaluation.html", view=view, labels=[ev.year_label(y, estimate=e) for y, e in zip(view.years, view.estimates, strict=True)],
            environment=ev.ENVIRONMENT_FIELDS, header=ev.HEADER_FIELDS, choices=ev.CHOICES, notes=ev.NOTES,
            sources=ev.SOURCES, staff_rows=ev.STAFF_ROWS,
        )  # fmt: skip


@router.post("/{code}/{year}/refresh", dependencies=CSRF)
def refresh(request: Request, code: str, year: FiscalYear, *, staff: Admin) -> RedirectResponse:
    with _session(request, staff) as session:
        ev.refresh(session, ev.get_evaluation(session, project_code=code, fiscal_year=year))
    return RedirectResponse(f"/governance/evaluations/{code}/{year}", status_code=303)


@router.get("/{code}/{year}/sheet.xlsx")
def workbook(request: Request, code: str, year: FiscalYear, *, staff: Reader) -> Response:
    with _session(request, staff) as session:
        data = export_sheet(session, ev.get_evaluation(session, project_code=code, fiscal_year=year))
    disposition = f'attachment; filename="evaluation-{code}-{year}.xlsx"'
    return Response(data, media_type=XLSX, headers={"Content-Disposition": disposition})


@router.get("/{code}/{year}/sheet.pdf")
def pdf(request: Request, code: str, year: FiscalYear, *, staff: Reader) -> Response:
    with _session(request, staff) as session:
        data = evaluation_pdf(session, ev.get_evaluation(session, project_code=code, fiscal_year=year))
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": 'inline; filename="evaluation.pdf"'},
    )
