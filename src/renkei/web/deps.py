"""Who is calling and may they: the logged-in staff member, role checks, and CSRF, as FastAPI dependencies.

How a route uses them (decision 0020)::

    from fastapi import Depends
    from renkei.web.deps import CurrentStaff, check_csrf, get_runtime, require_role

    @router.get("/residents")
    def residents(request: Request, staff: CurrentStaff = Depends(require_role("juki", "admin"))) -> ...:
        with get_runtime(request).municipal_session(staff.lg_code) as session:
            ...

    @router.post("/residents/{rid}/death", dependencies=[Depends(check_csrf)])
    def record_death(..., staff: CurrentStaff = Depends(require_role("juki"))) -> ...:

- `current_staff` — any logged-in staff member (both factors passed). A browser that is not logged in is
  redirected (303) to ``/login?next=<path>``; a path under ``/api/`` gets JSON 401 instead.
- `require_role(*roles)` — a dependency factory: the staff member must hold at least one of `roles`
  (``juki`` 住基担当, ``tax`` 税務担当, ``welfare`` 福祉担当, ``admin`` 情報政策課, ``auditor`` 監査). Otherwise
  `Forbidden` (the error page with status 403, or JSON 403 under ``/api/``).
- `check_csrf` — put it on every POST (``dependencies=[Depends(check_csrf)]``). It compares the form field
  ``csrf_token`` (or the ``X-CSRF-Token`` header, for scripts) with the session's token.
- In templates, ``{{ csrf_input(request) }}`` writes the hidden field into a form; ``csrf_token(request)`` gives
  the bare token.
- `optional_staff(request)` returns the staff member or None, for pages that render for anyone (the front page).

The session holds the staff id, 団体コード, roles and name only after both factors pass; every request also
checks the account is still enabled and its credentials unchanged (`renkei.staff.service.session_is_current`),
so disabling an account or resetting its password ends its sessions at once.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import HTTPException, Request
from markupsafe import Markup, escape

from renkei.core.errors import Forbidden, Unauthenticated
from renkei.runtime import Runtime
from renkei.staff import service as staff_service
from renkei.web.templating import templates

ROLE_LABELS = staff_service.ROLES

# Session keys, one place (base.html reads staff_login / staff_name / staff_lg_name).
SESSION_KEYS = (
    "staff_id",
    "staff_login",
    "staff_name",
    "staff_lg_code",
    "staff_lg_name",
    "staff_roles",
    "staff_epoch",
)
CSRF_KEY = "csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


@dataclass(frozen=True)
class CurrentStaff:
    """The logged-in staff member as the session states it (re-checked against the database every request)."""

    id: int
    login: str
    name: str
    lg_code: str
    roles: frozenset[str]

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def role_labels(self) -> list[str]:
        return [ROLE_LABELS.get(role, role) for role in sorted(self.roles)]


def get_runtime(request: Request) -> Runtime:
    """The process's Runtime (set by create_app)."""
    runtime: Runtime = request.app.state.runtime
    return runtime


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/rpc/"))


def _from_session(request: Request) -> CurrentStaff | None:
    data = request.session
    if "staff_id" not in data:
        return None
    return CurrentStaff(
        id=int(data["staff_id"]),
        login=str(data["staff_login"]),
        name=str(data["staff_name"]),
        lg_code=str(data["staff_lg_code"]),
        roles=frozenset(data.get("staff_roles", [])),
    )


def optional_staff(request: Request) -> CurrentStaff | None:
    """The logged-in staff member, or None; a session whose account was disabled or reset is cleared."""
    staff = _from_session(request)
    if staff is None:
        return None
    with get_runtime(request).municipal_session(staff.lg_code) as session:
        current = staff_service.session_is_current(
            session, staff_id=staff.id, epoch=str(request.session.get("staff_epoch", ""))
        )
    if not current:
        end_session(request)
        return None
    return staff


def current_staff(request: Request) -> CurrentStaff:
    """The logged-in staff member; otherwise a redirect to /login (HTML) or 401 (under /api/)."""
    staff = optional_staff(request)
    if staff is not None:
        return staff
    if _is_api(request):
        raise Unauthenticated("ログインが必要です / login required")
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    raise HTTPException(status_code=303, headers={"Location": f"/login?next={quote(target, safe='')}"})


def require_role(*roles: str) -> Callable[[Request], CurrentStaff]:
    """A dependency admitting staff holding any of `roles` (a logged-in staff member otherwise gets 403)."""
    unknown = set(roles) - set(ROLE_LABELS)
    if unknown or not roles:
        raise ValueError(f"unknown roles {sorted(unknown)}")
    wanted = ", ".join(ROLE_LABELS[r] for r in roles)

    def dependency(request: Request) -> CurrentStaff:
        staff = current_staff(request)
        if not staff.has_role(*roles):
            raise Forbidden(
                f"この画面・操作の権限がありません（必要な役割: {wanted}）", record=request.url.path
            )
        return staff

    dependency.__name__ = f"require_role_{'_'.join(roles)}"
    return dependency


# -- session lifecycle (used by the login and logout routes) -------------------------------------------------
def start_session(request: Request, staff: CurrentStaff, *, lg_name: str, epoch: str) -> None:
    """Store who logged in, after both factors passed; a fresh CSRF token prevents session fixation."""
    request.session.clear()
    request.session.update(
        {
            "staff_id": staff.id,
            "staff_login": staff.login,
            "staff_name": staff.name,
            "staff_lg_code": staff.lg_code,
            "staff_lg_name": lg_name,
            "staff_roles": sorted(staff.roles),
            "staff_epoch": epoch,
        }
    )
    request.session[CSRF_KEY] = secrets.token_urlsafe(32)


def end_session(request: Request) -> None:
    request.session.clear()


# -- CSRF --------------------------------------------------------------------------------------------------
def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use (one per session)."""
    token = request.session.get(CSRF_KEY)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[CSRF_KEY] = token
    return str(token)


def csrf_input(request: Request) -> Markup:
    """The hidden form field carrying the CSRF token (``{{ csrf_input(request) }}`` in a template)."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(
        CSRF_FIELD, escape(csrf_token(request))
    )


async def check_csrf(request: Request) -> None:
    """Refuse a state-changing request whose CSRF token does not match the session's (403)."""
    expected = request.session.get(CSRF_KEY)
    given: Any = request.headers.get(CSRF_HEADER)
    if given is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            given = (await request.form()).get(CSRF_FIELD)
    if not expected or not isinstance(given, str) or not hmac.compare_digest(given, str(expected)):
        raise Forbidden(
            "フォームの有効期限が切れたか、不正な送信です。画面を開き直してやり直してください（CSRF token mismatch）",
            field=CSRF_FIELD,
        )


templates.env.globals["csrf_input"] = csrf_input
templates.env.globals["csrf_token"] = csrf_token
templates.env.globals["role_labels"] = ROLE_LABELS
