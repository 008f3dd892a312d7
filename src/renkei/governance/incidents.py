"""インシデント (CSIRT): report → triage → containment → recovery → lessons, and the 個人情報保護委員会 deadlines.

Which incidents must be reported and by when is decision 0055: a 漏えい等 of 特定個人情報 is reportable when more
than 100 persons are affected, it was done for an unlawful purpose, it concerns the 情報提供ネットワークシステム, or
the data became viewable by the public; the 速報 is due 3 days and the 確報 30 days (60 for an unlawful
purpose) after the day the body came to know of it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.errors import Conflict, Invalid, NotFound
from renkei.governance.models import GovernanceIncident

# step → (column, label); the order is the CSIRT order (seed 001: 連絡受付、初動対応、復旧措置、再発防止策).
STEPS = (
    ("report", "reported_at", "報告受付"),
    ("triage", "triaged_at", "トリアージ"),
    ("containment", "contained_at", "封じ込め"),
    ("recovery", "recovered_at", "復旧"),
    ("lessons", "closed_at", "再発防止（教訓）"),
)
STEP_LABELS = {name: label for name, _, label in STEPS}
REPORT_THRESHOLD = 100
PROMPT_DAYS = 3
FINAL_DAYS = 30
FINAL_DAYS_UNLAWFUL = 60


def report_incident(
    session: Session,
    *,
    code: str,
    title: str,
    description: str = "",
    aware_at: dt.datetime | None = None,
    reported_at: dt.datetime | None = None,
    involves_mynumber: bool = True,
    affected_count: int = 0,
    unlawful_purpose: bool = False,
    via_network_system: bool = False,
    publicly_viewable: bool = False,
) -> GovernanceIncident:
    """Open an incident (the 報告受付 step, now unless given); reporting the same code again is refused."""
    code, title = code.strip(), title.strip()
    if not code or not title:
        raise Invalid(
            "インシデント番号と件名は必須です", record=code or None, field="番号" if not code else "件名"
        )
    if affected_count < 0:
        raise Invalid("影響人数は0以上です", record=code, field="影響人数")
    if session.scalar(sa.select(GovernanceIncident.id).where(GovernanceIncident.code == code)) is not None:
        raise Conflict(f"インシデント番号 {code} は登録済みです", record=code, field="番号")
    now = clock.now()
    reported = reported_at or now
    aware = aware_at or reported
    if aware.tzinfo is None or reported.tzinfo is None:
        raise Invalid("日時にタイムゾーンがありません", record=code, field="覚知日時")
    if reported > now:
        raise Invalid("報告受付の日時が未来です", record=code, field="報告受付")
    if aware > reported:
        raise Invalid("覚知日時が報告受付より後です", record=code, field="覚知日時")
    incident = GovernanceIncident(
        code=code,
        title=title,
        description=description,
        aware_at=aware,
        reported_at=reported,
        involves_mynumber=involves_mynumber,
        affected_count=affected_count,
        unlawful_purpose=unlawful_purpose,
        via_network_system=via_network_system,
        publicly_viewable=publicly_viewable,
        notes={},
    )
    session.add(incident)
    session.flush()
    return incident


def get_incident(session: Session, *, code: str) -> GovernanceIncident:
    incident = session.scalar(sa.select(GovernanceIncident).where(GovernanceIncident.code == code.strip()))
    if incident is None:
        raise NotFound(f"インシデント {code} はありません", record=code, field="番号")
    return incident


def list_incidents(session: Session) -> list[GovernanceIncident]:
    return list(
        session.scalars(sa.select(GovernanceIncident).order_by(GovernanceIncident.reported_at.desc()))
    )


def advance(
    session: Session,
    *,
    code: str,
    step: str,
    note: str = "",
    lessons: str = "",
    at: dt.datetime | None = None,
) -> GovernanceIncident:
    """Stamp the next step; steps go in order, each once, never earlier than the step before."""
    incident = get_incident(session, code=code)
    names = [name for name, _, _ in STEPS]
    if step not in names or step == "report":
        raise Invalid(
            f"手順は {', '.join(names[1:])} のいずれかです（入力値: {step!r}）", record=code, field="手順"
        )
    index = names.index(step)
    _, column, label = STEPS[index]
    if getattr(incident, column) is not None:
        raise Conflict(f"{label} は記録済みです", record=code, field=label)
    _, previous_column, previous_label = STEPS[index - 1]
    previous = getattr(incident, previous_column)
    if previous is None:
        raise Conflict(f"{previous_label} の前に {label} は記録できません", record=code, field=label)
    when = at or clock.now()
    if when < previous:
        raise Invalid(f"{label} の日時が {previous_label} より前です", record=code, field=label)
    if when > clock.now():
        raise Invalid(f"{label} の日時が未来です", record=code, field=label)
    if step == "lessons":
        if not lessons.strip():
            raise Invalid("再発防止策（教訓）を記入してください", record=code, field="教訓")
        incident.lessons = lessons.strip()
    setattr(incident, column, when)
    if note.strip():
        incident.notes = {**(incident.notes or {}), step: note.strip()}
    session.flush()
    return incident


def record_commission_report(
    session: Session, *, code: str, kind: str, at: dt.datetime | None = None
) -> GovernanceIncident:
    """Record that the 速報 ("prompt") or 確報 ("final") was sent to the 個人情報保護委員会."""
    incident = get_incident(session, code=code)
    if kind not in ("prompt", "final"):
        raise Invalid("報告の種類は prompt（速報）か final（確報）です", record=code, field="報告")
    column = "prompt_reported_at" if kind == "prompt" else "final_reported_at"
    if kind == "final" and incident.prompt_reported_at is None:
        raise Conflict("確報の前に速報を記録してください", record=code, field="確報")
    if getattr(incident, column) is not None:
        raise Conflict("記録済みです", record=code, field="速報" if kind == "prompt" else "確報")
    setattr(incident, column, at or clock.now())
    session.flush()
    return incident


@dataclass(frozen=True)
class Deadlines:
    """Whether an incident must go to the 個人情報保護委員会, why, and by when."""

    reportable: bool
    reasons: list[str]
    prompt_due: dt.date | None
    final_due: dt.date | None
    prompt_overdue: bool
    final_overdue: bool

    @property
    def overdue(self) -> bool:
        return self.prompt_overdue or self.final_overdue


def deadlines(incident: GovernanceIncident, *, today: dt.date | None = None) -> Deadlines:
    today = today or clock.today()
    reasons = []
    if incident.involves_mynumber:
        if incident.affected_count > REPORT_THRESHOLD:
            reasons.append(f"漏えい等の本人の数が{REPORT_THRESHOLD}人を超える（{incident.affected_count}人）")
        if incident.unlawful_purpose:
            reasons.append("不正の目的をもって行われたおそれ")
        if incident.via_network_system:
            reasons.append("情報提供ネットワークシステム等に係る漏えい等")
        if incident.publicly_viewable:
            reasons.append("不特定多数の者が閲覧できる状態になった")
    if not reasons:
        return Deadlines(False, [], None, None, False, False)
    aware_day = incident.aware_at.astimezone(clock.JST).date()
    prompt_due = aware_day + dt.timedelta(days=PROMPT_DAYS)
    final_due = aware_day + dt.timedelta(
        days=FINAL_DAYS_UNLAWFUL if incident.unlawful_purpose else FINAL_DAYS
    )
    return Deadlines(
        True,
        reasons,
        prompt_due,
        final_due,
        incident.prompt_reported_at is None and today > prompt_due,
        incident.final_reported_at is None and today > final_due,
    )


def current_step(incident: GovernanceIncident) -> str:
    """The label of the last step stamped."""
    label = STEP_LABELS["report"]
    for _, column, step_label in STEPS:
        if getattr(incident, column) is not None:
            label = step_label
    return label


def put_incident(
    session: Session,
    *,
    code: str,
    title: str,
    aware_at: dt.datetime,
    reported_at: dt.datetime,
    description: str = "",
    triaged_at: dt.datetime | None = None,
    contained_at: dt.datetime | None = None,
    recovered_at: dt.datetime | None = None,
    closed_at: dt.datetime | None = None,
    lessons: str = "",
    involves_mynumber: bool = True,
    affected_count: int = 0,
    unlawful_purpose: bool = False,
    via_network_system: bool = False,
    publicly_viewable: bool = False,
    prompt_reported_at: dt.datetime | None = None,
    final_reported_at: dt.datetime | None = None,
) -> GovernanceIncident:
    """Store a whole incident as a sheet states it (import); the steps must still be in order."""
    code, title = code.strip(), title.strip()
    if not code or not title:
        raise Invalid(
            "インシデント番号と件名は必須です", record=code or None, field="番号" if not code else "件名"
        )
    if affected_count < 0:
        raise Invalid("影響人数は0以上です", record=code, field="影響人数")
    stamps = [reported_at, triaged_at, contained_at, recovered_at, closed_at]
    for index in range(1, len(STEPS)):
        stamp, before = stamps[index], stamps[index - 1]
        label, previous_label = STEPS[index][2], STEPS[index - 1][2]
        if stamp is not None and before is None:
            raise Invalid(f"{previous_label} がないのに {label} があります", record=code, field=label)
        if stamp is not None and before is not None and stamp < before:
            raise Invalid(f"{label} の日時が {previous_label} より前です", record=code, field=label)
    if aware_at > reported_at:
        raise Invalid("覚知日時が報告受付より後です", record=code, field="覚知日時")
    if closed_at is not None and not lessons.strip():
        raise Invalid("再発防止を記録するときは教訓を記入してください", record=code, field="教訓")
    if final_reported_at is not None and prompt_reported_at is None:
        raise Invalid("速報のない確報があります", record=code, field="確報")
    incident = session.scalar(sa.select(GovernanceIncident).where(GovernanceIncident.code == code))
    if incident is None:
        incident = GovernanceIncident(code=code, notes={})
        session.add(incident)
    incident.title, incident.description = title, description
    incident.aware_at, incident.reported_at = aware_at, reported_at
    incident.triaged_at, incident.contained_at = triaged_at, contained_at
    incident.recovered_at, incident.closed_at, incident.lessons = recovered_at, closed_at, lessons.strip()
    incident.involves_mynumber, incident.affected_count = involves_mynumber, affected_count
    incident.unlawful_purpose, incident.via_network_system = unlawful_purpose, via_network_system
    incident.publicly_viewable = publicly_viewable
    incident.prompt_reported_at, incident.final_reported_at = prompt_reported_at, final_reported_at
    session.flush()
    return incident
