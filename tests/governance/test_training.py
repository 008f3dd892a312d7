"""研修: every handler of a 特定個人情報ファイル owes a session a year; who is overdue, by department; reminders."""

from __future__ import annotations

import datetime as dt

import pytest

from renkei.core import clock
from renkei.core.errors import Conflict, NotFound
from renkei.governance import register, training
from renkei.runtime import Runtime
from tests.governance.builders import LG, add_seed_jimu
from tests.governance.seed import JIMU

TODAY = dt.datetime(2026, 6, 1, 3, 0, tzinfo=dt.UTC)  # 2026-06-01 in Japan


def body(runtime: Runtime) -> None:
    """Four handlers: trained a year ago to the day, trained 13 months ago, never trained, and one without a file."""
    with clock.frozen(TODAY), runtime.municipal_session(LG) as session:
        add_seed_jimu(session)
        register.upsert_file(session, name="減免ファイル", jimu=JIMU, subject_count=1_200, handler_count=4)
        training.upsert_plan(session, code="P2025", fiscal_year=2025, title="年次研修")
        training.upsert_session(
            session, code="S1", plan="P2025", held_on=dt.date(2025, 6, 1), title="集合研修"
        )
        training.upsert_session(
            session, code="S0", plan="P2025", held_on=dt.date(2025, 5, 1), title="集合研修"
        )
        assigned = dt.date(2024, 4, 1)
        training.upsert_handler(
            session,
            code="T1",
            name="税務 一",
            department="税務課",
            assigned_on=assigned,
            files=["減免ファイル"],
        )
        training.upsert_handler(
            session,
            code="T2",
            name="税務 二",
            department="税務課",
            assigned_on=assigned,
            files=["減免ファイル"],
        )
        training.upsert_handler(
            session,
            code="K1",
            name="子育 一",
            department="子育て支援課",
            assigned_on=assigned,
            files=["減免ファイル"],
        )
        training.upsert_handler(
            session, code="X1", name="総務 一", department="総務課", assigned_on=assigned, files=[]
        )
        training.record_attendance(session, session_code="S1", handler_code="T1")
        training.record_attendance(session, session_code="S0", handler_code="T2")
        training.record_attendance(session, session_code="S1", handler_code="T1")  # twice: still one record  # fmt: skip


def test_overdue_handlers_are_listed_by_department(runtime: Runtime) -> None:
    body(runtime)
    with clock.frozen(TODAY), runtime.municipal_session(LG) as session:
        overdue = training.overdue_by_department(session)
        duties = {d.handler.code: d for d in training.duties(session)}
        assert len(training.list_attendance(session)) == 2
    assert {k: [d.handler.code for d in v] for k, v in overdue.items()} == {
        "子育て支援課": ["K1"],
        "税務課": ["T2"],
    }
    assert duties["T1"].due_on == dt.date(2026, 6, 1) and not duties["T1"].overdue  # due today: not yet late
    assert duties["T2"].last_trained_on == dt.date(2025, 5, 1) and duties["T2"].due_on == dt.date(2026, 5, 1)
    assert duties["K1"].last_trained_on is None and duties["K1"].due_on == dt.date(2025, 4, 1)
    assert "X1" not in duties  # handles no 特定個人情報ファイル


def test_reminders_go_once_per_due_date_to_the_overdue_and_the_nearly_due(runtime: Runtime) -> None:
    body(runtime)
    with clock.frozen(TODAY), runtime.municipal_session(LG) as session:
        sent = training.send_reminders(session)
        assert sorted(r.handler.code for r in sent) == ["K1", "T1", "T2"]
        assert training.send_reminders(session) == []
        text = training.reminder_text(next(r for r in sent if r.handler.code == "K1"), today=clock.today())
    assert text.startswith("子育て支援課 子育 一 様") and "期限を過ぎています" in text


def test_attending_a_session_not_yet_held_or_unknown_is_refused(runtime: Runtime) -> None:
    body(runtime)
    with clock.frozen(TODAY), runtime.municipal_session(LG) as session:
        training.upsert_session(session, code="S9", plan="P2025", held_on=dt.date(2026, 7, 1), title="次回")
        with pytest.raises(Conflict):
            training.record_attendance(session, session_code="S9", handler_code="K1")
        with pytest.raises(NotFound):
            training.record_attendance(session, session_code="S404", handler_code="K1")
        with pytest.raises(NotFound):
            training.upsert_session(session, code="S8", plan="P404", held_on=dt.date(2026, 1, 1), title="x")
        with pytest.raises(NotFound):
            training.upsert_handler(
                session, code="Z", name="z", department="z", assigned_on=dt.date(2026, 1, 1), files=["無い"]
            )
