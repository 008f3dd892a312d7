"""研修: plans, sessions, attendance, and the yearly duty of every handler of a 特定個人情報ファイル.

番号法施行令 (seed 002: 第30条の2) requires that everyone who handles a 特定個人情報ファイル be trained おおむね一年ごと.
renkei counts a handler due one year after their last attended session, or one year after being assigned
when never trained (decision 0053).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.errors import Conflict, Invalid, NotFound
from renkei.governance import register
from renkei.governance.models import (
    GovernanceAttendance,
    GovernanceHandler,
    GovernanceReminder,
    GovernanceTrainingPlan,
    GovernanceTrainingSession,
)
from renkei.governance.pia import add_years

REMIND_WITHIN_DAYS = 30


def upsert_handler(
    session: Session,
    *,
    code: str,
    name: str,
    department: str,
    assigned_on: dt.date,
    files: list[str],
    active: bool = True,
) -> GovernanceHandler:
    """Add or update a handler (matched by 職員番号) and the 特定個人情報ファイル they handle."""
    code = code.strip()
    if not code:
        raise Invalid("職員番号が空です", field="職員番号")
    if not name.strip():
        raise Invalid("氏名が空です", record=code, field="氏名")
    if not department.strip():
        raise Invalid("所属が空です", record=code, field="所属")
    handled = [register.get_file(session, name=f) for f in dict.fromkeys(files) if f.strip()]
    handler = session.scalar(sa.select(GovernanceHandler).where(GovernanceHandler.code == code))
    if handler is None:
        handler = GovernanceHandler(code=code)
        session.add(handler)
    handler.name, handler.department = name.strip(), department.strip()
    handler.assigned_on, handler.active = assigned_on, active
    handler.files = handled
    session.flush()
    return handler


def list_handlers(session: Session) -> list[GovernanceHandler]:
    return list(
        session.scalars(
            sa.select(GovernanceHandler).order_by(GovernanceHandler.department, GovernanceHandler.code)
        )
    )


def get_handler(session: Session, *, code: str) -> GovernanceHandler:
    handler = session.scalar(sa.select(GovernanceHandler).where(GovernanceHandler.code == code.strip()))
    if handler is None:
        raise NotFound(f"登録されていない取扱者です: {code}", record=code, field="職員番号")
    return handler


def upsert_plan(
    session: Session, *, code: str, fiscal_year: int, title: str, audience: str = "", content: str = ""
) -> GovernanceTrainingPlan:
    code = code.strip()
    if not code or not title.strip():
        raise Invalid(
            "研修計画の番号と名称は必須です", record=code or None, field="計画番号" if not code else "名称"
        )
    if not 1989 <= fiscal_year <= 2200:
        raise Invalid(f"年度は西暦で入力してください（入力値: {fiscal_year}）", record=code, field="年度")
    plan = session.scalar(sa.select(GovernanceTrainingPlan).where(GovernanceTrainingPlan.code == code))
    if plan is None:
        plan = GovernanceTrainingPlan(code=code)
        session.add(plan)
    plan.fiscal_year, plan.title, plan.audience, plan.content = fiscal_year, title.strip(), audience, content
    session.flush()
    return plan


def list_plans(session: Session) -> list[GovernanceTrainingPlan]:
    query = sa.select(GovernanceTrainingPlan).order_by(
        GovernanceTrainingPlan.fiscal_year, GovernanceTrainingPlan.code
    )
    return list(session.scalars(query))


def upsert_session(
    session: Session, *, code: str, plan: str, held_on: dt.date, title: str, hours: str = "", place: str = ""
) -> GovernanceTrainingSession:
    code = code.strip()
    if not code or not title.strip():
        raise Invalid(
            "研修の番号と名称は必須です", record=code or None, field="研修番号" if not code else "名称"
        )
    owner = session.scalar(
        sa.select(GovernanceTrainingPlan).where(GovernanceTrainingPlan.code == plan.strip())
    )
    if owner is None:
        raise NotFound(f"登録されていない研修計画です: {plan}", record=code, field="計画番号")
    item = session.scalar(sa.select(GovernanceTrainingSession).where(GovernanceTrainingSession.code == code))
    if item is None:
        item = GovernanceTrainingSession(code=code)
        session.add(item)
    item.plan_id, item.plan = owner.id, owner
    item.held_on, item.title, item.hours, item.place = held_on, title.strip(), hours, place
    session.flush()
    return item


def list_sessions(session: Session) -> list[GovernanceTrainingSession]:
    query = sa.select(GovernanceTrainingSession).order_by(
        GovernanceTrainingSession.held_on, GovernanceTrainingSession.code
    )
    return list(session.scalars(query))


def record_attendance(session: Session, *, session_code: str, handler_code: str) -> GovernanceAttendance:
    """A handler attended a session; recording it twice keeps one record (safe to retry)."""
    training = session.scalar(
        sa.select(GovernanceTrainingSession).where(GovernanceTrainingSession.code == session_code.strip())
    )
    if training is None:
        raise NotFound(f"登録されていない研修です: {session_code}", record=session_code, field="研修番号")
    handler = get_handler(session, code=handler_code)
    if training.held_on > clock.today():
        raise Conflict(
            f"{training.title}（{training.held_on}）はまだ開催されていません",
            record=session_code,
            field="開催日",
        )
    existing = session.scalar(
        sa.select(GovernanceAttendance).where(
            GovernanceAttendance.session_id == training.id, GovernanceAttendance.handler_id == handler.id
        )
    )
    if existing is not None:
        return existing
    item = GovernanceAttendance(
        session_id=training.id, handler_id=handler.id, training=training, handler=handler
    )
    session.add(item)
    session.flush()
    return item


def list_attendance(session: Session) -> list[GovernanceAttendance]:
    query = (
        sa.select(GovernanceAttendance)
        .join(GovernanceTrainingSession, GovernanceAttendance.session_id == GovernanceTrainingSession.id)
        .join(GovernanceHandler, GovernanceAttendance.handler_id == GovernanceHandler.id)
        .order_by(GovernanceTrainingSession.held_on, GovernanceTrainingSession.code, GovernanceHandler.code)
    )
    return list(session.scalars(query))


@dataclass(frozen=True)
class Duty:
    """Where one handler stands with the yearly training."""

    handler: GovernanceHandler
    last_trained_on: dt.date | None
    due_on: dt.date
    overdue: bool
    days_left: int


def duties(session: Session, *, today: dt.date | None = None) -> list[Duty]:
    """Every active handler of at least one 特定個人情報ファイル, with last attendance and due date."""
    today = today or clock.today()
    last: dict[int, dt.date] = {}
    rows = session.execute(
        sa.select(GovernanceAttendance.handler_id, sa.func.max(GovernanceTrainingSession.held_on))
        .join(GovernanceTrainingSession, GovernanceAttendance.session_id == GovernanceTrainingSession.id)
        .where(GovernanceTrainingSession.held_on <= today)
        .group_by(GovernanceAttendance.handler_id)
    )
    for handler_id, held_on in rows:
        last[handler_id] = held_on
    result = []
    for handler in list_handlers(session):
        if not handler.active or not handler.files:
            continue
        trained = last.get(handler.id)
        due = add_years(trained or handler.assigned_on, 1)
        result.append(Duty(handler, trained, due, today > due, (due - today).days))
    return result


def overdue_by_department(session: Session, *, today: dt.date | None = None) -> dict[str, list[Duty]]:
    """Overdue handlers grouped by 所属, departments in name order."""
    grouped: dict[str, list[Duty]] = defaultdict(list)
    for duty in duties(session, today=today):
        if duty.overdue:
            grouped[duty.handler.department].append(duty)
    return dict(sorted(grouped.items()))


def send_reminders(
    session: Session, *, today: dt.date | None = None, within_days: int = REMIND_WITHIN_DAYS
) -> list[GovernanceReminder]:
    """Record a reminder for each handler overdue or due within `within_days`; once per handler and due date."""
    today = today or clock.today()
    sent = []
    for duty in duties(session, today=today):
        if duty.days_left > within_days:
            continue
        exists = session.scalar(
            sa.select(GovernanceReminder).where(
                GovernanceReminder.handler_id == duty.handler.id, GovernanceReminder.due_on == duty.due_on
            )
        )
        if exists is not None:
            continue
        reminder = GovernanceReminder(
            handler_id=duty.handler.id, handler=duty.handler, due_on=duty.due_on, sent_at=clock.now()
        )
        session.add(reminder)
        sent.append(reminder)
    session.flush()
    return sent


def list_reminders(session: Session) -> list[GovernanceReminder]:
    return list(session.scalars(sa.select(GovernanceReminder).order_by(GovernanceReminder.id.desc())))


def reminder_text(reminder: GovernanceReminder, *, today: dt.date) -> str:
    h = reminder.handler
    state = "期限を過ぎています" if today > reminder.due_on else "期限が近づいています"
    return (
        f"{h.department} {h.name} 様: 特定個人情報の取扱いに関する年次研修の受講{state}"
        f"（期限 {reminder.due_on.isoformat()}）。研修計画を確認し受講してください。"
    )
