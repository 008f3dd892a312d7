"""Card free-space applications at the municipal window: the municipality's registered applications, and a
resident's cards with what their free space holds (write and delete with the holder's PIN)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from renkei.core.errors import Invalid
from renkei.protocol.card_apps import AppRegistration, CardAppClient
from renkei.protocol.jpki import JpkiClient
from renkei.residents import service as residents
from renkei.web.deps import CurrentStaff, check_csrf, get_runtime, require_role
from renkei.web.params import RowId
from renkei.web.templating import templates

router = APIRouter()

Window = Annotated[CurrentStaff, Depends(require_role("juki"))]
Admin = Annotated[CurrentStaff, Depends(require_role("admin", "juki"))]
CSRF = [Depends(check_csrf)]


@router.get("/cardapps", response_class=HTMLResponse)
def registry(request: Request, staff: Admin) -> HTMLResponse:
    apps = CardAppClient(get_runtime(request).transport).registry(staff.lg_code)
    return templates.TemplateResponse(request, "cardapps/index.html", {"apps": apps})


@router.post("/cardapps", dependencies=CSRF)
def register(
    request: Request,
    *,
    staff: Admin,
    name: Annotated[str, Form()],
    purpose: Annotated[str, Form()] = "",
    pin_to_read: Annotated[str, Form()] = "",
) -> RedirectResponse:
    if not name.strip() or len(name) > 100:
        raise Invalid("アプリケーション名は1〜100文字です", record=name, field="name")
    CardAppClient(get_runtime(request).transport).register(
        AppRegistration(
            lg_code=staff.lg_code, name=name, purpose=purpose[:200], pin_to_read=bool(pin_to_read)
        )
    )
    return RedirectResponse("/cardapps", status_code=303)


@router.get("/cardapps/residents/{resident_id}", response_class=HTMLResponse)
def holder(request: Request, staff: Window, resident_id: RowId) -> HTMLResponse:
    runtime = get_runtime(request)
    with runtime.municipal_session(staff.lg_code) as session:
        resident = residents.get_resident(session, resident_id=resident_id)
    client = CardAppClient(runtime.transport)
    cards = JpkiClient(runtime.transport).holder_status(lg_code=staff.lg_code, resident_id=resident_id).cards
    contents = {c.card_number: client.read(card_number=c.card_number) for c in cards if c.status == "active"}
    context = {"r": resident, "cards": cards, "contents": contents, "apps": client.registry(staff.lg_code)}
    return templates.TemplateResponse(request, "cardapps/holder.html", context)


@router.post("/cardapps/residents/{resident_id}/write", dependencies=CSRF)
def write(
    request: Request,
    *,
    staff: Window,
    resident_id: RowId,
    card_number: Annotated[str, Form()],
    app_code: Annotated[str, Form()],
    pin: Annotated[str, Form()],
    value: Annotated[str, Form()] = "",
) -> RedirectResponse:
    CardAppClient(get_runtime(request).transport).write(
        lg_code=staff.lg_code,
        card_number=card_number,
        app_code=app_code,
        pin=pin,
        data={"番号": value.strip()},
    )
    return RedirectResponse(f"/cardapps/residents/{resident_id}", status_code=303)


@router.post("/cardapps/residents/{resident_id}/delete", dependencies=CSRF)
def delete(
    request: Request,
    *,
    staff: Window,
    resident_id: RowId,
    card_number: Annotated[str, Form()],
    app_code: Annotated[str, Form()],
    pin: Annotated[str, Form()],
) -> RedirectResponse:
    CardAppClient(get_runtime(request).transport).delete(
        lg_code=staff.lg_code, card_number=card_number, app_code=app_code, pin=pin
    )
    return RedirectResponse(f"/cardapps/residents/{resident_id}", status_code=303)
