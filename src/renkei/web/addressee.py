"""団体内統合宛名 pages: search, a person with their systems' 宛名番号, My Number display with a reason, logs, 名寄せ."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from renkei.addressee import service as addressee
from renkei.addressee.schemas import SYSTEMS, AddresseeView, Basis
from renkei.core.errors import Forbidden, Invalid
from renkei.web.deps import CurrentStaff, check_csrf, get_runtime, require_role
from renkei.web.templating import templates

router = APIRouter()

# Who may do what (decision 0023). 個人番号利用事務 roles handle My Numbers; 情報政策課 runs the addressee system
# but has no lawful purpose to see a My Number; the auditor reads logs only.
MYNUMBER_ROLES = ("juki", "tax", "welfare")
SEARCH_ROLES = (*MYNUMBER_ROLES, "admin")
Searcher = Annotated[CurrentStaff, Depends(require_role(*SEARCH_ROLES))]
Revealer = Annotated[CurrentStaff, Depends(require_role(*MYNUMBER_ROLES))]
LogReader = Annotated[CurrentStaff, Depends(require_role("admin", "auditor"))]
Matcher = Annotated[CurrentStaff, Depends(require_role("admin", "juki"))]

# The business systems whose 宛名番号 each role works with; a role sees only these links.
ROLE_SYSTEMS: dict[str, tuple[str, ...]] = {
    "juki": ("juki",),
    "tax": ("tax",),
    "welfare": ("kokuho", "kaigo", "jidoteate", "seiho"),
    "admin": tuple(SYSTEMS),
}
# Suggested purposes for a display; the clerk may write any reason, but must write one.
REASONS = (
    "本人からの申請書の個人番号と照合するため",
    "住民票の写し（個人番号記載）の交付のため",
    "情報照会の対象者を確認するため",
    "税務調査・賦課事務のため",
    "給付の審査のため",
)


def systems_of(staff: CurrentStaff) -> tuple[str, ...]:
    """The systems whose links `staff` may see (the union over their roles), in SYSTEMS order."""
    allowed = {system for role in staff.roles for system in ROLE_SYSTEMS.get(role, ())}
    return tuple(s for s in SYSTEMS if s in allowed)


def visible(person: AddresseeView, staff: CurrentStaff) -> AddresseeView:
    """The person with only the links of the caller's own systems (the one place links are filtered)."""
    allowed = set(systems_of(staff))
    return person.model_copy(update={"links": [link for link in person.links if link.system in allowed]})


def _page(request: Request, name: str, staff: CurrentStaff, **context: object) -> HTMLResponse:
    context.setdefault("error", None)
    base = {"staff": staff, "systems": {s: SYSTEMS[s] for s in systems_of(staff)}, "reasons": REASONS}
    return templates.TemplateResponse(request, f"addressee/{name}.html", {**base, **context})


@router.get("/addressee", response_class=HTMLResponse)
def search(
    request: Request,
    staff: Searcher,
    *,
    by: Annotated[str, Query()] = "",
    value: Annotated[str, Query(max_length=100)] = "",
    system: Annotated[str, Query()] = "",
) -> HTMLResponse:
    """The search form; links may search by number or name in the query string, never by My Number."""
    if by == "mynumber":
        raise Invalid(
            "個人番号での検索は検索フォームから行ってください（URL に個人番号を載せないため）", field="by"
        )
    return _search(request, staff, by=by, value=value, system=system)


# The form posts, so a My Number typed into it never appears in a URL, a proxy log or the browser history.
@router.post("/addressee/search", dependencies=[Depends(check_csrf)], response_class=HTMLResponse)
def search_form(
    request: Request,
    staff: Searcher,
    *,
    by: Annotated[str, Form()] = "",
    value: Annotated[str, Form(max_length=100)] = "",
    system: Annotated[str, Form()] = "",
) -> HTMLResponse:
    response = _search(request, staff, by=by, value=value, system=system)
    response.headers["Cache-Control"] = "no-store"
    return response


