"""Login (password, then TOTP), logout and password change for municipal staff."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from renkei.core import clock
from renkei.core.errors import Invalid, RenkeiError
from renkei.protocol.jukinet import JukinetClient
from renkei.runtime import Runtime
from renkei.staff import service as staff_service
from renkei.web.deps import (
    CurrentStaff,
    check_csrf,
    current_staff,
    end_session,
    get_runtime,
    start_session,
)
from renkei.web.templating import templates

router = APIRouter()

PENDING_KEY = "login_pending"
# How long the TOTP step may follow a passed password before the password must be given again.
PENDING_FOR = dt.timedelta(minutes=5)


def present_municipalities(runtime: Runtime) -> list[str]:
    """団体コード of the municipalities whose node database exists here (never creates one)."""
    return runtime.municipalities()


def municipality_names(runtime: Runtime) -> dict[str, str]:
    """団体コード → 名称 from 住基ネット's register; empty when 住基ネット cannot be reached (codes still work)."""
    try:
        return {m.lg_code: m.name for m in JukinetClient(runtime.transport).municipalities()}
    except RenkeiError:
        return {}


def _safe_next(target: str | None) -> str:
    """Only a local path may be the place to return to after login (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _login_page(
    request: Request, *, error: str | None = None, status: int = 200, **values: str
) -> HTMLResponse:
    runtime = get_runtime(request)
    context = {
        "municipalities": present_municipalities(runtime),
        "municipality_names": municipality_names(runtime),
        "error": error,
        "next": _safe_next(values.get("next") or request.query_params.get("next")),
        "lg_code": values.get("lg_code", ""),
        "login": values.get("login", ""),
    }
    return templates.TemplateResponse(request, "auth/login.html", context, status_code=status)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    return _login_page(request)


@router.post("/login", dependencies=[Depends(check_csrf)])
def login_password(
    request: Request,
    lg_code: Annotated[str, Form()],
    login: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    runtime = get_runtime(request)
    if lg_code not in present_municipalities(runtime):
        raise Invalid("その団体コードの自治体はこの環境にありません", record=lg_code, field="lg_code")
    with runtime.municipal_session(lg_code) as session:
        result = staff_service.check_password(session, login=login, password=password)
        staff_id = result.account.id if result.account is not None else None
    if staff_id is None:
        return _login_page(request, error=result.refusal, status=401, lg_code=lg_code, login=login, next=next)
    request.session[PENDING_KEY] = {
        "staff_id": staff_id,
        "lg_code": lg_code,
        "until": (clock.now() + PENDING_FOR).isoformat(),
    }
    return RedirectResponse(f"/login/totp?next={_safe_next(next)}", status_code=303)


def _pending(request: Request) -> dict[str, str] | None:
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict) or dt.datetime.fromisoformat(pending["until"]) < clock.now():
        request.session.pop(PENDING_KEY, None)
        return None
    return pending


@router.get("/login/totp", response_class=HTMLResponse)
def totp_form(request: Request) -> Response:
    if _pending(request) is None:
        return RedirectResponse("/login", status_code=303)
    context = {"error": None, "next": _safe_next(request.query_params.get("next"))}
    return templates.TemplateResponse(request, "auth/totp.html", context)


@router.post("/login/totp", dependencies=[Depends(check_csrf)])
def login_totp(
    request: Request, code: Annotated[str, Form()], next: Annotated[str, Form()] = "/"
) -> Response:
    pending = _pending(request)
    if pending is None:
        return RedirectResponse("/login", status_code=303)
    lg_code = str(pending["lg_code"])
    runtime = get_runtime(request)
    with runtime.municipal_session(lg_code) as session:
        result = staff_service.check_totp(
            session,
            staff_id=int(pending["staff_id"]),
            code=code,
            totp_key=staff_service.totp_key(runtime.settings),
        )
        account = result.account
        if account is not None:
            staff = CurrentStaff(account.id, account.login, account.name, lg_code, account.role_names)
            epoch = account.epoch
        else:
            locked = (
                staff_service.get_account(session, staff_id=int(pending["staff_id"])).locked_until is not None
            )
    if account is None:
        if locked:
            request.session.pop(PENDING_KEY, None)
            return _login_page(request, error=result.refusal, status=401, lg_code=lg_code)
        context = {"error": result.refusal, "next": _safe_next(next)}
        return templates.TemplateResponse(request, "auth/totp.html", context, status_code=401)
    start_session(request, staff, lg_name=municipality_names(runtime).get(lg_code, lg_code), epoch=epoch)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.get("/logout", response_class=HTMLResponse)
def logout_form(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "auth/logout.html", {})


# No CSRF check here: the header's logout button in base.html carries no token, and the worst a forged
# logout can do is end a session (the cookie is SameSite=Strict as well). Decision 0020.
@router.post("/logout")
def logout(request: Request) -> Response:
    staff_id, lg_code = request.session.get("staff_id"), request.session.get("staff_lg_code")
    if staff_id is not None and lg_code is not None:
        with get_runtime(request).municipal_session(str(lg_code)) as session:
            staff_service.log_out(session, staff_id=int(staff_id))
    end_session(request)
    return RedirectResponse("/login", status_code=303)


@router.get("/account/password", response_class=HTMLResponse)
def password_form(request: Request, staff: Annotated[CurrentStaff, Depends(current_staff)]) -> HTMLResponse:
    return templates.TemplateResponse(request, "auth/password.html", {"staff": staff, "done": False})


@router.post("/account/password", dependencies=[Depends(check_csrf)], response_class=HTMLResponse)
def change_password(
    request: Request,
    staff: Annotated[CurrentStaff, Depends(current_staff)],
    current_password: Annotated[str, Form()],
    new_password: Annotated[str, Form()],
    new_password_again: Annotated[str, Form()],
) -> HTMLResponse:
    if new_password != new_password_again:
        raise Invalid(
            "確認用の新しいパスワードが一致しません", record=staff.login, field="new_password_again"
        )
    with get_runtime(request).municipal_session(staff.lg_code) as session:
        staff_service.change_password(
            session, staff_id=staff.id, current_password=current_password, new_password=new_password
        )
        epoch = staff_service.get_account(session, staff_id=staff.id).epoch
    # This session stays; every other session of this account ends at its next request.
    request.session["staff_epoch"] = epoch
    return templates.TemplateResponse(request, "auth/password.html", {"staff": staff, "done": True})
