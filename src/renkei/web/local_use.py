"""独自利用事務 pages: the 条例 registry and 独自利用計画 (with its Excel export), and each 事務's legal basis."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from renkei.addressee import service as addressee
from renkei.addressee.plan_export import export_plan
from renkei.addressee.schemas import SYSTEMS
from renkei.core import clock
from renkei.core.errors import Invalid
from renkei.web.deps import CurrentStaff, check_csrf, get_runtime, require_role
from renkei.web.templating import templates

router = APIRouter()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Everyone who works with My Numbers, and the auditor, may read the plan; 情報政策課 (admin) keeps the registry.
Reader = Annotated[CurrentStaff, Depends(require_role("juki", "tax", "welfare", "admin", "auditor"))]
Keeper = Annotated[CurrentStaff, Depends(require_role("admin"))]
CSRF = [Depends(check_csrf)]


def _date(value: str, field: str, *, required: bool = False) -> dt.date | None:
    if not value.strip():
        if required:
            raise Invalid(f"{field}を入力してください", field=field)
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise Invalid(f"{field}は YYYY-MM-DD で入力してください（入力値: {value!r}）", field=field) from None


@router.get("/local-use", response_class=HTMLResponse)
def index(request: Request, staff: Reader) -> HTMLResponse:
    with get_runtime(request).municipal_session(staff.lg_code) as session:
        context = {
            "plan": addressee.plan(session),
            "ordinances": addressee.list_ordinances(session),
            "bases": addressee.list_bases(session),
        }
    return templates.TemplateResponse(
        request,
        "local_use/index.html",
        {
            **context,
            "staff": staff,
            "systems": SYSTEMS,
            "today": clock.today(),
            "can_edit": staff.has_role("admin"),
        },
    )


@router.get("/local-use/plan.xlsx")
def plan_xlsx(request: Request, staff: Reader) -> Response:
    with get_runtime(request).municipal_session(staff.lg_code) as session:
        data = export_plan(session)
    name = f"dokuji-riyo-{staff.lg_code}-{clock.today().isoformat()}.xlsx"
    return Response(data, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post("/local-use/ordinance", dependencies=CSRF)
def add_ordinance(
    request: Request,
    *,
    staff: Keeper,
    number: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "",
    adopted_on: Annotated[str, Form()] = "",
    start_on: Annotated[str, Form()] = "",
    end_on: Annotated[str, Form()] = "",
) -> RedirectResponse:
    start = _date(start_on, "施行日", required=True)
    assert start is not None
    with get_runtime(request).municipal_session(staff.lg_code) as session:
        addressee.register_ordinance(
            session,
            number=number,
            title=title,
            adopted_on=_date(adopted_on, "公布日"),
            start_on=start,
            end_on=_date(end_on, "失効日"),
        )
    return RedirectResponse("/local-use", status_code=303)


@router.post("/local-use/jimu", dependencies=CSRF)
def add_jimu(
    request: Request,
    *,
    staff: Keeper,
    ordinance_number: Annotated[str, Form()] = "",
    article: Annotated[str, Form()] = "",
    jimu_name: Annotated[str, Form()] = "",
    system: Annotated[str, Form()] = "",
    tm_codes: Annotated[str, Form()] = "",
    similar_jimu_code: Annotated[str, Form()] = "",
) -> RedirectResponse:
    with get_runtime(request).municipal_session(staff.lg_code) as session:
        addressee.define_local_jimu(
            session,
            lg_code=staff.lg_code,
            ordinance_number=ordinance_number,
            article=article,
            jimu_name=jimu_name,
            system=system,
            tm_codes=tm_codes.replace("、", ",").split(","),
            similar_jimu_code=similar_jimu_code,
        )
    return RedirectResponse("/local-use", status_code=303)
