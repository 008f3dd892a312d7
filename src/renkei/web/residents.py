"""住民記録 pages for 住基担当: search, a resident with household and 異動 history, and a form for each 異動."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from renkei.core import clock, wareki
from renkei.core.errors import Invalid
from renkei.protocol.jukinet import JukinetClient
from renkei.residents import service as residents
from renkei.residents.schemas import KIND_LABELS, RELATIONSHIPS
from renkei.web.deps import CurrentStaff, check_csrf, get_runtime, require_role
from renkei.web.params import RowId
from renkei.web.templating import templates

router = APIRouter()

# The register is 住基担当's business alone (decision 0023).
Juki = Annotated[CurrentStaff, Depends(require_role("juki"))]
PAGE_SIZE = 50
CSRF = [Depends(check_csrf)]


def parse_date(value: str | None, *, field: str, required: bool = True) -> dt.date | None:
    """A date typed as ISO (2026-04-01) or 和暦 (令和8年4月1日, R8.4.1)."""
    text = (value or "").strip()
    if not text:
        if required:
            raise Invalid(f"{field}を入力してください", field=field)
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return wareki.parse_wareki(text)
    except Invalid as exc:
        raise Invalid(f"{field}が日付として読めません: {text}", field=field) from exc


def _required_date(value: str | None, *, field: str) -> dt.date:
    date = parse_date(value, field=field)
    assert date is not None
    return date


# -- pages ------------------------------------------------------------------------------------------------------
@router.get("/residents", response_class=HTMLResponse)
def resident_list(
    request: Request,
    *,
    staff: Juki,
    q: Annotated[str, Query(max_length=100)] = "",
    status: Annotated[str, Query()] = "active",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    with get_runtime(request).municipal_session(staff.lg_code) as session:
        rows = residents.list_residents(
            session,
            query=q.strip() or None,
            status=status if status in ("active", "moved_out", "deceased") else None,
            limit=PAGE_SIZE + 1,
            offset=(page - 1) * PAGE_SIZE,
        )
        counts = residents.counts(session)
    context = {
        "rows": rows[:PAGE_SIZE],
        "has_next": len(rows) > PAGE_SIZE,
        "page": page,
        "q": q,
        "status": status,
        "counts": counts,
    }
    return templates.TemplateResponse(request, "residents/list.html", context)


@router.get("/residents/move-in", response_class=HTMLResponse)
def move_in_form(request: Request, staff: Juki) -> HTMLResponse:
    return templates.TemplateResponse(request, "residents/move_in.html", {"relationships": RELATIONSHIPS})


@router.post("/residents/move-in", dependencies=CSRF)
def move_in(
    request: Request,
    *,
    staff: Juki,
    certificate: Annotated[str, Form()],
    postal_code: Annotated[str, Form()],
    address: Annotated[str, Form()],
    household_number: Annotated[str, Form()] = "",
    relationship: Annotated[str, Form()] = "世帯主",
    effective_on: Annotated[str, Form()] = "",
    notified_on: Annotated[str, Form()] = "",
) -> Response:
    runtime = get_runtime(request)
    opened = residents.open_certificate(certificate, lg_code=staff.lg_code, settings=runtime.settings)
    with runtime.municipal_session(staff.lg_code) as session:
        resident = residents.move_in(
            session,
            lg_code=staff.lg_code,
            certificate=opened,
            postal_code=postal_code,
            address=address,
            household_number=household_number.strip() or None,
            relationship=relationship,
            notified_on=parse_date(notified_on, field="届出日", required=False),
            effective_on=parse_date(effective_on, field="異動日", required=False),
            jukinet=JukinetClient(runtime.transport),
            settings=runtime.settings,
        )
    return RedirectResponse(f"/residents/{resident.id}?done=move_in", status_code=303)


@router.get("/residents/{resident_id}", response_class=HTMLResponse)
def resident_detail(request: Request, staff: Juki, resident_id: RowId) -> HTMLResponse:
    with get_runtime(request).municipal_session(staff.lg_code) as session:
        resident = residents.get_resident(session, resident_id=resident_id)
        household = residents.household_members(session, household_number=resident.household_number)
        changes = residents.changes_of(session, resident_id=resident_id)
    context = {
        "r": resident,
        "household": household,
        "changes": changes,
        "kind_labels": KIND_LABELS,
        "done": KIND_LABELS.get(request.query_params.get("done", "")),
        "today": clock.today().isoformat(),
    }
    return templates.TemplateResponse(request, "residents/detail.html", context)


@router.post("/residents/{resident_id}/birth", dependencies=CSRF)
def birth(
    request: Request,
    *,
    staff: Juki,
    resident_id: RowId,
    given_name: Annotated[str, Form()],
    given_name_kana: Annotated[str, Form()],
    birth_date: Annotated[str, Form()],
    sex: Annotated[str, Form()],
    notified_on: Annotated[str, Form()] = "",
) -> Response:
    runtime = get_runtime(request)
    with runtime.municipal_session(staff.lg_code) as session:
        child = residents.record_birth(
            session,
            parent_id=resident_id,
            given_name=given_name,
            given_name_kana=given_name_kana,
            birth_date=_required_date(birth_date, field="生年月日"),
            sex=sex,
            notified_on=parse_date(notified_on, field="届出日", required=False),
            jukinet=JukinetClient(runtime.transport),
            settings=runtime.settings,
        )
    return RedirectResponse(f"/residents/{child.id}?done=birth", status_code=303)


@router.post("/residents/{resident_id}/move-out", dependencies=CSRF, response_class=HTMLResponse)
def move_out(
    request: Request,
    *,
    staff: Juki,
    resident_id: RowId,
    destination_lg_code: Annotated[str, Form()],
    effective_on: Annotated[str, Form()] = "",
    notified_on: Annotated[str, Form()] = "",
) -> HTMLResponse:
    runtime = get_runtime(request)
    with runtime.municipal_session(staff.lg_code) as session:
        certificate = residents.move_out(
            session,
            resident_id=resident_id,
            destination_lg_code=destination_lg_code.strip(),
            notified_on=parse_date(notified_on, field="届出日", required=False),
            effective_on=parse_date(effective_on, field="異動日", required=False),
            jukinet=JukinetClient(runtime.transport),
            settings=runtime.settings,
        )
    context = {"c": certificate, "code": residents.seal_certificate(certificate, settings=runtime.settings)}
    return templates.TemplateResponse(
        request, "residents/certificate.html", context, headers={"Cache-Control": "no-store"}
    )


@router.post("/residents/{resident_id}/name", dependencies=CSRF)
def name_change(
    request: Request,
    *,
    staff: Juki,
    resident_id: RowId,
    surname: Annotated[str, Form()],
    surname_kana: Annotated[str, Form()],
    keep_former_surname: Annotated[str, Form()] = "",
    effective_on: Annotated[str, Form()] = "",
    notified_on: Annotated[str, Form()] = "",
) -> Response:
    runtime = get_runtime(request)
    with runtime.municipal_session(staff.lg_code) as session:
        residents.change_name(
            session,
            resident_id=resident_id,
            surname=surname,
            surname_kana=surname_kana,
            keep_former_surname=bool(keep_former_surname),
            notified_on=parse_date(notified_on, field="届出日", required=False),
            effective_on=parse_date(effective_on, field="異動日", required=False),
            jukinet=JukinetClient(runtime.transport),
            settings=runtime.settings,
        )
    return RedirectResponse(f"/residents/{resident_id}?done=name_change", status_code=303)


@router.post("/residents/{resident_id}/address", dependencies=CSRF)
def address_change(
    request: Request,
    *,
    staff: Juki,
    resident_id: RowId,
    postal_code: Annotated[str, Form()],
    address: Annotated[str, Form()],
    effective_on: Annotated[str, Form()] = "",
    notified_on: Annotated[str, Form()] = "",
) -> Response:
    runtime = get_runtime(request)
    with runtime.municipal_session(staff.lg_code) as session:
        residents.change_address(
            session,
            resident_id=resident_id,
            postal_code=postal_code,
            address=address,
            notified_on=parse_date(notified_on, field="届出日", required=False),
            effective_on=parse_date(effective_on, field="異動日", required=False),
            jukinet=JukinetClient(runtime.transport),
            settings=runtime.settings,
        )
    return RedirectResponse(f"/residents/{resident_id}?done=address_change", status_code=303)


@router.post("/residents/{resident_id}/death", dependencies=CSRF)
def death(
    request: Request,
    *,
    staff: Juki,
    resident_id: RowId,
    died_on: Annotated[str, Form()],
    notified_on: Annotated[str, Form()] = "",
) -> Response:
    runtime = get_runtime(request)
    with runtime.municipal_session(staff.lg_code) as session:
        residents.record_death(
            session,
            resident_id=resident_id,
            died_on=_required_date(died_on, field="死亡日"),
            notified_on=parse_date(notified_on, field="届出日", required=False),
            jukinet=JukinetClient(runtime.transport),
            settings=runtime.settings,
        )
    return RedirectResponse(f"/residents/{resident_id}?done=death", status_code=303)
