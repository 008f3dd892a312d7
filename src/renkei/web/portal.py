"""マイナポータル pages for residents: card login, やりとり履歴 (verified on the server and in the browser), downloads.

The resident's session holds only the portal user id and the certificate serial, set after every check passed;
the session is cleared and a new CSRF token made at login (no session fixation). Staff sessions and resident
sessions never mix: a login of either kind clears the other.
"""

from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from renkei.core import clock
from renkei.core.errors import Forbidden, Invalid, RenkeiError, Unauthenticated
from renkei.portal import history
from renkei.portal.service import Portal
from renkei.protocol import signing
from renkei.web.deps import CSRF_KEY, check_csrf, get_runtime
from renkei.web.portal_charts import stacked_bars
from renkei.web.templating import templates

router = APIRouter()
CSRF = [Depends(check_csrf)]
USER_KEY = "portal_user_id"
SERIAL_KEY = "portal_serial"
CARD_KEY = "portal_card"
NEXT_KEY = "portal_next"  # an authorization request (自己情報取得API) waiting for the card login
CARD_FIELDS = {"card_number": "カード番号", "pin": "利用者証明用PIN"}


def get_portal(request: Request) -> Portal:
    """The process's one Portal (made on first use from the Runtime)."""
    portal: Portal | None = getattr(request.app.state, "portal", None)
    if portal is None:
        runtime = get_runtime(request)
        if runtime.transport is runtime.in_process:
            # One process: the portal's 利用者登録 reaches the municipal nodes here (the lead's runtime wiring
            # should do this once for every component; until then the portal mounts them when it starts).
            for lg_code in runtime.municipalities():
                runtime.mount_municipality(lg_code)
        portal = Portal(
            sessions=lambda: runtime.session("portal"), settings=runtime.settings, transport=runtime.transport
        )
        request.app.state.portal = portal
    return portal


def resident(request: Request) -> int:
    """The logged-in resident's portal user id; otherwise to the login page (HTML) or 401 (JSON)."""
    user_id = request.session.get(USER_KEY)
    if isinstance(user_id, int):
        return user_id
    if request.url.path.startswith("/api/"):
        raise Unauthenticated("マイナポータルへのログインが必要です")
    raise HTTPException(status_code=303, headers={"Location": "/portal/login"})


Resident = Annotated[int, Depends(resident)]


@router.get("/portal", response_class=HTMLResponse)
def portal_home(request: Request) -> Response:
    user_id = request.session.get(USER_KEY)
    if not isinstance(user_id, int):
        return RedirectResponse("/portal/login", status_code=303)
    user = get_portal(request).user(user_id)
    return templates.TemplateResponse(request, "portal/home.html", {"user": user})


def _login_page(request: Request, *, error: RenkeiError | None = None, card_number: str = "") -> HTMLResponse:
    challenge = get_portal(request).begin_login()
    status = 200 if error is None else error.status_code
    locked = error is not None and "ロック" in error.message
    context = {"challenge": challenge, "error": error, "card_number": card_number, "locked": locked}
    return templates.TemplateResponse(request, "portal/login.html", context, status_code=status)