def _search(request: Request, staff: CurrentStaff, *, by: str, value: str, system: str) -> HTMLResponse:
    value = value.strip().replace("-", "").replace(" ", "") if by != "name" else value.strip()
    if not by or not value:
        return _page(
            request, "search", staff, results=None, by=by or "integrated", value=value, system=system
        )
    runtime = get_runtime(request)
    with runtime.municipal_session(staff.lg_code) as session:
        if by == "mynumber":
            if not staff.has_role(*MYNUMBER_ROLES):
                raise Forbidden("個人番号による検索は個人番号利用事務の担当者だけが行えます", field="by")
            results = addressee.find_by_mynumber(session, mynumber=value, settings=runtime.settings)
        elif by == "integrated":
            results = [addressee.get(session, integrated_number=value)]
        elif by == "atena":
            if system not in systems_of(staff):
                raise Forbidden(
                    "担当外の業務システムの宛名番号では検索できません", record=system, field="system"
                )
            results = [addressee.find_by_atena(session, system=system, atena=value)]
        elif by == "name":
            results = addressee.search(session, query=value)
        else:
            raise Invalid(f"検索方法が不明です: {by}", field="by")
    shown = [visible(p, staff) for p in results]
    echo = value if by != "mynumber" else ""
    return _page(request, "search", staff, results=shown, by=by, value=echo, system=system)


@router.get("/addressee/access-log", response_class=HTMLResponse)
def access_log(
    request: Request, staff: LogReader, integrated_number: Annotated[str, Query(max_length=15)] = ""
) -> HTMLResponse:
    with get_runtime(request).municipal_session(staff.lg_code) as session:
        rows = addressee.access_log(session, integrated_number=integrated_number.strip() or None, limit=500)
    return _page(request, "access_log", staff, rows=rows, integrated_number=integrated_number)


@router.get("/addressee/duplicates", response_class=HTMLResponse)
def duplicates(request: Request, staff: Matcher) -> HTMLResponse:
    with get_runtime(request).municipal_session(staff.lg_code) as session:
        groups = addressee.duplicate_candidates(session)
    return _page(request, "duplicates", staff, groups=groups)


def _bases(session: Session, staff: CurrentStaff) -> list[Basis]:
    """The 事務 of the clerk's own systems whose legal basis holds today: what a display may be for."""
    allowed = set(systems_of(staff))
    return [b for b in addressee.list_bases(session) if b.valid and b.system in allowed]


@router.get("/addressee/{integrated_number}", response_class=HTMLResponse)
def person(request: Request, staff: Searcher, integrated_number: str) -> HTMLResponse:
    with get_runtime(request).municipal_session(staff.lg_code) as session:
        found = addressee.get(session, integrated_number=integrated_number)
        bases = _bases(session, staff)
    return _page(request, "person", staff, p=visible(found, staff), mynumber=None, reason="", bases=bases)


@router.post(
    "/addressee/{integrated_number}/reveal", dependencies=[Depends(check_csrf)], response_class=HTMLResponse
)
def reveal(
    request: Request,
    staff: Revealer,
    integrated_number: str,
    reason: Annotated[str, Form()] = "",
    jimu_code: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Show the My Number once for a 事務 with a legal basis, recording who, when, why (or the refusal)."""
    runtime = get_runtime(request)
    with runtime.municipal_session(staff.lg_code) as session:
        found = addressee.get(session, integrated_number=integrated_number)
        basis = addressee.basis_for(session, jimu_code=jimu_code) if jimu_code.strip() else None
        if basis is not None and basis.system and basis.system not in systems_of(staff):
            raise Forbidden(
                "担当外の業務システムの事務では表示できません", record=jimu_code, field="事務コード"
            )
        mynumber = addressee.reveal_mynumber(
            session,
            integrated_number=integrated_number,
            staff_id=str(staff.id),
            staff_name=f"{staff.name}（{staff.login}）",
            reason=reason,
            jimu_code=jimu_code,
            settings=runtime.settings,
        )
        bases = _bases(session, staff)
    response = _page(
        request,
        "person",
        staff,
        p=visible(found, staff),
        mynumber=mynumber,
        reason=reason.strip(),
        bases=bases,
        basis=basis,
    )
    response.headers["Cache-Control"] = "no-store"
    return response
