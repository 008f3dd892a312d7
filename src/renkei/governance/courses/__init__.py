"""Training that teaches and tests: courses of Markdown lessons and a multiple-choice test with a pass mark.

Courses are data (one TOML file per course, shipped in this package); `install_shipped` loads them. A handler who
passes records the yearly training duty: attendance at the e-learning session of the day, in the 年度's e-learning
plan (`E<年度>`), so `training.duties` counts it like any 研修 (decision 0073).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.errors import Invalid, NotFound
from renkei.governance import indicators, training
from renkei.governance.models_course import (
    GovernanceCourse,
    GovernanceCourseAttempt,
    GovernanceLesson,
    GovernanceQuestion,
)

SHIPPED = ("tokutei-kojin-joho.toml",)


def upsert_course_from_toml(session: Session, text: str, *, source: str = "course") -> GovernanceCourse:
    """Add or replace a course from its TOML text: code, title, pass_percent, [[lessons]], [[questions]]."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise Invalid(f"コースの定義（TOML）が読めません: {exc}", record=source, field="TOML") from exc
    code = str(data.get("code", "")).strip()
    record = f"コース {code or source}"
    if not code or not str(data.get("title", "")).strip():
        raise Invalid(
            "コースの code と title は必須です", record=record, field="code" if not code else "title"
        )
    pass_percent = data.get("pass_percent", 80)
    if not isinstance(pass_percent, int) or not 1 <= pass_percent <= 100:
        raise Invalid(
            f"合格点は1〜100（%）です（入力値: {pass_percent!r}）", record=record, field="pass_percent"
        )
    lessons, questions = data.get("lessons", []), data.get("questions", [])
    if not lessons or not questions:
        raise Invalid(
            "レッスンとテスト問題がそれぞれ1つ以上必要です",
            record=record,
            field="lessons" if not lessons else "questions",
        )
    checked_questions = []
    for number, q in enumerate(questions, start=1):
        choices = [str(c) for c in q.get("choices", [])]
        answer = q.get("answer")
        where = f"{record} 問{number}"
        if not str(q.get("text", "")).strip() or len(choices) < 2:
            raise Invalid("問題文と2つ以上の選択肢が必要です", record=where, field="choices")
        if not isinstance(answer, int) or not 1 <= answer <= len(choices):
            raise Invalid(
                f"answer は正解の選択肢の番号（1〜{len(choices)}）です（入力値: {answer!r}）",
                record=where,
                field="answer",
            )
        checked_questions.append(
            (str(q["text"]).strip(), choices, answer - 1, str(q.get("explanation", "")).strip())
        )
    for number, lesson in enumerate(lessons, start=1):
        if not str(lesson.get("title", "")).strip() or not str(lesson.get("body", "")).strip():
            raise Invalid(
                "レッスンの title と body は必須です", record=f"{record} レッスン{number}", field="body"
            )
    course = session.scalar(sa.select(GovernanceCourse).where(GovernanceCourse.code == code))
    if course is None:
        course = GovernanceCourse(code=code)
        session.add(course)
    course.title, course.summary = str(data["title"]).strip(), str(data.get("summary", "")).strip()
    course.pass_percent, course.sources = pass_percent, str(data.get("sources", "")).strip()
    course.lessons = []
    course.questions = []
    session.flush()  # old rows go before the new ones take their positions
    course.lessons = [
        GovernanceLesson(position=i, title=str(lesson["title"]).strip(), body=str(lesson["body"]))
        for i, lesson in enumerate(lessons, start=1)
    ]
    course.questions = [
        GovernanceQuestion(position=i, text=t, choices=c, answer=a, explanation=e)
        for i, (t, c, a, e) in enumerate(checked_questions, start=1)
    ]
    session.flush()
    return course


def install_shipped(session: Session) -> list[GovernanceCourse]:
    """The courses that ship with renkei (safe to run again: each is replaced by its shipped text)."""
    folder = resources.files(__package__)
    return [
        upsert_course_from_toml(session, folder.joinpath(name).read_text(encoding="utf-8"), source=name)
        for name in SHIPPED
    ]


def list_courses(session: Session) -> list[GovernanceCourse]:
    return list(session.scalars(sa.select(GovernanceCourse).order_by(GovernanceCourse.code)))


def get_course(session: Session, *, code: str) -> GovernanceCourse:
    course = session.scalar(sa.select(GovernanceCourse).where(GovernanceCourse.code == code.strip()))
    if course is None:
        raise NotFound(f"登録されていないコースです: {code}", record=code, field="コース")
    return course


@dataclass(frozen=True)
class Result:
    attempt: GovernanceCourseAttempt
    course: GovernanceCourse
    wrong: list[GovernanceQuestion]  # the questions answered wrongly, with their explanations

    @property
    def percent(self) -> int:
        return self.attempt.correct * 100 // self.attempt.total


def take_test(session: Session, *, code: str, handler_code: str, answers: list[int | None]) -> Result:
    """Score a handler's answers (choice indexes from 0, None for unanswered); passing records the yearly duty.

    The pass mark is a percentage of questions right, compared exactly (8 of 10 passes at 80%).
    """
    course = get_course(session, code=code)
    handler = training.get_handler(session, code=handler_code)
    if len(answers) != len(course.questions):
        raise Invalid(
            f"回答の数が問題の数と違います（{len(answers)} / {len(course.questions)}）",
            record=course.code,
            field="回答",
        )
    correct = sum(1 for q, a in zip(course.questions, answers, strict=True) if a == q.answer)
    total = len(course.questions)
    passed = correct * 100 >= course.pass_percent * total
    session_code = None
    if passed:
        today = clock.today()
        year = indicators.fiscal_year_of(today)
        plan = f"E{year}"
        training.upsert_plan(session, code=plan, fiscal_year=year, title="e-ラーニング（特定個人情報の取扱い）",
                             audience="特定個人情報ファイルの取扱者", content="renkei のコースとテスト")  # fmt: skip
        session_code = f"E-{course.code}-{today:%Y%m%d}"[:32]
        training.upsert_session(session, code=session_code, plan=plan, held_on=today, title=course.title,
                                place="e-ラーニング")  # fmt: skip
        training.record_attendance(session, session_code=session_code, handler_code=handler.code)
    attempt = GovernanceCourseAttempt(
        course_id=course.id, handler_id=handler.id, handler=handler, taken_at=clock.now(),
        answers=[-1 if a is None else a for a in answers], correct=correct, total=total, passed=passed,
        session_code=session_code,
    )  # fmt: skip
    session.add(attempt)
    session.flush()
    wrong = [q for q, a in zip(course.questions, answers, strict=True) if a != q.answer]
    return Result(attempt, course, wrong)


def attempts(session: Session, *, handler_code: str | None = None) -> list[GovernanceCourseAttempt]:
    query = sa.select(GovernanceCourseAttempt).order_by(GovernanceCourseAttempt.taken_at.desc())
    if handler_code is not None:
        handler = training.get_handler(session, code=handler_code)
        query = query.where(GovernanceCourseAttempt.handler_id == handler.id)
    return list(session.scalars(query))
