"""The front page: for a logged-in staff member, their day at a glance with SVG charts; otherwise the overview."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from renkei.core import clock, wareki
from renkei.governance import incidents, training
from renkei.intermediate.service import stats
from renkei.residents import service as residents
from renkei.web import charts, navigation
from renkei.web.deps import CurrentStaff, get_runtime, optional_staff
from renkei.web.pickers import tm_label
from renkei.web.templating import templates

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    staff = optional_staff(request)
    if staff is None:
        return templates.TemplateResponse(request, "home.html", {"staff": None, "panels": []})
    return templates.TemplateResponse(
        request,
        "home.html",
        {
            "staff": staff,
            "panels": _panels(request, staff),
            "sections": navigation.sections_for(staff.roles),
            "today_both": wareki.both(clock.today()),
        },
    )


def _panels(request: Request, staff: CurrentStaff) -> list[tuple[str, Markup, str]]:
    """(heading, chart, note) for each figure the staff member's roles concern."""
    runtime = get_runtime(request)
    panels: list[tuple[str, Markup, str]] = []
    with runtime.municipal_session(staff.lg_code) as session:
        if staff.has_role("juki", "admin"):
            months = residents.changes_per_month(session, months=12)
            panels.append((
                "住民の異動（月別）",
                charts.bars("異動の件数（異動日の月）", [m[2:].replace("-", "/") for m, _ in months],
                            [charts.Series("異動", [n for _, n in months])], unit="件"),
                "出生・転入・転出・転居・氏名変更・死亡の合計",
            ))  # fmt: skip
        if staff.has_role("tax", "welfare", "admin", "auditor"):
            days = stats.queries_by_day(session, lg_code=staff.lg_code, days=14)
            panels.append((
                "情報照会と不許可（日別・直近14日）",
                charts.bars("情報照会の件数", [d.strftime("%m/%d") for d, _, _ in days],
                            [charts.Series("照会", [a for _, a, _ in days]),
                             charts.Series("うち不許可", [r for _, _, r in days], hatched=True)], unit="件"),
                "不許可は情報提供ネットワークシステムが符号・権限の照合で拒否したもの",
            ))  # fmt: skip
        if staff.has_role("admin", "auditor"):
            fresh = stats.copy_freshness(session, lg_code=staff.lg_code)
            if fresh:
                panels.append((
                    "副本の鮮度（特定個人情報名別）",
                    charts.bars("最終の副本登録からの日数", [tm_label(tm, short=True) for tm, _, _ in fresh],
                                [charts.Series("経過日数", [age for _, _, age in fresh])], unit="日"),
                    "、".join(f"{tm_label(tm)} {n:,}件" for tm, n, _ in fresh),
                ))  # fmt: skip
            duties = training.duties(session)
            if duties:
                overdue = sum(1 for d in duties if d.overdue)
                panels.append((
                    "年次研修の受講状況",
                    charts.bars("特定個人情報取扱者", ["期限内", "期限超過"],
                                [charts.Series("人数", [len(duties) - overdue, overdue])], unit="人"),
                    f"受講率 {100 * (len(duties) - overdue) / len(duties):.0f}%",
                ))  # fmt: skip
            today = clock.today()
            rows = []
            for incident in incidents.list_incidents(session):
                if incident.closed_at is not None:
                    continue
                due = incidents.deadlines(incident, today=today)
                target = due.final_due if incident.prompt_reported_at else due.prompt_due
                if target is not None:
                    rows.append((incident.code, (target - today).days))
            if rows:
                panels.append((
                    "未完了のインシデントと報告期限",
                    charts.bars("報告期限までの日数（負は超過）", [c for c, _ in rows],
                                [charts.Series("残り日数", [max(d, 0) for _, d in rows]),
                                 charts.Series("超過日数", [max(-d, 0) for _, d in rows], hatched=True)],
                                unit="日"),
                    "速報（3〜5日）または確報（30日・不正目的は60日）の期限",
                ))  # fmt: skip
    return panels


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}
