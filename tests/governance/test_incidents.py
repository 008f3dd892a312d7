"""インシデント: the steps in order with their times, and the 個人情報保護委員会 report deadlines."""

from __future__ import annotations

import datetime as dt

import pytest

from renkei.core import clock
from renkei.core.errors import Conflict, Invalid
from renkei.governance import incidents
from renkei.runtime import Runtime
from tests.governance.builders import LG

AWARE = dt.datetime(2026, 5, 1, 1, 0, tzinfo=dt.UTC)  # 2026-05-01 10:00 in Japan


def test_the_steps_are_stamped_in_order(runtime: Runtime) -> None:
    with clock.frozen(AWARE + dt.timedelta(hours=1)), runtime.municipal_session(LG) as session:
        incidents.report_incident(session, code="I1", title="誤送付", aware_at=AWARE)
        with pytest.raises(Conflict, match="トリアージ の前に 封じ込め"):
            incidents.advance(session, code="I1", step="containment")
        incidents.advance(session, code="I1", step="triage", note="1名分")
        with pytest.raises(Conflict, match="記録済み"):
            incidents.advance(session, code="I1", step="triage")
        incidents.advance(session, code="I1", step="containment")
        incidents.advance(session, code="I1", step="recovery")
        with pytest.raises(Invalid, match="教訓"):
            incidents.advance(session, code="I1", step="lessons")
        incident = incidents.advance(session, code="I1", step="lessons", lessons="封入の二重確認")
        assert incidents.current_step(incident) == "再発防止（教訓）"
        assert incident.notes == {"triage": "1名分"}
        with pytest.raises(Invalid, match="手順は"):
            incidents.advance(session, code="I1", step="report")
        with pytest.raises(Conflict, match="登録済み"):
            incidents.report_incident(session, code="I1", title="again")


def test_a_step_cannot_be_earlier_than_the_one_before(runtime: Runtime) -> None:
    with clock.frozen(AWARE + dt.timedelta(hours=1)), runtime.municipal_session(LG) as session:
        incidents.report_incident(session, code="I2", title="x", aware_at=AWARE)
        with pytest.raises(Invalid, match="より前"):
            incidents.advance(session, code="I2", step="triage", at=AWARE)


def test_a_small_leak_is_not_reportable(runtime: Runtime) -> None:
    with clock.frozen(AWARE), runtime.municipal_session(LG) as session:
        incident = incidents.report_incident(session, code="I3", title="x", affected_count=100)
        assert not incidents.deadlines(incident).reportable


@pytest.mark.parametrize(
    ("facts", "final_days"),
    [({"affected_count": 101}, 30), ({"unlawful_purpose": True}, 60), ({"via_network_system": True}, 30),
     ({"publicly_viewable": True}, 30)],
)  # fmt: skip
def test_reportable_leaks_get_the_prompt_and_final_deadlines(
    runtime: Runtime, facts: dict[str, object], final_days: int
) -> None:
    with clock.frozen(AWARE), runtime.municipal_session(LG) as session:
        incident = incidents.report_incident(session, code="I4", title="x", **facts)  # type: ignore[arg-type]
        due = incidents.deadlines(incident, today=dt.date(2026, 5, 4))
        assert due.reportable and due.prompt_due == dt.date(2026, 5, 4) and not due.prompt_overdue
        assert due.final_due == dt.date(2026, 5, 1) + dt.timedelta(days=final_days)
        assert incidents.deadlines(incident, today=dt.date(2026, 5, 5)).prompt_overdue


def test_recording_the_reports_clears_the_overdue_flags(runtime: Runtime) -> None:
    with clock.frozen(AWARE), runtime.municipal_session(LG) as session:
        incident = incidents.report_incident(session, code="I5", title="x", affected_count=500)
        with pytest.raises(Conflict, match="速報"):
            incidents.record_commission_report(session, code="I5", kind="final")
        incidents.record_commission_report(session, code="I5", kind="prompt")
        incidents.record_commission_report(session, code="I5", kind="final")
        assert not incidents.deadlines(incident, today=dt.date(2026, 12, 1)).overdue


def test_the_japan_day_of_awareness_starts_the_count(runtime: Runtime) -> None:
    late_evening = dt.datetime(2026, 4, 30, 16, 0, tzinfo=dt.UTC)  # 2026-05-01 01:00 in Japan
    with clock.frozen(AWARE), runtime.municipal_session(LG) as session:
        incident = incidents.report_incident(
            session, code="I6", title="x", affected_count=500, aware_at=late_evening
        )
        assert incidents.deadlines(incident).prompt_due == dt.date(2026, 5, 4)
