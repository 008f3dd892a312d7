"""自己情報取得API over HTTP: FAPI 2.0 endpoints, the person's consent pages and the operator's client register.

Endpoints (decision 0098): `/.well-known/oauth-authorization-server` (RFC 8414), `POST /portal/oauth/par`
(RFC 9126), `/portal/oauth/authorize` (the person, logged in with the card, sees the request and decides),
`POST /portal/oauth/token`, and the resource `GET /portal/api/v1/self-information` (DPoP-bound token; the
consent's state is read on every call). The person manages consents at `/portal/consents`; the operator registers
clients at `/portal/operator/clients`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.errors import Invalid
from renkei.portal import consents, oauth
from renkei.portal.models import PortalApiClient
from renkei.web.deps import CurrentStaff, check_csrf, get_runtime, require_role
from renkei.web.portal import NEXT_KEY, USER_KEY, Resident, get_portal
from renkei.web.templating import templates

router = APIRouter()
CSRF = [Depends(check_csrf)]
HubOperator = Annotated[CurrentStaff, Depends(require_role("hub_operator"))]
NO_STORE = {"cache-control": "no-store"}
T = TypeVar("T")


def issuer(request: Request) -> str:
    """The authorization server's issuer identifier: this server's origin (RFC 8414 §2)."""
    return f"{request.url.scheme}://{request.url.netloc}"


def _here(request: Request) -> str:
    """The request's URL without query or fragment, as a DPoP proof's `htu` names it (RFC 9449 §4.2)."""
    return f"{issuer(request)}{request.url.path}"


def _in_portal(request: Request, work: Callable[[Session], T]) -> T:
    """Run `work` in one portal transaction that commits even when it refuses (a spent code stays spent)."""
    failure: oauth.OAuthError | None = None
    result: T | None = None
    with get_runtime(request).session("portal") as session:
        try:
            result = work(session)
        except oauth.OAuthError as exc:
            failure = exc
    if failure is not None:
        raise failure
    return result  # type: ignore[return-value]


def _oauth_json(exc: oauth.OAuthError) -> JSONResponse:
    headers = dict(NO_STORE)
    if exc.status == 401:
        headers["www-authenticate"] = f'DPoP error="{exc.error}", algs="{" ".join(oauth.ALGORITHMS)}"'
    return JSONResponse(exc.as_dict(), status_code=exc.status, headers=headers)


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


@router.get("/.well-known/oauth-authorization-server")
def metadata(request: Request) -> JSONResponse:
    base = issuer(request)
    return JSONResponse(
        {
            "issuer": base,
            "pushed_authorization_request_endpoint": f"{base}/portal/oauth/par",
            "require_pushed_authorization_requests": True,
            "authorization_endpoint": f"{base}/portal/oauth/authorize",
            "token_endpoint": f"{base}/portal/oauth/token",
            "jwks_uri": f"{base}/portal/oauth/jwks",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": oauth.ALGORITHMS,
            "dpop_signing_alg_values_supported": oauth.ALGORITHMS,
            "authorization_response_iss_parameter_supported": True,
            "authorization_details_types_supported": [consents.DETAILS_TYPE],
            "renkei_self_information_endpoint": f"{base}/portal/api/v1/self-information",
        }
    )


@router.get("/portal/oauth/jwks")
def jwks(request: Request) -> JSONResponse:
    """The key that signs consent artefacts, so a client can check the artefact it is given."""
    return JSONResponse({"keys": [consents.public_jwk(get_runtime(request).settings)]})


@router.post("/portal/oauth/par")
async def pushed_authorization_request(request: Request) -> Response:
    form = await _form(request)
    base, here, proof = issuer(request), _here(request), request.headers.get("dpop")

    def work(session: Session) -> dict[str, Any]:
        client = oauth.authenticate_client(session, form, issuer=base)
        jkt = oauth.dpop_key(session, proof, method="POST", url=here) if proof else None
        return oauth.push(session, client=client, form=form, dpop_jkt=jkt)

    try:
        answer = _in_portal(request, work)
    except oauth.OAuthError as exc:
        return _oauth_json(exc)
    return JSONResponse(answer, status_code=201, headers=NO_STORE)


def _authorize_context(request: Request, found: oauth.Pending) -> dict[str, Any]:
    terms = found.request.parameters["terms"]
    return {
        "client": found.client,
        "terms": terms,
        "info_sets": consents.info_set_names(terms["info_sets"]),
        "request_uri": oauth.REQUEST_URI_PREFIX + found.request.id,
        "redirect_host": found.request.parameters["redirect_uri"].split("/")[2],
    }


@router.get("/portal/oauth/authorize", response_class=HTMLResponse)
def authorize_page(request: Request, client_id: str = "", request_uri: str = "") -> Response:
    with get_runtime(request).session("portal") as session:
        found = oauth.pending(session, client_id=client_id, request_uri=request_uri)  # no PAR: refused here
        context = _authorize_context(request, found)
    if not isinstance(request.session.get(USER_KEY), int):  # the person logs in with the card first
        request.session[NEXT_KEY] = f"/portal/oauth/authorize?{request.url.query}"
        return RedirectResponse("/portal/login", status_code=303)
    return templates.TemplateResponse(request, "portal/authorize.html", context)


@router.post("/portal/oauth/authorize", dependencies=CSRF)
def authorize(
    request: Request,
    user_id: Resident,
    client_id: Annotated[str, Form()] = "",
    request_uri: Annotated[str, Form()] = "",
    decision: Annotated[str, Form()] = "",
) -> Response:
    if decision not in ("approve", "deny"):
        raise Invalid("同意するか同意しないかを選んでください", record=client_id[:64], field="decision")
    settings, base = get_runtime(request).settings, issuer(request)
    with get_runtime(request).session("portal") as session:
        found = oauth.pending(session, client_id=client_id, request_uri=request_uri)
        consent = None
        if decision == "approve":
            terms = consents.parse_terms([found.request.parameters["terms"]])
            consent = consents.grant(
                session, settings=settings, user_id=user_id, client=found.client, terms=terms, issuer=base
            )
        target = oauth.decide(session, found=found, consent=consent, issuer=base)
    return RedirectResponse(target, status_code=303)  # FAPI 2.0: 303, never 307


@router.post("/portal/oauth/token")
async def token(request: Request) -> Response:
    form = await _form(request)
    base, here, proof = issuer(request), _here(request), request.headers.get("dpop")

    def work(session: Session) -> dict[str, Any]:
        client = oauth.authenticate_client(session, form, issuer=base)
        jkt = oauth.dpop_key(session, proof, method="POST", url=here)
        return oauth.exchange_code(session, client=client, form=form, dpop_jkt=jkt)

    try:
        answer = _in_portal(request, work)
    except oauth.OAuthError as exc:
        return _oauth_json(exc)
    return JSONResponse(answer, headers=NO_STORE)


@router.get("/portal/api/v1/self-information")
def self_information(request: Request) -> Response:
    here, proof = _here(request), request.headers.get("dpop")
    try:
        access_token = oauth.token_of(request.headers.get("authorization"))

        def work(session: Session) -> Any:
            jkt = oauth.dpop_key(session, proof, method="GET", url=here, access_token=access_token)
            _token, consent = oauth.access(session, token=access_token, jkt=jkt)
            if consents.uses_today(session, consent) >= int(consent.terms["fetches_per_day"]):
                raise oauth.OAuthError(
                    "rate_limited", "同意された取得回数（1日あたり）を超えています", status=429
                )
            session.expunge(consent)
            return consent

        consent = _in_portal(request, work)
    except oauth.OAuthError as exc:
        return _oauth_json(exc)
    return JSONResponse(get_portal(request).api_fetch(consent=consent), headers=NO_STORE)


# -- the person's consents ---------------------------------------------------------------------------------------
@router.get("/portal/consents", response_class=HTMLResponse)
def consent_list(request: Request, user_id: Resident) -> HTMLResponse:
    portal = get_portal(request)
    found = portal.consents(user_id)
    now = clock.now()
    rows = [
        {
            "consent": c,
            "state": consents.state(c, now=now),
            "label": consents.STATES[consents.state(c, now=now)],
            "info_sets": consents.info_set_names(c.terms["info_sets"]),
        }
        for c in found
    ]
    with get_runtime(request).session("portal") as session:
        names = {c.client_id: c.name for c in oauth.list_clients(session)}
    return templates.TemplateResponse(
        request, "portal/consents.html", {"rows": rows, "names": names, "jst": clock.JST}
    )


@router.post("/portal/consents/{consent_id}/{action}", dependencies=CSRF)
def consent_change(request: Request, user_id: Resident, consent_id: str, action: str) -> Response:
    get_portal(request).change_consent(user_id, consent_id, action)
    return RedirectResponse("/portal/consents", status_code=303)


# -- the operator's register of clients ----------------------------------------------------------------------------
@router.get("/portal/operator/clients", response_class=HTMLResponse)
def clients_page(request: Request, staff: HubOperator) -> HTMLResponse:
    with get_runtime(request).session("portal") as session:
        found = oauth.list_clients(session)
        session.expunge_all()
    return templates.TemplateResponse(request, "portal/clients.html", {"clients": found, "registered": None})


@router.post("/portal/operator/clients", dependencies=CSRF, response_class=HTMLResponse)
def register_client(
    request: Request,
    staff: HubOperator,
    name: Annotated[str, Form()] = "",
    redirect_uris: Annotated[str, Form()] = "",
    jwks: Annotated[str, Form()] = "",
) -> HTMLResponse:
    try:
        keys = json.loads(jwks or "null")
    except ValueError:
        raise Invalid("JWKS がJSONではありません", record=name[:40] or "（空欄）", field="jwks") from None
    with get_runtime(request).session("portal") as session:
        client: PortalApiClient = oauth.register_client(
            session, name=name, redirect_uris=redirect_uris.splitlines(), jwks=keys, registered_by=staff.login
        )
        found = oauth.list_clients(session)
        session.expunge_all()
    return templates.TemplateResponse(
        request, "portal/clients.html", {"clients": found, "registered": client}
    )
