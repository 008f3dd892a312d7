"""Demo 研修 and 訓練: the shipped course installed, one handler passed it, and three drills over two years."""

from __future__ import annotations

import datetime as dt

from renkei.core import clock
from renkei.core.errors import Conflict
from renkei.governance import courses, drills
from renkei.runtime import Runtime

# (code, kind, title, days ago, departments, who clicked, who reported)
DRILLS = (
    ("D-PHISH-1", drills.PHISHING, "標的型メール訓練（前年度）", 400, ("税務課", "子育て支援課", "情報政策課"), ("T002", "K001", "K002"), ("J001",)),
    ("D-PHISH-2", drills.PHISHING, "標的型メール訓練", 20, ("税務課", "子育て支援課", "情報政策課"), ("K002",), ("J001", "T001", "K001")),
    ("D-MIS-1", drills.MISDELIVERY, "誤送信訓練（宛先違いの添付）", 10, ("税務課", "子育て支援課"), ("T003",), ("T001", "K001")),
)  # fmt: skip


def setup(runtime: Runtime, *, lg_code: str) -> list[str]:
    """Needs the governance demo's handlers on lg_code; safe to run twice (drills already there are kept)."""
    today = clock.today()
    lines = ["研修・訓練（デモ） / courses and drills:"]
    with runtime.municipal_session(lg_code) as session:
        for course in courses.install_shipped(session):
            lines.append(f"  コース {course.code} {course.title}（{len(course.questions)}問）")
        first = course.questions
        if not courses.attempts(session, handler_code="T001"):
            courses.take_test(
                session, code=course.code, handler_code="T001", answers=[q.answer for q in first]
            )
        for code, kind, title, days, departments, clicked, reported in DRILLS:
            try:
                drill = drills.create_drill(session, code=code, kind=kind, title=title, departments=list(departments),
                                            started_on=today - dt.timedelta(days=days))  # fmt: skip
            except Conflict:
                continue
            for target in drill.targets:
                if target.handler.code in clicked:
                    drills.record_click(session, token=target.token)
                if target.handler.code in reported:
                    drills.record_report(session, token=target.token)
            lines.append(f"  訓練 {code} {title}: {len(drill.targets)}人")
    return lines
