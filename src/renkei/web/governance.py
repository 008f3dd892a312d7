"""安全管理措置 pages: 情報政策課 (admin) keeps the tables, 監査 (auditor) reads them; both download the workbook."""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractContextManager
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from renkei.core import clock, wareki
from renkei.core.errors import BatchRejected, Invalid
from renkei.governance import (
    discrepancies,
    incidents,
    indicators,
    issues,
    network,
    overview,
    pia,
    register,
    scales,
    training,
)
from renkei.governance.excel.importer import import_workbook, network_inventory_from_workbook
from renkei.governance.excel.sheets import circled
from renkei.governance.excel.workbook import export_workbook
from renkei.governance.pdf import risk_analysis_pdf
from renkei.web.deps import CurrentStaff, check_csrf, get_runtime, require_role
from renkei.web.params import RowId
from renkei.web.templating import templates

router = APIRouter(prefix="/governance")

# The tables are 情報政策課's to keep; 監査 reads them (and downloads them) but changes nothing.
Admin = Annotated[CurrentStaff, Depends(require_role("admin"))]
Reader = Annotated[CurrentStaff, Depends(require_role("admin", "auditor"))]
CSRF = [Depends(check_csrf)]
Text = Annotated[str, Form()]
OptText = Annotated[str, Form()]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _render(
    request: Request, staff: CurrentStaff, name: str, status_code: int = 200, **context: Any
) -> HTMLResponse:
    context.update(staff=staff, can_edit=staff.has_role("admin"), today=clock.today())
    return templates.TemplateResponse(request, f"governance/{name}", context, status_code=status_code)


