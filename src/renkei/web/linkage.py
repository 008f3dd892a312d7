"""情報連携 pages: 副本 status, submitting a query and reading its result, and this municipality's records."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from renkei.core.errors import Invalid, Unavailable
from renkei.core.ids import municipality_agency_code, validate_lg_code
from renkei.intermediate import service
from renkei.intermediate.schemas import QueryRequest
from renkei.intermediate.service.records import RESULT_NAMES
from renkei.web import pickers
from renkei.web.deps import CurrentStaff, check_csrf, get_runtime, require_role
from renkei.web.templating import templates

router = APIRouter()

# 照会 is made by the clerks of 個人番号利用事務; 情報政策課 and the auditor read status and records.
Asker = Annotated[CurrentStaff, Depends(require_role("tax", "welfare"))]
Reader = Annotated[CurrentStaff, Depends(require_role("tax", "welfare", "admin", "auditor"))]
RecordReader = Annotated[CurrentStaff, Depends(require_role("admin", "auditor"))]

SYSTEM_OF_ROLE = {"welfare": "jidoteate", "tax": "tax"}
STATUS_NAMES = {"pending": "照会中", "answered": "回答あり", "refused": "照会不許可", "error": "エラー"}


def _page(request: Request, name: str, staff: CurrentStaff, **context: object) -> HTMLResponse:
    base = {"staff": staff, "status_names": STATUS_NAMES, "result_names": RESULT_NAMES, "error": None}
    return templates.TemplateResponse(request, f"linkage/{name}.html", {**base, **context})


@router.get("/linkage", response_class=HTMLResponse)
def index(request: Request, staff: Reader) -> HTMLResponse:
    with get_runtime(request).municipal_session(staff.lg_code) as session:
        stats = service.copy_statistics(session, lg_code=staff.lg_code)
        signs = service.sign_count(session, lg_code=staff.lg_code)
        queries = service.recent_queries(session, lg_code=staff.lg_code, limit=30)
    return _page(request, "index", staff, stats=stats, signs=signs, queries=queries)


@router.get("/linkage/query", response_class=HTMLResponse)
def query_form(request: Request, staff: Asker) -> HTMLResponse:
    system = next((SYSTEM_OF_ROLE[r] for r in sorted(staff.roles) if r in SYSTEM_OF_ROLE), "juki")
    defaults = {"system": system, "jm": "", "jt": "", "provider": "", "tm": "", "atena": ""}
    form = pickers.prefilled(defaults, request.query_params)  # a picker link or "照会する" fills the form
    runtime = get_runtime(request)
    try:  # the hub's table as it is now: an operator's change shows at once (decision 0127)
        allowed = runtime.join_hub(staff.lg_code).allowed_queries(municipality_agency_code(staff.lg_code))
    except Unavailable as error:
        return _page(request, "query", staff, form=form, choices=[], table_on=None, hub_error=error.message)
    choices = pickers.query_choices(staff.roles, allowed.rows)
    return _page(request, "query", staff, form=form, choices=choices, table_on=allowed.on, hub_error=None)


def _withhold_until(withhold: str, until: str) -> dt.date | None:
    """不開示 (番号法第23条第2項): the day the person may see the record, only with the box ticked."""
    if not until.strip():
        return None
    if not withhold:
        raise Invalid(
            "不開示の終了日は「不開示にする」を選んだときだけ入力します", record=until, field="不開示の終了日"
        )
    try:
        return dt.date.fromisoformat(until.strip())
    except ValueError:
        raise Invalid(
            "不開示の終了日は YYYY-MM-DD で入力してください", record=until, field="不開示の終了日"
        ) from None


@router.post("/linkage/query", dependencies=[Depends(check_csrf)], response_model=None)
def submit(
    request: Request,
    staff: Asker,
    *,
    atena: Annotated[str, Form(max_length=15)],
    system: Annotated[str, Form(max_length=20)],
    jm: Annotated[str, Form(max_length=16)],
    jt: Annotated[str, Form(max_length=16)],
    provider: Annotated[str, Form(max_length=16)],
    tm: Annotated[str, Form(max_length=16)],
    withhold: Annotated[str, Form(max_length=10)] = "",
    withhold_until: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Submit one 情報照会 and show its result page (the 処理通番 is the page's address)."""
    until = _withhold_until(withhold, withhold_until)
    runtime = get_runtime(request)
    provider = provider.strip()
    provider_code = provider if len(provider) == 16 else municipality_agency_code(validate_lg_code(provider))
    hub = runtime.join_hub(staff.lg_code)
    request_ = QueryRequest(
        jm_code=jm.strip(),
        jt_code=jt.strip(),
        provider=provider_code,
        tm_code=tm.strip(),
        atena=atena.strip(),
        system=system,
        user_id=staff.login,
        nondisclosure="2" if withhold else "1",  # 照会側不開示 (decision 0096)
        nondisclosure_until=until,
    )
    outcome = service.submit_query(
        runtime.municipal_sessions(staff.lg_code),
        lg_code=staff.lg_code,
        settings=runtime.settings,
        hub=hub,
        request=request_,
    )
    return RedirectResponse(f"/linkage/query/{outcome.process_number}", status_code=303)


@router.get("/linkage/query/{process_number}", response_class=HTMLResponse)
def result(request: Request, staff: Reader, process_number: str) -> HTMLResponse:
    """The result by 処理通番; a pending query is polled (in one process the poll delivers that query first)."""
    runtime = get_runtime(request)
    with runtime.municipal_session(staff.lg_code) as session:
        outcome = service.find_query(session, lg_code=staff.lg_code, process_number=process_number)
    if outcome.status == "pending":
        hub = runtime.join_hub(staff.lg_code)
        outcome = service.poll_query(
            runtime.municipal_sessions(staff.lg_code),
            lg_code=staff.lg_code,
            settings=runtime.settings,
            hub=hub,
            process_number=process_number,
        )
    return _page(request, "result", staff, q=outcome)


@router.get("/linkage/records", response_class=HTMLResponse)
def records(request: Request, staff: RecordReader) -> HTMLResponse:
    """情報提供等記録 of this municipality, with the result of verifying the whole log."""
    with get_runtime(request).municipal_session(staff.lg_code) as session:
        entries = service.list_records(session, lg_code=staff.lg_code, limit=200)
        reports = service.verify_records(session)
    bad = {seq for _code, report in reports for seq in report.bad_sequences}
    ok = all(report.ok for _code, report in reports)
    problems = [str(p) for _code, report in reports for p in report.problems]
    return _page(request, "records", staff, entries=entries, bad=bad, ok=ok, problems=problems)
