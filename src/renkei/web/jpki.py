"""公的個人認証 pages: the municipal window (交付, PIN初期化, 一時停止と解除, 失効, 更新) and the CA's public state.

The window reads the person from this municipality's register and sends jpki only the 基本4情報 and the
(lg_code, resident_id) over `JpkiClient`, as a real 市区町村 sends them to J-LIS.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from renkei.jpki import service as jpki
from renkei.jpki.oids import REASON_LABELS, REASON_NAMES
from renkei.jpki.verifiers import CATEGORY_LABELS
from renkei.protocol.jpki import CardApplication, CertKind, IdentityCheck, JpkiClient
from renkei.residents import service as residents
from renkei.runtime import Runtime
from renkei.web.deps import CurrentStaff, check_csrf, get_runtime, require_role
from renkei.web.params import RowId
from renkei.web.templating import templates

router = APIRouter()

Window = Annotated[CurrentStaff, Depends(require_role("juki"))]
Viewer = Annotated[CurrentStaff, Depends(require_role("juki", "admin", "auditor"))]
CSRF = [Depends(check_csrf)]
DONE = {
    "issue": "カードを交付しました",
    "reset": "PINを初期化しました",
    "suspend": "一時停止しました",
    "resume": "一時停止を解除しました",
    "revoke": "電子証明書を失効させました",
    "renew": "電子証明書を更新しました",
}
REVOCABLE = {
    name: REASON_LABELS[reason]
    for name, reason in REASON_NAMES.items()
    if name in ("unspecified", "key-compromise", "cessation-of-operation", "privilege-withdrawn")
}


def identity_check(runtime: Runtime, *, lg_code: str, resident_id: RowId, document: str) -> IdentityCheck:
    """Who the person at the window is, from this municipality's register (a resident no longer here fails)."""
    with runtime.municipal_session(lg_code) as session:
        return residents.identity_check(session, lg_code=lg_code, resident_id=resident_id, document=document)


@router.get("/jpki", response_class=HTMLResponse)
def overview(request: Request, staff: Viewer) -> HTMLResponse:
    runtime = get_runtime(request)
    with runtime.session("jpki") as session:
        authorities = jpki.init_hierarchy(session, settings=runtime.settings)
        log = jpki.recent_log(session, limit=30)
        verifiers = jpki.list_verifiers(session)
    context: dict[str, Any] = {
        "authorities": authorities,
        "log": log,
        "verifiers": verifiers,
        "categories": CATEGORY_LABELS,
    }
    return templates.TemplateResponse(request, "jpki/index.html", context)


@router.get("/jpki/residents/{resident_id}", response_class=HTMLResponse)
def holder(request: Request, staff: Window, resident_id: RowId) -> HTMLResponse:
    runtime = get_runtime(request)
    with runtime.municipal_session(staff.lg_code) as session:
        resident = residents.get_resident(session, resident_id=resident_id)
    status = JpkiClient(runtime.transport).holder_status(lg_code=staff.lg_code, resident_id=resident_id)
    context = {
        "r": resident,
        "cards": status.cards,
        "done": DONE.get(request.query_params.get("done", "")),
        "reasons": REVOCABLE,
    }
    return templates.TemplateResponse(request, "jpki/holder.html", context)


def _back(resident_id: RowId, done: str) -> RedirectResponse:
    return RedirectResponse(f"/jpki/residents/{resident_id}?done={done}", status_code=303)


@router.post("/jpki/residents/{resident_id}/issue", dependencies=CSRF)
def issue(
    request: Request,
    *,
    staff: Window,
    resident_id: RowId,
    identity_document: Annotated[str, Form()],
    auth_pin: Annotated[str, Form()],
    sign_pin: Annotated[str, Form()] = "",
    want_sign: Annotated[str, Form()] = "",
) -> RedirectResponse:
    runtime = get_runtime(request)
    check = identity_check(
        runtime, lg_code=staff.lg_code, resident_id=resident_id, document=identity_document
    )
    application = CardApplication(
        check=check,
        declared=check.registered,
        auth_pin=auth_pin,
        sign_pin=sign_pin or None,
        want_sign=bool(want_sign),
    )
    JpkiClient(runtime.transport).issue_card(application)
    return _back(resident_id, "issue")


@router.post("/jpki/residents/{resident_id}/reset-pin", dependencies=CSRF)
def reset_pin(
    request: Request,
    *,
    staff: Window,
    resident_id: RowId,
    card_number: Annotated[str, Form()],
    slot: Annotated[str, Form()],
    new_pin: Annotated[str, Form()],
    identity_document: Annotated[str, Form()],
) -> RedirectResponse:
    runtime = get_runtime(request)
    check = identity_check(
        runtime, lg_code=staff.lg_code, resident_id=resident_id, document=identity_document
    )
    JpkiClient(runtime.transport).reset_pin(
        card_number=card_number, slot="sign" if slot == "sign" else "auth", new_pin=new_pin, check=check
    )
    return _back(resident_id, "reset")


@router.post("/jpki/residents/{resident_id}/suspend", dependencies=CSRF)
def suspend(
    request: Request, staff: Window, resident_id: RowId, card_number: Annotated[str, Form()]
) -> RedirectResponse:
    JpkiClient(get_runtime(request).transport).suspend(card_number=card_number)
    return _back(resident_id, "suspend")


@router.post("/jpki/residents/{resident_id}/resume", dependencies=CSRF)
def resume(
    request: Request,
    staff: Window,
    resident_id: RowId,
    card_number: Annotated[str, Form()],
    identity_document: Annotated[str, Form()],
) -> RedirectResponse:
    runtime = get_runtime(request)
    check = identity_check(
        runtime, lg_code=staff.lg_code, resident_id=resident_id, document=identity_document
    )
    JpkiClient(runtime.transport).resume(card_number=card_number, check=check)
    return _back(resident_id, "resume")


@router.post("/jpki/residents/{resident_id}/revoke", dependencies=CSRF)
def revoke(
    request: Request,
    *,
    staff: Window,
    resident_id: RowId,
    card_number: Annotated[str, Form()],
    kind: Annotated[str, Form()],
    reason: Annotated[str, Form()],
    identity_document: Annotated[str, Form()],
) -> RedirectResponse:
    runtime = get_runtime(request)
    check = identity_check(
        runtime, lg_code=staff.lg_code, resident_id=resident_id, document=identity_document
    )
    kinds: dict[str, CertKind] = {"sign": "sign", "auth": "auth", "both": "both"}
    JpkiClient(runtime.transport).revoke(
        card_number=card_number,
        kind=kinds.get(kind, "sign"),
        reason=reason,
        check=check,
    )
    return _back(resident_id, "revoke")


@router.post("/jpki/residents/{resident_id}/renew", dependencies=CSRF)
def renew(
    request: Request,
    *,
    staff: Window,
    resident_id: RowId,
    card_number: Annotated[str, Form()],
    kind: Annotated[str, Form()],
    identity_document: Annotated[str, Form()],
    sign_pin: Annotated[str, Form()] = "",
) -> RedirectResponse:
    runtime = get_runtime(request)
    check = identity_check(
        runtime, lg_code=staff.lg_code, resident_id=resident_id, document=identity_document
    )
    JpkiClient(runtime.transport).renew(
        card_number=card_number,
        kind="sign" if kind == "sign" else "auth",
        check=check,
        sign_pin=sign_pin or None,
    )
    return _back(resident_id, "renew")