def _back(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _date(value: str, *, field: str) -> dt.date | None:
    text = value.strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return wareki.parse_wareki(text) if text else None


def _int(value: str, *, field: str) -> int:
    text = value.strip().replace(",", "")
    if not text.lstrip("-").isdigit():
        raise Invalid(f"{field}は整数で入力してください（入力値: {value!r}）", field=field)
    return int(text)


def _session(request: Request, staff: CurrentStaff) -> AbstractContextManager[Session]:
    """The staff member's own municipality's node: governance tables are per body."""
    return get_runtime(request).municipal_session(staff.lg_code)


# -- overview, workbook, PDF -------------------------------------------------------------------------------------
@router.get("", response_class=HTMLResponse)
def index(request: Request, *, staff: Reader) -> HTMLResponse:
    with _session(request, staff) as session:
        summary = overview.overview(session)
    return _render(request, staff, "index.html", summary=summary, errors=[], report=None)


@router.get("/export.xlsx")
def export(request: Request, *, staff: Reader) -> Response:
    with _session(request, staff) as session:
        data = export_workbook(session)
    name = f"governance-{staff.lg_code}-{clock.today().isoformat()}.xlsx"
    return Response(data, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/risk.pdf")
def risk_pdf(request: Request, *, staff: Reader) -> Response:
    with _session(request, staff) as session:
        data = risk_analysis_pdf(session, body_name=str(request.session.get("staff_lg_name", "")))
    return Response(
        data, media_type="application/pdf", headers={"Content-Disposition": 'inline; filename="risk.pdf"'}
    )


@router.post("/import", response_class=HTMLResponse, dependencies=CSRF)
async def import_(request: Request, *, staff: Admin, file: Annotated[UploadFile, File()]) -> HTMLResponse:
    data = await file.read()
    try:
        with _session(request, staff) as session:
            report = import_workbook(session, data=data, filename=file.filename or "")
            lines = report.lines()
    except BatchRejected as rejected:
        with _session(request, staff) as session:
            summary = overview.overview(session)
        return _render(
            request, staff, "index.html", 422, summary=summary, errors=rejected.errors, report=None
        )
    with _session(request, staff) as session:
        summary = overview.overview(session)
    return _render(request, staff, "index.html", summary=summary, errors=[], report=lines)


# -- 事務 and 進捗管理 -----------------------------------------------------------------------------------------------
@router.get("/jimu", response_class=HTMLResponse)
def jimu_list(request: Request, *, staff: Reader) -> HTMLResponse:
    with _session(request, staff) as session:
        rows = register.list_jimu(session)
        return _render(request, staff, "jimu.html", rows=rows, columns=scales.PROGRESS_COLUMNS,
                       marks=scales.PROGRESS_MARKS, kinds=register.JIMU_KINDS)  # fmt: skip


@router.post("/jimu", dependencies=CSRF)
async def jimu_save(request: Request, *, staff: Admin) -> RedirectResponse:
    form = await request.form()
    progress = {column: str(form.get(column, "×")) for column, _ in scales.PROGRESS_COLUMNS}
    with _session(request, staff) as session:
        register.upsert_jimu(
            session,
            name=str(form.get("name", "")),
            kind=str(form.get("kind", "別表第一")),
            basis=str(form.get("basis", "")),
            department=str(form.get("department", "")),
            progress=progress,
        )
    return _back("/governance/jimu")


@router.get("/jimu/{jimu_id}", response_class=HTMLResponse)
def jimu_detail(request: Request, *, staff: Reader, jimu_id: RowId) -> HTMLResponse:
    with _session(request, staff) as session:
        jimu = register.get_jimu_by_id(session, jimu_id=jimu_id)
        assets = register.list_assets(session, jimu_id=jimu_id)
        risks = register.list_risks(session, jimu_id=jimu_id)
        return _render(
            request, staff, "jimu_detail.html", jimu=jimu, assets=assets, risks=risks,
            heat=register.heat_map(risks), stages=scales.STAGES, media=scales.MEDIA,
            threat_classes=scales.THREAT_CLASSES, vulnerability_classes=scales.VULNERABILITY_CLASSES,
            format_measures=scales.format_measures,
        )  # fmt: skip


@router.post("/jimu/{jimu_id}/assets", dependencies=CSRF)
def asset_save(
    request: Request, *, staff: Admin, jimu_id: RowId, code: Text, name: Text, medium: Text, stage: Text,
    confidentiality: Text, integrity: Text, availability: Text, handling: OptText = "", procedure: OptText = "",
    function: OptText = "", responsible: OptText = "", responsible_task: OptText = "", handler: OptText = "",
    handler_task: OptText = "", note: OptText = "",
) -> RedirectResponse:  # fmt: skip
    with _session(request, staff) as session:
        jimu = register.get_jimu_by_id(session, jimu_id=jimu_id)
        register.upsert_asset(
            session, code=code, jimu=jimu.name, name=name, medium=medium, stage=stage,
            confidentiality=confidentiality, integrity=integrity, availability=availability,  # type: ignore[arg-type]
            handling=handling, procedure=procedure, function=function, responsible=responsible,
            responsible_task=responsible_task, handler=handler, handler_task=handler_task, note=note,
        )  # fmt: skip
    return _back(f"/governance/jimu/{jimu_id}")


@router.post("/jimu/{jimu_id}/risks", dependencies=CSRF)
def risk_save(
    request: Request, *, staff: Admin, jimu_id: RowId, asset_code: Text, vulnerability_rating: Text,
    threat_rating: Text, vulnerability: OptText = "", threat: OptText = "", function: OptText = "",
    measures: OptText = "", residual_risk: OptText = "",
) -> RedirectResponse:  # fmt: skip
    with _session(request, staff) as session:
        register.upsert_risk(
            session, asset_code=asset_code, vulnerability_rating=vulnerability_rating,  # type: ignore[arg-type]
            threat_rating=threat_rating, vulnerability=vulnerability, threat=threat,  # type: ignore[arg-type]
            function=function, measures=scales.parse_measures(measures, record=asset_code),
            residual_risk=residual_risk,
        )  # fmt: skip
    return _back(f"/governance/jimu/{jimu_id}")


@router.post("/risks/{code}/accept", dependencies=CSRF)
def risk_accept(request: Request, *, staff: Admin, code: str) -> RedirectResponse:
    with _session(request, staff) as session:
        risk = register.accept_risk(session, asset_code=code, accepted_by=staff.name)
        jimu_id = risk.asset.jimu_id
    return _back(f"/governance/jimu/{jimu_id}")


@router.get("/discrepancies", response_class=HTMLResponse)
def discrepancies_page(request: Request, *, staff: Reader) -> HTMLResponse:
    with _session(request, staff) as session:
        rows = discrepancies.list_discrepancies(session, open_only=False)
        return _render(request, staff, "discrepancies.html", rows=rows)


@router.post("/discrepancies/{item_id}/resolve", dependencies=CSRF)
def discrepancy_resolve(request: Request, *, staff: Admin, item_id: RowId) -> RedirectResponse:
    with _session(request, staff) as session:
        discrepancies.resolve_discrepancy(session, discrepancy_id=item_id, resolved_by=staff.name)
    return _back("/governance/discrepancies")


# -- 特定個人情報保護評価 ---------------------------------------------------------------------------------------------
@router.get("/pia", response_class=HTMLResponse)
def pia_page(
    request: Request,
    staff: Reader,
    subjects: Annotated[int | None, Query(ge=0)] = None,
    handlers: Annotated[int | None, Query(ge=0)] = None,
    serious: bool = False,
) -> HTMLResponse:
    judged = None
    if subjects is not None and handlers is not None:
        judged = pia.reasons(subjects, handlers, serious)
    with _session(request, staff) as session:
        states = [pia.status(f, today=clock.today()) for f in register.list_files(session)]
        jimus = register.list_jimu(session)
        return _render(request, staff, "pia.html", states=states, jimus=jimus, judged=judged,
                       tm_label=register.tm_label, tm_choices=register.tm_choices(),
                       statuses=pia.SECTION_STATUSES, query={"subjects": subjects, "handlers": handlers, "serious": serious})  # fmt: skip


@router.post("/files", dependencies=CSRF)
def file_save(
    request: Request, *, staff: Admin, name: Text, jimu: Text, subject_count: Text, handler_count: Text,
    tm_code: OptText = "", last_published_on: OptText = "", serious_incident: OptText = "",
) -> RedirectResponse:  # fmt: skip
    with _session(request, staff) as session:
        existing = {f.name: f.sections for f in register.list_files(session)}
        register.upsert_file(
            session, name=name, jimu=jimu, tm_code=tm_code,
            subject_count=_int(subject_count, field="対象人数"), handler_count=_int(handler_count, field="取扱者数"),
            serious_incident=bool(serious_incident), last_published_on=_date(last_published_on, field="評価書公表日"),
            sections=existing.get(name.strip()),
        )  # fmt: skip
    return _back("/governance/pia")


@router.post("/files/{file_name}/sections", dependencies=CSRF)
async def sections_save(request: Request, *, staff: Admin, file_name: str) -> RedirectResponse:
    form = await request.form()
    with _session(request, staff) as session:
        file = register.get_file(session, name=file_name)
        sections = {**file.sections}
        for key, value in form.items():
            if key in pia.ALL_SECTIONS:
                sections[key] = str(value)
        register.upsert_file(
            session, name=file.name, jimu=file.jimu.name, tm_code=file.tm_code, subject_count=file.subject_count,
            handler_count=file.handler_count, serious_incident=file.serious_incident,
            last_published_on=file.last_published_on, sections=sections,
        )  # fmt: skip
    return _back("/governance/pia")


# -- 課題の優先順位 ---------------------------------------------------------------------------------------------------
@router.get("/issues", response_class=HTMLResponse)
def issues_page(request: Request, *, staff: Reader) -> HTMLResponse:
    with _session(request, staff) as session:
        return _render(request, staff, "issues.html", rows=issues.ranked_issues(session))


@router.post("/issues", dependencies=CSRF)
def issue_save(
    request: Request, *, staff: Admin, number: Text, title: Text, impact: Text, compliance: Text, ease: Text,
    point: OptText = "",
) -> RedirectResponse:  # fmt: skip
    with _session(request, staff) as session:
        issues.upsert_issue(session, number=_int(number, field="番号"), title=title, point=point, impact=impact,
                            compliance=compliance, ease=ease)  # fmt: skip
    return _back("/governance/issues")


# -- 研修 --------------------------------------------------------------------------------------------------------------
@router.get("/training", response_class=HTMLResponse)
def training_page(request: Request, *, staff: Reader) -> HTMLResponse:
    with _session(request, staff) as session:
        return _render(
            request, staff, "training.html", duties=training.duties(session),
            overdue=training.overdue_by_department(session), plans=training.list_plans(session),
            sessions=training.list_sessions(session), attendance=training.list_attendance(session),
            reminders=training.list_reminders(session), files=register.list_files(session),
            reminder_text=training.reminder_text,
        )  # fmt: skip


@router.post("/training/handlers", dependencies=CSRF)
async def handler_save(request: Request, *, staff: Admin) -> RedirectResponse:
    form = await request.form()
    with _session(request, staff) as session:
        assigned = _date(str(form.get("assigned_on", "")), field="配置日")
        if assigned is None:
            raise Invalid("配置日を入力してください", field="配置日")
        training.upsert_handler(
            session, code=str(form.get("code", "")), name=str(form.get("name", "")),
            department=str(form.get("department", "")), assigned_on=assigned,
            files=[str(v) for v in form.getlist("files")],
        )  # fmt: skip
    return _back("/governance/training")


@router.post("/training/plans", dependencies=CSRF)
def plan_save(
    request: Request, *, staff: Admin, code: Text, fiscal_year: Text, title: Text, audience: OptText = "",
    content: OptText = "",
) -> RedirectResponse:  # fmt: skip
    with _session(request, staff) as session:
        training.upsert_plan(session, code=code, fiscal_year=_int(fiscal_year, field="年度"), title=title,
                             audience=audience, content=content)  # fmt: skip
    return _back("/governance/training")


@router.post("/training/sessions", dependencies=CSRF)
def session_save(
    request: Request, *, staff: Admin, code: Text, plan: Text, held_on: Text, title: Text, hours: OptText = "",
    place: OptText = "",
) -> RedirectResponse:  # fmt: skip
    with _session(request, staff) as session:
        held = _date(held_on, field="開催日")
        if held is None:
            raise Invalid("開催日を入力してください", field="開催日")
        training.upsert_session(
            session, code=code, plan=plan, held_on=held, title=title, hours=hours, place=place
        )
    return _back("/governance/training")


@router.post("/training/attendance", dependencies=CSRF)
def attendance_save(
    request: Request, *, staff: Admin, session_code: Text, handler_code: Text
) -> RedirectResponse:
    with _session(request, staff) as session:
        training.record_attendance(session, session_code=session_code, handler_code=handler_code)
    return _back("/governance/training")


@router.post("/training/remind", dependencies=CSRF)
def remind(request: Request, *, staff: Admin) -> RedirectResponse:
    with _session(request, staff) as session:
        training.send_reminders(session)
    return _back("/governance/training")


# -- インシデント ------------------------------------------------------------------------------------------------------
@router.get("/incidents", response_class=HTMLResponse)
def incidents_page(request: Request, *, staff: Reader) -> HTMLResponse:
    with _session(request, staff) as session:
        rows = [
            (i, incidents.deadlines(i), incidents.current_step(i)) for i in incidents.list_incidents(session)
        ]
        return _render(request, staff, "incidents.html", rows=rows, steps=incidents.STEPS)


@router.post("/incidents", dependencies=CSRF)
def incident_report(
    request: Request, *, staff: Admin, code: Text, title: Text, affected_count: Text, description: OptText = "",
    aware_at: OptText = "", involves_mynumber: OptText = "", unlawful_purpose: OptText = "",
    via_network_system: OptText = "", publicly_viewable: OptText = "",
) -> RedirectResponse:  # fmt: skip
    aware = None
    if aware_at.strip():
        try:
            aware = dt.datetime.fromisoformat(aware_at.strip())
        except ValueError as exc:
            raise Invalid(f"覚知日時が読めません: {aware_at}", field="覚知日時") from exc
        aware = aware if aware.tzinfo else aware.replace(tzinfo=clock.JST)
    with _session(request, staff) as session:
        incidents.report_incident(
            session, code=code, title=title, description=description, aware_at=aware,
            affected_count=_int(affected_count, field="影響人数"), involves_mynumber=bool(involves_mynumber),
            unlawful_purpose=bool(unlawful_purpose), via_network_system=bool(via_network_system),
            publicly_viewable=bool(publicly_viewable),
        )  # fmt: skip
    return _back("/governance/incidents")


@router.post("/incidents/{code}/advance", dependencies=CSRF)
def incident_advance(
    request: Request, *, staff: Admin, code: str, step: Text, note: OptText = "", lessons: OptText = ""
) -> RedirectResponse:
    with _session(request, staff) as session:
        incidents.advance(session, code=code, step=step, note=note, lessons=lessons)
    return _back("/governance/incidents")


@router.post("/incidents/{code}/commission", dependencies=CSRF)
def incident_commission(request: Request, *, staff: Admin, code: str, kind: Text) -> RedirectResponse:
    with _session(request, staff) as session:
        incidents.record_commission_report(session, code=code, kind=kind)
    return _back("/governance/incidents")


# -- ネットワーク分離の点検 -----------------------------------------------------------------------------------------------
@router.get("/network", response_class=HTMLResponse)
def network_page(request: Request, *, staff: Reader) -> HTMLResponse:
    with _session(request, staff) as session:
        inventory = network.load_inventory(session)
    findings = network.check(inventory) if inventory.segments else []
    return _render(
        request, staff, "network.html", inventory=inventory, findings=findings, rules=network.RULES, errors=[]
    )


@router.post("/network", response_class=HTMLResponse, dependencies=CSRF)
async def network_upload(request: Request, *, staff: Admin, file: Annotated[UploadFile, File()]) -> Response:
    data = await file.read()
    name = file.filename or ""
    try:
        if name.lower().endswith(".json"):
            inventory = network.inventory_from_json(data.decode("utf-8-sig"))
        else:
            inventory = network_inventory_from_workbook(data, filename=name)
    except BatchRejected as rejected:
        with _session(request, staff) as session:
            stored = network.load_inventory(session)
        return _render(request, staff, "network.html", 422, inventory=stored, findings=[], rules=network.RULES,
                       errors=rejected.errors)  # fmt: skip
    with _session(request, staff) as session:
        network.replace_inventory(session, inventory)
    return _back("/governance/network")


# -- 政策指標 ------------------------------------------------------------------------------------------------------------
@router.get("/indicators", response_class=HTMLResponse)
def indicators_page(request: Request, *, staff: Reader) -> HTMLResponse:
    with _session(request, staff) as session:
        years, rows = indicators.table(session)
    return _render(request, staff, "indicators.html", years=years, rows=rows, catalogue=indicators.CATALOGUE,
                   categories=indicators.CATEGORIES, this_year=indicators.fiscal_year_of(clock.today()))  # fmt: skip


@router.post("/indicators", dependencies=CSRF)
def indicator_save(
    request: Request, *, staff: Admin, name: Text, fiscal_year: Text, value: Text, estimate: OptText = "",
    category: OptText = "", unit: OptText = "",
) -> RedirectResponse:  # fmt: skip
    with _session(request, staff) as session:
        indicators.set_indicator(session, name=name, fiscal_year=_int(fiscal_year, field="年度"), value=value,
                                 estimate=bool(estimate), category=category or None, unit=unit or None)  # fmt: skip
    return _back("/governance/indicators")


@router.post("/indicators/refresh", dependencies=CSRF)
def indicator_refresh(request: Request, *, staff: Admin, fiscal_year: Text) -> RedirectResponse:
    with _session(request, staff) as session:
        indicators.refresh(session, fiscal_year=_int(fiscal_year, field="年度"))
    return _back("/governance/indicators")


def _decimal(value: Decimal) -> str:
    return str(scales.normalize(value))


templates.env.filters["decimal"] = _decimal
templates.env.filters["circled"] = circled
