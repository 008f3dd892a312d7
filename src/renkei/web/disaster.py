"""被災者支援 pages for the disaster office: declare, the two 台帳, 被害認定, shelters, 援護, 罹災証明書, exports.

Writes need 福祉担当, 税務担当 or 情報政策課 (the offices a disaster office draws on); an auditor may read.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from renkei.core import clock
from renkei.core.errors import Invalid
from renkei.disaster import exports, service
from renkei.disaster.schemas import CARE_REASONS, KINDS, STRUCTURES, SUPPORT_KINDS, Declaration
from renkei.web.deps import CurrentStaff, check_csrf, get_runtime, require_role
from renkei.web.params import RowId
from renkei.web.templating import templates

router = APIRouter()

Office = Annotated[CurrentStaff, Depends(require_role("welfare", "tax", "admin"))]
Viewer = Annotated[CurrentStaff, Depends(require_role("welfare", "tax", "admin", "auditor"))]
CSRF = [Depends(check_csrf)]


def _int(text: str, field: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise Invalid("数字で入力してください", record=text, field=field) from None


def _date(text: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip()) if text.strip() else clock.today()
    except ValueError:
        raise Invalid("日付は 2025-04-01 の形で入力してください", record=text, field=field) from None


def _back(disaster_id: RowId, done: str = "") -> RedirectResponse:
    return RedirectResponse(f"/disaster/{disaster_id}" + (f"?done={done}" if done else ""), status_code=303)


@router.get("/disaster", response_class=HTMLResponse)
def index(request: Request, staff: Viewer) -> HTMLResponse:
    with get_runtime(request).municipal_session(staff.lg_code) as session:
        found = [service.summary(session, disaster_id=d.id) for d in service.disasters(session)]
    return templates.TemplateResponse(request, "disaster/index.html", {"summaries": found, "kinds": KINDS})


@router.post("/disaster", dependencies=CSRF)
def declare(
    request: Request,
    *,
    staff: Office,
    name: Annotated[str, Form()],
    kind: Annotated[str, Form()],
    occurred_on: Annotated[str, Form()],
    areas: Annotated[str, Form()],
) -> RedirectResponse:
    declaration = Declaration(
        name=name,
        kind=kind,
        occurred_on=_date(occurred_on, "発生日"),
        areas=areas.splitlines(),
    )
    with get_runtime(request).municipal_session(staff.lg_code) as session:
        found = service.declare(session, lg_code=staff.lg_code, declaration=declaration, by=staff.name)
        service.build_ledger(session, disaster_id=found.id)
    return _back(found.id, "declared")


DONE = {
    "declared": "災害を登録し、住民記録から被災者台帳を作りました",
    "built": "被災者台帳を更新しました",
    "assessed": "被害認定を記録しました",
    "care": "要配慮者の情報を記録しました",
    "shelter": "避難所を開設しました",
    "arrived": "入所を記録しました",
    "departed": "退所を記録しました",
    "support": "援護を記録しました",
}


@router.get("/disaster/{disaster_id}", response_class=HTMLResponse)
def detail(request: Request, staff: Viewer, disaster_id: RowId) -> HTMLResponse:
    with get_runtime(request).municipal_session(staff.lg_code) as session:
        context = {
            "s": service.summary(session, disaster_id=disaster_id),
            "victims": service.victims(session, disaster_id=disaster_id),
            "houses": {h.id: h for h in service.houses(session, disaster_id=disaster_id)},
            "shelters": service.shelters(session, disaster_id=disaster_id),
            "sheltered": service.where_sheltered(session, disaster_id=disaster_id),
            "supports": service.supports(session, disaster_id=disaster_id),
            "certificates": service.certificates(session, disaster_id=disaster_id),
            "structures": STRUCTURES,
            "care_reasons": CARE_REASONS,
            "support_kinds": SUPPORT_KINDS,
            "done": DONE.get(request.query_params.get("done", "")),
            "can_write": staff.has_role("welfare", "tax", "admin"),
        }
    return templates.TemplateResponse(request, "disaster/detail.html", context)


@router.post("/disaster/{disaster_id}/build", dependencies=CSRF)
def build(request: Request, staff: Office, disaster_id: RowId) -> RedirectResponse:
    with get_runtime(request).municipal_session(staff.lg_code) as session:
        service.build_ledger(session, disaster_id=disaster_id)
    return _back(disaster_id, "built")


@router.post("/disaster/{disaster_id}/houses/{house_id}/assess", dependencies=CSRF)
def assess(
    request: Request,
    *,
    staff: Office,
    disaster_id: RowId,
    house_id: RowId,
    structure: Annotated[str, Form()],
    damage_ratio: Annotated[str, Form()],
    surveyed_on: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> RedirectResponse:
    with get_runtime(request).municipal_session(staff.lg_code) as session:
        service.assess(
            session,
            house_id=house_id,
            structure=structure,
            damage_ratio=_int(damage_ratio, "損害割合"),
            surveyed_on=_date(surveyed_on, "調査日"),
            surveyor=staff.name,
            note=note,
        )
    return _back(disaster_id, "assessed")


@router.post("/disaster/{disaster_id}/victims/{victim_id}/care", dependencies=CSRF)
async def care(request: Request, staff: Office, disaster_id: RowId, victim_id: RowId) -> RedirectResponse:
    form = await request.form()
    reasons = [str(r) for r in form.getlist("care_reasons")]
    with get_runtime(request).municipal_session(staff.lg_code) as session:
        service.update_victim(
            session,
            victim_id=victim_id,
            care_reasons=reasons,
            phone=str(form.get("phone", "")),
            residence=str(form.get("residence", "")),
        )
    return _back(disaster_id, "care")


@router.post("/disaster/{disaster_id}/shelters", dependencies=CSRF)
def open_shelter(
    request: Request,
    *,
    staff: Office,
    disaster_id: RowId,
    name: Annotated[str, Form()],
    address: Annotated[str, Form()],
    capacity: Annotated[str, Form()],
) -> RedirectResponse:
    with get_runtime(request).municipal_session(staff.lg_code) as session:
        service.open_shelter(
            session, disaster_id=disaster_id, name=name, address=address, capacity=_int(capacity, "収容人数")
        )
    return _back(disaster_id, "shelter")


@router.post("/disaster/{disaster_id}/victims/{victim_id}/arrive", dependencies=CSRF)
def arrive(
    request: Request,
    *,
    staff: Office,
    disaster_id: RowId,
    victim_id: RowId,
    shelter_id: Annotated[str, Form()],
) -> RedirectResponse:
    with get_runtime(request).municipal_session(staff.lg_code) as session:
        service.arrive(session, shelter_id=_int(shelter_id, "避難所"), victim_id=victim_id)
    return _back(disaster_id, "arrived")


@router.post("/disaster/{disaster_id}/victims/{victim_id}/depart", dependencies=CSRF)
def depart(request: Request, staff: Office, disaster_id: RowId, victim_id: RowId) -> RedirectResponse:
    with get_runtime(request).municipal_session(staff.lg_code) as session:
        service.depart(session, victim_id=victim_id)
    return _back(disaster_id, "departed")


@router.post("/disaster/{disaster_id}/victims/{victim_id}/support", dependencies=CSRF)
def support(
    request: Request,
    *,
    staff: Office,
    disaster_id: RowId,
    victim_id: RowId,
    kind: Annotated[str, Form()],
    item: Annotated[str, Form()],
    quantity: Annotated[str, Form()] = "1",
    request_key: Annotated[str, Form()] = "",
) -> RedirectResponse:
    with get_runtime(request).municipal_session(staff.lg_code) as session:
        service.give_support(
            session,
            victim_id=victim_id,
            kind=kind,
            item=item,
            quantity=_int(quantity, "数量"),
            given_on=clock.today(),
            by=staff.name,
            request_key=request_key,
        )
    return _back(disaster_id, "support")


@router.post("/disaster/{disaster_id}/victims/{victim_id}/certificate", dependencies=CSRF)
def certificate(request: Request, staff: Office, disaster_id: RowId, victim_id: RowId) -> Response:
    municipality = str(request.session.get("staff_lg_name", staff.lg_code))
    with get_runtime(request).municipal_session(staff.lg_code) as session:
        issued, document = service.issue_certificate(
            session, victim_id=victim_id, by=staff.name, municipality=municipality
        )
    return Response(
        document,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="risai-{issued.number}.pdf"'},
    )


@router.get("/disaster/{disaster_id}/export/{ledger}.{fmt}")
def export(request: Request, staff: Viewer, disaster_id: RowId, ledger: str, fmt: str) -> Response:
    with get_runtime(request).municipal_session(staff.lg_code) as session:
        name, data = exports.export(session, disaster_id=disaster_id, ledger=ledger, fmt=fmt)
    media = (
        "text/csv; charset=utf-8"
        if fmt == "csv"
        else ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    )
    ascii_name = f"{ledger}-{disaster_id}.{fmt}"
    return Response(
        data,
        media_type=media,
        headers={
            "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
        },
    )
