"""ぴったりサービス pages: the resident searches and applies (signed on the card); the municipality's inbox decides.

The resident's pages need a portal login; the inbox needs the clerk role the service belongs to (児童手当 → 福祉担当,
転出届 → 住基担当). The clerk's page checks the signature and the signing-time status itself (decision 0094).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from renkei.core.errors import Forbidden, Invalid, NotFound, RenkeiError, Unauthenticated
from renkei.intermediate import portal as municipal_portal
from renkei.intermediate import service as intermediate
from renkei.portal import pittari
from renkei.protocol.hub import HubClient
from renkei.protocol.jpki import JpkiClient
from renkei.protocol.portal import ApplicationInboxClient, ApplicationRecord
from renkei.protocol.relying import CertificateChecker
from renkei.web.deps import CurrentStaff, check_csrf, get_runtime, require_role
from renkei.web.portal import CARD_KEY, Resident, get_portal
from renkei.web.templating import templates

router = APIRouter()
CSRF = [Depends(check_csrf)]
Clerk = Annotated[CurrentStaff, Depends(require_role("welfare", "juki"))]
ROLE_OF_SERVICE = {"jidoteate-nintei": "welfare", "jidoteate-genkyo": "welfare", "tenshutsu": "juki"}
STATUS = {"submitted": "審査中", "accepted": "受理", "returned": "返戻"}


@router.get("/portal/services", response_class=HTMLResponse)
def services(request: Request, user_id: Resident) -> HTMLResponse:
    event = request.query_params.get("life_event") or None
    user = get_portal(request).user(user_id)
    found = pittari.search(lg_code=user.lg_code, life_event=event)
    context = {"services": found, "life_events": pittari.LIFE_EVENTS, "event": event, "user": user}
    return templates.TemplateResponse(request, "portal/services.html", context)


def _form(
    request: Request, code: str, *, error: RenkeiError | None = None, values: dict[str, str] | None = None
) -> HTMLResponse:
    chosen = pittari.service(code)
    status = error.status_code if error else 200
    context = {"service": chosen, "error": error, "values": values or {}}
    return templates.TemplateResponse(request, "portal/apply.html", context, status_code=status)


@router.get("/portal/services/{code}", response_class=HTMLResponse)
def apply_form(request: Request, code: str, user_id: Resident) -> HTMLResponse:
    return _form(request, code)


@router.post("/portal/services/{code}", dependencies=CSRF, response_model=None)
async def apply(request: Request, code: str, user_id: Resident) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items() if k != "csrf_token"}
    pin = form.pop("sign_pin", "").strip()
    card = request.session.get(CARD_KEY)
    if not isinstance(card, str):
        raise Forbidden("カードを読み取り直してください（もう一度ログインしてください）", field="カード")
    try:
        application = await run_in_threadpool(
            get_portal(request).apply, user_id, card_number=card, service_code=code, form=form, pin=pin
        )
    except (
        Invalid,
        Unauthenticated,
        Forbidden,
    ) as exc:  # a wrong PIN or field: the form again, with the reason
        return _form(request, code, error=exc, values=form)
    return RedirectResponse(f"/portal/applications/{application.id}", status_code=303)


@router.get("/portal/applications", response_class=HTMLResponse)
def my_applications(request: Request, user_id: Resident) -> HTMLResponse:
    found = get_portal(request).applications(user_id)
    return templates.TemplateResponse(
        request,
        "portal/applications.html",
        {"applications": found, "status": STATUS, "names": pittari.BY_CODE},
    )


@router.get("/portal/applications/{application_id}", response_class=HTMLResponse)
def my_application(request: Request, application_id: str, user_id: Resident) -> HTMLResponse:
    found = get_portal(request).application(user_id, application_id)
    context = {"a": found, "status": STATUS, "service": pittari.BY_CODE.get(found.service_code)}
    return templates.TemplateResponse(request, "portal/application.html", context)


# -- the municipality's inbox ----------------------------------------------------------------------------------
def _inbox(request: Request, staff: CurrentStaff) -> list[ApplicationRecord]:
    runtime = get_runtime(request)
    hub = HubClient(runtime.transport)
    with runtime.municipal_session(staff.lg_code) as session:
        intermediate.register_with_hub(session, lg_code=staff.lg_code, settings=runtime.settings, hub=hub)
    with runtime.municipal_session(staff.lg_code) as session:
        asked = municipal_portal.inbox_request(session, lg_code=staff.lg_code, settings=runtime.settings)
    records = ApplicationInboxClient(runtime.transport).inbox(asked).applications
    return [r for r in records if staff.has_role(ROLE_OF_SERVICE.get(r.service_code, "admin"))]


@router.get("/inbox", response_class=HTMLResponse)
def inbox(request: Request, staff: Clerk) -> HTMLResponse:
    context = {"staff": staff, "applications": _inbox(request, staff), "status": STATUS}
    return templates.TemplateResponse(request, "pittari/inbox.html", context)


@router.get("/inbox/{application_id}", response_class=HTMLResponse)
def inbox_item(request: Request, application_id: str, staff: Clerk) -> HTMLResponse:
    found = next((r for r in _inbox(request, staff) if r.application_id == application_id), None)
    if found is None:
        raise NotFound("申請が見つかりません", record=application_id, field="application_id")
    runtime = get_runtime(request)
    jpki = JpkiClient(runtime.transport)
    check = municipal_portal.check_application(found, checker=CertificateChecker(jpki), jpki=jpki)
    context = {"staff": staff, "a": found, "check": check, "status": STATUS}
    return templates.TemplateResponse(request, "pittari/item.html", context)


@router.post("/inbox/{application_id}/decide", dependencies=CSRF)
def decide(
    request: Request,
    application_id: str,
    staff: Clerk,
    decision: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    if not any(r.application_id == application_id for r in _inbox(request, staff)):
        raise NotFound("申請が見つかりません", record=application_id, field="application_id")
    runtime = get_runtime(request)
    with runtime.municipal_session(staff.lg_code) as session:
        asked = municipal_portal.decision_request(
            session,
            lg_code=staff.lg_code,
            settings=runtime.settings,
            application_id=application_id,
            decision=decision,
            note=note,
            decided_by=staff.login,
        )
    ApplicationInboxClient(runtime.transport).decide(asked)
    return RedirectResponse(f"/inbox/{application_id}", status_code=303)
