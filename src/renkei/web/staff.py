"""Staff administration pages (情報政策課): accounts, roles, TOTP enrolment shown once, disable, reset, events."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from renkei.staff import service as staff_service
from renkei.web.deps import CurrentStaff, check_csrf, get_runtime, require_role
from renkei.web.params import RowId
from renkei.web.templating import templates

router = APIRouter()

Admin = Annotated[CurrentStaff, Depends(require_role("admin"))]
Reader = Annotated[CurrentStaff, Depends(require_role("admin", "auditor"))]
# The TOTP secret appears in the response body once; no cache may keep it.
NO_STORE = {"Cache-Control": "no-store"}


@router.get("/staff", response_class=HTMLResponse)
def staff_list(request: Request, staff: Admin) -> HTMLResponse:
    with get_runtime(request).municipal_session(staff.lg_code) as session:
        accounts = staff_service.list_accounts(session)
        return templates.TemplateResponse(
            request, "staff/list.html", {"staff": staff, "accounts": accounts, "roles": staff_service.ROLES}
        )


@router.post("/staff", dependencies=[Depends(check_csrf)], response_class=HTMLResponse)
def staff_add(
    request: Request,
    *,
    staff: Admin,
    login: Annotated[str, Form()],
    name: Annotated[str, Form()],
    password: Annotated[str, Form()],
    roles: Annotated[list[str], Form()],
) -> HTMLResponse:
    runtime = get_runtime(request)
    with runtime.municipal_session(staff.lg_code) as session:
        enrolment = staff_service.create_account(
            session,
            login=login,
            name=name,
            roles=roles,
            password=password,
            totp_key=staff_service.totp_key(runtime.settings),
            lg_code=staff.lg_code,
            actor_id=staff.id,
        )
        context = {"enrolment": enrolment, "account": enrolment.account, "created": True}
        return templates.TemplateResponse(request, "staff/enrolment.html", context, headers=NO_STORE)


@router.get("/staff/events", response_class=HTMLResponse)
def staff_events(request: Request, staff: Reader) -> HTMLResponse:
    with get_runtime(request).municipal_session(staff.lg_code) as session:
        events = staff_service.events(session, limit=500)
        logins = {a.id: a.login for a in staff_service.list_accounts(session)}
        context = {"events": events, "logins": logins, "labels": staff_service.ACTION_LABELS}
        return templates.TemplateResponse(request, "staff/events.html", context)


@router.get("/staff/{staff_id}", response_class=HTMLResponse)
def staff_detail(request: Request, staff: Admin, staff_id: RowId) -> HTMLResponse:
    with get_runtime(request).municipal_session(staff.lg_code) as session:
        account = staff_service.get_account(session, staff_id=staff_id)
        events = staff_service.events(session, account_id=staff_id, limit=100)
        context = {
            "staff": staff,
            "account": account,
            "events": events,
            "labels": staff_service.ACTION_LABELS,
            "roles": staff_service.ROLES,
            "message": request.query_params.get("done"),
        }
        return templates.TemplateResponse(request, "staff/detail.html", context)


@router.post("/staff/{staff_id}/disable", dependencies=[Depends(check_csrf)])
def staff_disable(
    request: Request, staff: Admin, staff_id: RowId, reason: Annotated[str, Form()] = ""
) -> Response:
    with get_runtime(request).municipal_session(staff.lg_code) as session:
        staff_service.disable(session, staff_id=staff_id, actor_id=staff.id, reason=reason)
    return RedirectResponse(f"/staff/{staff_id}?done=disabled", status_code=303)


@router.post("/staff/{staff_id}/enable", dependencies=[Depends(check_csrf)])
def staff_enable(request: Request, staff: Admin, staff_id: RowId) -> Response:
    with get_runtime(request).municipal_session(staff.lg_code) as session:
        staff_service.enable(session, staff_id=staff_id, actor_id=staff.id)
    return RedirectResponse(f"/staff/{staff_id}?done=enabled", status_code=303)


@router.post("/staff/{staff_id}/roles", dependencies=[Depends(check_csrf)])
def staff_roles(
    request: Request,
    staff: Admin,
    staff_id: RowId,
    roles: Annotated[list[str], Form()] = [],  # noqa: B006
) -> Response:
    with get_runtime(request).municipal_session(staff.lg_code) as session:
        staff_service.set_roles(session, staff_id=staff_id, roles=roles, actor_id=staff.id)
    return RedirectResponse(f"/staff/{staff_id}?done=roles", status_code=303)


@router.post("/staff/{staff_id}/reset-password", dependencies=[Depends(check_csrf)])
def staff_reset_password(
    request: Request, staff: Admin, staff_id: RowId, new_password: Annotated[str, Form()]
) -> Response:
    with get_runtime(request).municipal_session(staff.lg_code) as session:
        staff_service.reset_password(session, staff_id=staff_id, new_password=new_password, actor_id=staff.id)
    return RedirectResponse(f"/staff/{staff_id}?done=password", status_code=303)


@router.post("/staff/{staff_id}/reset-totp", dependencies=[Depends(check_csrf)], response_class=HTMLResponse)
def staff_reset_totp(request: Request, staff: Admin, staff_id: RowId) -> HTMLResponse:
    runtime = get_runtime(request)
    with runtime.municipal_session(staff.lg_code) as session:
        enrolment = staff_service.reset_totp(
            session,
            staff_id=staff_id,
            totp_key=staff_service.totp_key(runtime.settings),
            lg_code=staff.lg_code,
            actor_id=staff.id,
        )
        context = {"enrolment": enrolment, "account": enrolment.account, "created": False}
        return templates.TemplateResponse(request, "staff/enrolment.html", context, headers=NO_STORE)
