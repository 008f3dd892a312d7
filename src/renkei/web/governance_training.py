"""研修 pages that teach and test, and 訓練 pages.

Every staff member takes courses under /training (the learner is the handler whose 職員番号 is their login:
decision 0073); 情報政策課 manages courses and drills under /governance; the drill links /drill/<団体>/c|r/<token>
need no login (that is the point of a drill) and only ever record a click or a report.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from markdown_it import MarkdownIt
from markupsafe import Markup
from sqlalchemy.orm import Session

from renkei.core.errors import Invalid, NotFound
from renkei.governance import courses as course_service
from renkei.governance import drills, training
from renkei.governance.models import GovernanceHandler
from renkei.web.deps import CurrentStaff, current_staff, get_runtime
from renkei.web.governance import CSRF, Admin, Reader, _render, _session
from renkei.web.templating import templates

router = APIRouter()
Learner = Annotated[CurrentStaff, Depends(current_staff)]
Text = Annotated[str, Form()]
_markdown = MarkdownIt("commonmark", {"html": False})


def lesson_html(body: str) -> Markup:
    """A lesson's Markdown as HTML; raw HTML in the source is escaped, never passed through."""
    return Markup(_markdown.render(body))  # noqa: S704 - markdown-it escapes raw HTML with html=False


def _page(
    request: Request, staff: CurrentStaff, name: str, status_code: int = 200, **context: object
) -> HTMLResponse:
    context.update(staff=staff, lesson_html=lesson_html)
    return templates.TemplateResponse(request, f"training/{name}", context, status_code=status_code)


def _handler_or_none(session: Session, login: str) -> GovernanceHandler | None:
    try:
        return training.get_handler(session, code=login)
    except NotFound:
        return None


# -- the learner -------------------------------------------------------------------------------------------------
@router.get("/training", response_class=HTMLResponse)
def my_training(request: Request, *, staff: Learner) -> HTMLResponse:
    with _session(request, staff) as session:
        handler = _handler_or_none(session, staff.login)
        duty = next((d for d in training.duties(session) if handler and d.handler.id == handler.id), None)
        taken = course_service.attempts(session, handler_code=staff.login) if handler else []
        return _page(request, staff, "index.html", courses=course_service.list_courses(session), handler=handler,
                     duty=duty, attempts=taken)  # fmt: skip


@router.get("/training/{code}", response_class=HTMLResponse)
def course_page(request: Request, code: str, *, staff: Learner) -> HTMLResponse:
    with _session(request, staff) as session:
        course = course_service.get_course(session, code=code)
        handler = _handler_or_none(session, staff.login)
        return _page(request, staff, "course.html", course=course, handler=handler, result=None)


@router.post("/training/{code}", response_class=HTMLResponse, dependencies=CSRF)
async def take_test(request: Request, code: str, *, staff: Learner) -> HTMLResponse:
    form = await request.form()
    with _session(request, staff) as session:
        course = course_service.get_course(session, code=code)
        answers: list[int | None] = []
        for question in course.questions:
            raw = str(form.get(f"q{question.position}", "")).strip()
            if raw and (not raw.isdigit() or not 0 <= int(raw) < len(question.choices)):
                raise Invalid(
                    f"問{question.position}の回答が選択肢にありません（入力値: {raw!r}）",
                    record=course.code,
                    field=f"問{question.position}",
                )
            answers.append(int(raw) if raw else None)
        if _handler_or_none(session, staff.login) is None:
            raise Invalid(
                f"職員番号 {staff.login} は特定個人情報の取扱者として登録されていないため、受講を記録できません（情報政策課に登録を依頼してください）",
                record=course.code,
                field="職員番号",
            )
        result = course_service.take_test(session, code=code, handler_code=staff.login, answers=answers)
        return _page(
            request, staff, "course.html", course=course, handler=result.attempt.handler, result=result
        )


# -- 情報政策課: courses and drills ----------------------------------------------------------------------------------
@router.get("/governance/courses", response_class=HTMLResponse)
def courses_admin(request: Request, *, staff: Reader) -> HTMLResponse:
    with _session(request, staff) as session:
        return _render(request, staff, "courses.html", courses=course_service.list_courses(session),
                       attempts=course_service.attempts(session))  # fmt: skip


@router.post("/governance/courses/install", dependencies=CSRF)
def courses_install(request: Request, *, staff: Admin) -> RedirectResponse:
    with _session(request, staff) as session:
        course_service.install_shipped(session)
    return RedirectResponse("/governance/courses", status_code=303)


@router.get("/governance/drills", response_class=HTMLResponse)
def drills_admin(request: Request, *, staff: Reader) -> HTMLResponse:
    with _session(request, staff) as session:
        history = {kind: drills.over_time(session, kind=kind) for kind in drills.KINDS}
        departments = sorted({h.department for h in training.list_handlers(session) if h.active})
        return _render(request, staff, "drills.html", rows=drills.list_drills(session), history=history,
                       kinds=drills.KINDS, departments=departments)  # fmt: skip


@router.post("/governance/drills", dependencies=CSRF)
async def drill_create(request: Request, *, staff: Admin) -> RedirectResponse:
    form = await request.form()
    with _session(request, staff) as session:
        drill = drills.create_drill(
            session,
            code=str(form.get("code", "")),
            kind=str(form.get("kind", "")),
            title=str(form.get("title", "")),
            departments=[str(d) for d in form.getlist("departments")],
            handler_codes=[c for c in str(form.get("handlers", "")).replace(",", " ").split() if c],
        )
        path = f"/governance/drills/{drill.code}"
    return RedirectResponse(path, status_code=303)


def _drill_base(request: Request, staff: CurrentStaff) -> str:
    """The drill links always point at this machine: 127.0.0.1 on the port the page was served from."""
    port = request.url.port
    return f"http://127.0.0.1{f':{port}' if port else ''}/drill/{staff.lg_code}"


@router.get("/governance/drills/{code}", response_class=HTMLResponse)
def drill_page(request: Request, code: str, *, staff: Reader) -> HTMLResponse:
    with _session(request, staff) as session:
        drill = drills.get_drill(session, code=code)
        return _render(request, staff, "drill.html", drill=drill, tallies=drills.by_department(drill),
                       messages=drills.messages(drill, base_url=_drill_base(request, staff)))  # fmt: skip


# -- the drill links (no login) ----------------------------------------------------------------------------------
def _drill_session(request: Request, lg_code: str) -> AbstractContextManager[Session]:
    runtime = get_runtime(request)
    if lg_code not in runtime.municipalities():
        raise NotFound("このリンクは無効です", field="リンク")
    return runtime.municipal_session(lg_code)


@router.get("/drill/{lg_code}/c/{token}", response_class=HTMLResponse)
def drill_click(request: Request, lg_code: str, token: str) -> HTMLResponse:
    with _drill_session(request, lg_code) as session:
        drill, _target = drills.record_click(session, token=token)
        return templates.TemplateResponse(
            request, "training/drill_landing.html", {"drill": drill, "reported": False}
        )


@router.get("/drill/{lg_code}/r/{token}", response_class=HTMLResponse)
def drill_report(request: Request, lg_code: str, token: str) -> HTMLResponse:
    with _drill_session(request, lg_code) as session:
        drill, _target = drills.record_report(session, token=token)
        return templates.TemplateResponse(
            request, "training/drill_landing.html", {"drill": drill, "reported": True}
        )