@router.get("/portal/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    return _login_page(request)


@router.post("/portal/login", dependencies=CSRF, response_class=HTMLResponse)
def login(
    request: Request,
    challenge_id: Annotated[str, Form()] = "",
    card_number: Annotated[str, Form()] = "",
    pin: Annotated[str, Form()] = "",
) -> Response:
    card_number, pin = card_number.strip(), pin.strip()
    try:
        if not card_number.isdigit() or len(card_number) != 12:
            raise Invalid(
                "カード番号は12桁の数字です",
                record=card_number or "（空欄）",
                field=CARD_FIELDS["card_number"],
            )
        if not pin.isdigit() or len(pin) != 4:
            raise Invalid("利用者証明用PINは4桁の数字です", record=card_number, field=CARD_FIELDS["pin"])
        person = get_portal(request).login_with_card(
            challenge_id=challenge_id, card_number=card_number, pin=pin
        )
    except (Unauthenticated, Forbidden, Invalid) as exc:
        return _login_page(request, error=exc, card_number=card_number)
    waiting = request.session.get(NEXT_KEY)
    request.session.clear()  # a session fixed before login never becomes a logged-in one
    # The card stays "in the reader" for this session: ぴったりサービス signs with the same card (署名用 PIN).
    request.session.update({USER_KEY: person.user_id, SERIAL_KEY: person.serial, CARD_KEY: card_number})
    request.session[CSRF_KEY] = secrets.token_urlsafe(32)
    if isinstance(waiting, str) and waiting.startswith("/portal/oauth/authorize?"):  # never elsewhere
        return RedirectResponse(waiting, status_code=303)
    return RedirectResponse("/portal", status_code=303)


@router.post("/portal/logout", dependencies=CSRF)
def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/portal/login", status_code=303)


def _filters(request: Request) -> dict[str, object]:
    q = request.query_params
    page_text = q.get("page") or "1"
    if not page_text.isdigit():
        raise Invalid("ページは数字です", record=page_text, field="page")
    return {
        "date_from": history.parse_period(q.get("from"), field_name="from"),
        "date_to": history.parse_period(q.get("to"), field_name="to"),
        "agency": q.get("agency") or None,
        "page": int(page_text),
    }


@router.get("/portal/history", response_class=HTMLResponse)
def history_page(request: Request, user_id: Resident) -> HTMLResponse:
    portal = get_portal(request)
    filters = _filters(request)
    shown = portal.history(user_id, **filters)  # type: ignore[arg-type]
    months = history.by_month(shown.everything)
    hub_key = portal.hub_public_key()
    proofs = [{"seq": e.seq, "proof": e.proof} for e in shown.exchanges]
    context = {
        "history": shown,
        "filters": filters,
        "query": request.url.query,
        "data": {"hub_key": hub_key, "entries": proofs},
        "hub_key_id": signing.key_id(hub_key),
        "jst": clock.JST,
        "chart": stacked_bars(
            [m for m, _ in months],
            {"照会・提供": [n for _, n in months]},
            title="あなたの情報のやりとり（月別）",
            chart_id="my-exchanges-chart",
            width=600,
            height=180,
        ),
        "page_link": lambda page: _page_link(request, page),
    }
    return templates.TemplateResponse(request, "portal/history.html", context)


def _page_link(request: Request, page: int) -> str:
    params = dict(request.query_params)
    params["page"] = str(page)
    return "/portal/history?" + urlencode(params)


def _download(request: Request, user_id: int) -> list[history.Exchange]:
    filters = _filters(request)
    filters["page"] = 1
    portal = get_portal(request)
    shown = history.select(
        portal.exchanges(user_id),
        date_from=filters["date_from"],  # type: ignore[arg-type]
        date_to=filters["date_to"],  # type: ignore[arg-type]
        agency=filters["agency"],  # type: ignore[arg-type]
        page_size=1_000_000,
    )
    return shown.exchanges


@router.get("/portal/history.csv")
def history_csv(request: Request, user_id: Resident) -> Response:
    body = history.to_csv(_download(request, user_id))
    headers = {"content-disposition": 'attachment; filename="yaritori-rireki.csv"'}
    return Response(body, media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/portal/history.pdf")
def history_pdf(request: Request, user_id: Resident) -> Response:
    body = history.to_pdf(_download(request, user_id))
    headers = {"content-disposition": 'attachment; filename="yaritori-rireki.pdf"'}
    return Response(body, media_type="application/pdf", headers=headers)


@router.get("/portal/self", response_class=HTMLResponse)
def self_information_form(request: Request, user_id: Resident) -> HTMLResponse:
    return templates.TemplateResponse(request, "portal/self.html", {"results": None})


# A POST: each fetch is a set of 情報照会 through the hub, recorded and shown in やりとり履歴 (decision 0095).
@router.post("/portal/self", dependencies=CSRF, response_class=HTMLResponse)
def self_information(request: Request, user_id: Resident) -> HTMLResponse:
    results = get_portal(request).self_information(user_id)
    return templates.TemplateResponse(request, "portal/self.html", {"results": results})
