"""The national operators' consoles: the hub (agencies, permission table, traffic, refusals, log heads, the
operators' own recorded actions) and JPKI.

Same staff login, TOTP and role checks as the municipal consoles (decision 0092); each page reads its
component's database through that component's service functions and draws its charts as inline SVG.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from renkei.core.errors import Invalid
from renkei.hub import console as hub_console
from renkei.hub import operators as hub_operators
from renkei.hub import permissions
from renkei.hub import service as hub_service
from renkei.jpki import console as jpki_console
from renkei.layouts.loader import catalogue
from renkei.protocol.operator import ACTION_LABELS
from renkei.web.deps import CurrentStaff, get_runtime, require_role
from renkei.web.portal_charts import horizontal_bars, stacked_bars
from renkei.web.templating import templates

router = APIRouter()
HubOperator = Annotated[CurrentStaff, Depends(require_role("hub_operator"))]
JpkiOperator = Annotated[CurrentStaff, Depends(require_role("jpki_operator"))]
RESULTS = {
    "provided": "提供",
    "not_found": "該当なし",
    "refused": "拒否",
    "withheld": "不開示",
    "error": "エラー",
}
PERMISSION_PAGE = 50
OPERATOR_ACTIONS = 50


@router.get("/hub", response_class=HTMLResponse)
def hub_console_page(request: Request, staff: HubOperator) -> HTMLResponse:
    q = request.query_params
    days_text = q.get("days") or "14"
    if not days_text.isdigit() or not 1 <= int(days_text) <= 90:
        raise Invalid("日数は1〜90の数字です", record=days_text, field="days")
    search = (q.get("q") or "").strip()
    with get_runtime(request).session("hub") as session:
        permissions.ensure_default_permissions(session)
        agencies = hub_service.list_agencies(session)
        table = permissions.list_permissions(session)
        traffic = hub_console.traffic(session, days=int(days_text))
        count, heads = hub_console.log_heads(session)
        actions = hub_operators.list_actions(session, limit=OPERATOR_ACTIONS)
        enrolled = hub_operators.list_operators(session)
    if search:
        table = [
            r for r in table if search in f"{r.requester}{r.jimu_code}{r.jimu_name}{r.provider}{r.tm_code}"
        ]
    labels = [d.day.strftime("%m-%d") for d in traffic.days]
    series = {
        RESULTS[key]: [d.results.get(key, 0) for d in traffic.days]
        for key in ("provided", "not_found", "refused")
    }
    names = catalogue()
    by_tm = [(f"{names.get(tm, tm)}", n) for tm, n in traffic.by_tm.most_common(10)]
    context = {
        "staff": staff,
        "agencies": agencies,
        "permissions": table[:PERMISSION_PAGE],
        "permission_count": len(table),
        "search": search,
        "traffic": traffic,
        "days": int(days_text),
        "results": RESULTS,
        "traffic_chart": stacked_bars(
            labels, series, title="日別の照会件数（結果別）", chart_id="traffic-chart"
        ),
        "tm_chart": horizontal_bars(by_tm, title="特定個人情報名別の照会件数", chart_id="tm-chart"),
        "refusal_chart": stacked_bars(
            labels, {"拒否": series[RESULTS["refused"]]}, title="日別の拒否件数", chart_id="refusal-chart"
        ),
        "record_count": count,
        "heads": heads,
        "actions": actions,
        "action_labels": ACTION_LABELS,
        "operators": enrolled,
        "tm_names": names,
    }
    return templates.TemplateResponse(request, "operators/hub.html", context)


@router.get("/jpki/operator", response_class=HTMLResponse)
def jpki_console_page(request: Request, staff: JpkiOperator) -> HTMLResponse:
    with get_runtime(request).session("jpki") as session:
        overview = jpki_console.overview(session)
    months = jpki_console.month_labels()
    chart = stacked_bars(
        months,
        {
            "発行": [overview.issued_by_month.get(m, 0) for m in months],
            "失効": [overview.revoked_by_month.get(m, 0) for m in months],
        },
        title="月別の電子証明書の発行と失効",
        chart_id="cards-chart",
    )
    context = {"staff": staff, "overview": overview, "chart": chart}
    return templates.TemplateResponse(request, "operators/jpki.html", context)
