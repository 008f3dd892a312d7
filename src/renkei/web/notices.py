"""お知らせ: a municipality's staff (role お知らせ担当) send notices to residents' マイナポータル; residents read them.

The municipal page chooses the recipients from the register and signs the notice with the node's key; the
portal checks the signature against the hub's registry before it accepts (decision 0093).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse

from renkei.intermediate import portal as municipal_portal
from renkei.intermediate import service as intermediate
from renkei.protocol.hub import HubClient
from renkei.protocol.portal import PortalClient
from renkei.web.deps import CurrentStaff, check_csrf, get_runtime, require_role
from renkei.web.portal import Resident, get_portal
from renkei.web.templating import templates

router = APIRouter()
Sender = Annotated[CurrentStaff, Depends(require_role("notice"))]
CSRF = [Depends(check_csrf)]


@router.get("/notices", response_class=HTMLResponse)
def notice_form(request: Request, staff: Sender) -> HTMLResponse:
    context = {"staff": staff, "targets": municipal_portal.TARGETS, "sent": None}
    return templates.TemplateResponse(request, "notices/form.html", context)


@router.post("/notices", dependencies=CSRF, response_class=HTMLResponse)
def send_notice(  # noqa: PLR0917 - FastAPI passes each form field as an argument
    request: Request,
    staff: Sender,
    title: Annotated[str, Form()] = "",
    body: Annotated[str, Form()] = "",
    target: Annotated[str, Form()] = "",
    atena_number: Annotated[str, Form()] = "",
) -> HTMLResponse:
    runtime = get_runtime(request)
    hub = HubClient(runtime.transport)
    with runtime.municipal_session(staff.lg_code) as session:
        intermediate.register_with_hub(session, lg_code=staff.lg_code, settings=runtime.settings, hub=hub)
    with runtime.municipal_session(staff.lg_code) as session:
        submission = municipal_portal.prepare_notice(
            session,
            lg_code=staff.lg_code,
            settings=runtime.settings,
            title=title,
            body=body,
            target=target,
            atena_number=atena_number.strip() or None,
            sent_by=staff.login,
        )
    accepted = PortalClient(runtime.transport).send_notice(submission)
    context = {"staff": staff, "targets": municipal_portal.TARGETS, "sent": accepted}
    return templates.TemplateResponse(request, "notices/form.html", context)


@router.get("/portal/notices", response_class=HTMLResponse)
def my_notices(request: Request, user_id: Resident) -> HTMLResponse:
    notices = get_portal(request).notices(user_id)
    unread = sum(1 for n in notices if n.read_at is None)
    return templates.TemplateResponse(request, "portal/notices.html", {"notices": notices, "unread": unread})


@router.get("/portal/notices/{notice_id}", response_class=HTMLResponse)
def open_notice(request: Request, notice_id: str, user_id: Resident) -> HTMLResponse:
    notice = get_portal(request).open_notice(user_id, notice_id)
    return templates.TemplateResponse(request, "portal/notice.html", {"notice": notice})
