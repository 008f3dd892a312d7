"""コンビニ交付 pages: the kiosk screen (for anyone holding a card), 証明書確認, settlement, a resident's issuances.

The kiosk screen needs no staff login: the card and its PIN authenticate the person, as at a real マルチコピー機.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from renkei.certificates import service as certificates
from renkei.core import clock
from renkei.core.errors import Invalid, NotFound
from renkei.kiosk import service as kiosk
from renkei.protocol.kiosk import KIND_LABELS, CertificateOrder, CertificateServer
from renkei.residents import service as residents
from renkei.web.deps import CurrentStaff, check_csrf, get_runtime, require_role
from renkei.web.params import RowId
from renkei.web.templating import templates

router = APIRouter()

Treasurer = Annotated[CurrentStaff, Depends(require_role("admin", "auditor"))]
Window = Annotated[CurrentStaff, Depends(require_role("juki"))]
CSRF = [Depends(check_csrf)]


@router.get("/kiosk", response_class=HTMLResponse)
def screen(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(
        request, "kiosk/screen.html", {"kinds": KIND_LABELS, "message": None, "records": None}
    )


@router.post("/kiosk", dependencies=CSRF, response_model=None)
def use(
    request: Request,
    *,
    card_number: Annotated[str, Form()],
    pin: Annotated[str, Form()],
    kind: Annotated[str, Form()],
    household: Annotated[str, Form()] = "",
    fiscal_year: Annotated[str, Form()] = "",
    kiosk_id: Annotated[str, Form()] = "WEB-KIOSK",
) -> Response:
    runtime = get_runtime(request)
    if kind not in KIND_LABELS:
        raise Invalid("証明書の種類を選んでください", record=kind, field="kind")
    if fiscal_year.strip() and not fiscal_year.strip().isdigit():
        raise Invalid("年度は数字で入力してください", record=fiscal_year, field="年度")
    order = CertificateOrder(
        kind=kind,  # type: ignore[arg-type]
        household=bool(household),
        fiscal_year=int(fiscal_year) if fiscal_year.strip() else None,
    )
    for lg_code in runtime.municipalities():
        runtime.mount_municipality(lg_code)
    outcome = kiosk.issue(
        runtime.transport,
        lambda: runtime.session("kiosk"),
        kiosk_id=kiosk_id[:20] or "WEB-KIOSK",
        card_number=card_number.strip(),
        pin=pin,
        order=order,
    )
    if not outcome.issued or outcome.document is None:
        context = {"kinds": KIND_LABELS, "message": outcome.message, "records": None}
        return templates.TemplateResponse(request, "kiosk/screen.html", context, status_code=403)
    return Response(
        outcome.pdf(),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{outcome.document.number}.pdf"'},
    )


@router.post("/kiosk/history", dependencies=CSRF, response_class=HTMLResponse)
def own_history(
    request: Request,
    *,
    card_number: Annotated[str, Form()],
    pin: Annotated[str, Form()],
    kiosk_id: Annotated[str, Form()] = "WEB-KIOSK",
) -> HTMLResponse:
    """The person's own 交付履歴 at the kiosk (card and PIN, as for an issuance)."""
    runtime = get_runtime(request)
    for lg_code in runtime.municipalities():
        runtime.mount_municipality(lg_code)
    message, records = kiosk.history(
        runtime.transport, kiosk_id=kiosk_id[:20] or "WEB-KIOSK", card_number=card_number.strip(), pin=pin
    )
    context = {"kinds": KIND_LABELS, "message": message, "records": records}
    return templates.TemplateResponse(request, "kiosk/screen.html", context)


@router.get("/kiosk/check", response_class=HTMLResponse)
def check(request: Request, lg_code: str = "", code: str = "") -> HTMLResponse:
    """証明書確認 (the 問い合わせサイト stand-in): a verification code → what the municipality issued."""
    answer = None
    runtime = get_runtime(request)
    if lg_code and code:
        if lg_code not in runtime.municipalities():
            raise NotFound("この団体の証明書発行サーバはありません", record=lg_code, field="lg_code")
        runtime.mount_municipality(lg_code)
        answer = CertificateServer(runtime.transport, lg_code).check_code(code)
    return templates.TemplateResponse(
        request, "kiosk/check.html", {"answer": answer, "lg_code": lg_code, "code": code}
    )


@router.get("/kiosk/settlement", response_class=HTMLResponse)
def settlement(request: Request, staff: Treasurer, month: str = "") -> HTMLResponse:
    month = month or clock.today().strftime("%Y-%m")
    with get_runtime(request).session("kiosk") as session:
        lines = kiosk.settlement(session, month=month, lg_code=staff.lg_code)
    return templates.TemplateResponse(
        request,
        "kiosk/settlement.html",
        {"lines": lines, "month": month, "total": sum(x.fees for x in lines)},
    )


@router.get("/certificates/residents/{resident_id}", response_class=HTMLResponse)
def resident_certificates(request: Request, staff: Window, resident_id: RowId) -> HTMLResponse:
    with get_runtime(request).municipal_session(staff.lg_code) as session:
        context = {
            "r": residents.get_resident(session, resident_id=resident_id),
            "seal": residents.current_seal(session, resident_id=resident_id),
            "issued": certificates.history(session, resident_id=resident_id),
            "done": request.query_params.get("done"),
        }
    return templates.TemplateResponse(request, "kiosk/resident.html", context)


@router.post("/certificates/residents/{resident_id}/seal", dependencies=CSRF)
def register_seal(
    request: Request, *, staff: Window, resident_id: RowId, impression: Annotated[str, Form()]
) -> RedirectResponse:
    with get_runtime(request).municipal_session(staff.lg_code) as session:
        residents.register_seal(session, resident_id=resident_id, impression=impression)
    return RedirectResponse(f"/certificates/residents/{resident_id}?done=seal", status_code=303)


@router.post("/certificates/residents/{resident_id}/seal/abolish", dependencies=CSRF)
def abolish_seal(request: Request, staff: Window, resident_id: RowId) -> RedirectResponse:
    with get_runtime(request).municipal_session(staff.lg_code) as session:
        residents.abolish_seal(session, resident_id=resident_id)
    return RedirectResponse(f"/certificates/residents/{resident_id}?done=abolished", status_code=303)
