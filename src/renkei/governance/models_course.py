"""Tables of training that teaches and tests (courses, lessons, questions, attempts) and of drills (訓練).

Passing a course records attendance in the yearly duty already tracked (`governance_attendance`), through an
e-learning session of the 年度's e-learning plan; the attempt keeps the answers (decision 0073).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from renkei.core.db import Base, UTCDateTime
from renkei.governance.models import GovernanceHandler


class GovernanceCourse(Base):
    """An e-learning course: lessons to read, then a multiple-choice test with a pass mark."""

    __tablename__ = "governance_course"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    pass_percent: Mapped[int] = mapped_column(default=80)
    sources: Mapped[str] = mapped_column(sa.Text, default="")  # the public texts the course was written from

    lessons: Mapped[list[GovernanceLesson]] = relationship(
        lazy="selectin", order_by="GovernanceLesson.position", cascade="all, delete-orphan"
    )
    questions: Mapped[list[GovernanceQuestion]] = relationship(
        lazy="selectin", order_by="GovernanceQuestion.position", cascade="all, delete-orphan"
    )


class GovernanceLesson(Base):
    """One lesson of a course, in Markdown (rendered without raw HTML)."""

    __tablename__ = "governance_lesson"
    __table_args__ = (sa.UniqueConstraint("course_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("governance_course.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)


class GovernanceQuestion(Base):
    """A multiple-choice question: choices in order, the index of the right one, and why."""

    __tablename__ = "governance_question"
    __table_args__ = (sa.UniqueConstraint("course_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("governance_course.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    text: Mapped[str] = mapped_column(sa.Text)
    choices: Mapped[list[str]] = mapped_column(sa.JSON)
    answer: Mapped[int]
    explanation: Mapped[str] = mapped_column(sa.Text, default="")


class GovernanceCourseAttempt(Base):
    """A handler took a course's test: the answers given, the score, and the attendance it recorded if passed."""

    __tablename__ = "governance_course_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("governance_course.id", ondelete="CASCADE"), index=True
    )
    handler_id: Mapped[int] = mapped_column(sa.ForeignKey("governance_handler.id"), index=True)
    taken_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    answers: Mapped[list[int]] = mapped_column(sa.JSON)
    correct: Mapped[int]
    total: Mapped[int]
    passed: Mapped[bool]
    session_code: Mapped[str | None] = mapped_column(sa.String(32))  # the e-learning session recorded

    handler: Mapped[GovernanceHandler] = relationship(lazy="joined")


class GovernanceDrill(Base):
    """A drill campaign (訓練): a 標的型メール or 誤送信 exercise sent to chosen handlers."""

    __tablename__ = "governance_drill"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(16))  # 標的型メール / 誤送信
    title: Mapped[str] = mapped_column(sa.String(200))
    subject: Mapped[str] = mapped_column(sa.String(200))  # the drill message's subject line
    body: Mapped[str] = mapped_column(sa.Text)  # its text; {link} and {report} are replaced per target
    started_on: Mapped[dt.date] = mapped_column(sa.Date)

    targets: Mapped[list[GovernanceDrillTarget]] = relationship(
        lazy="selectin", order_by="GovernanceDrillTarget.id", cascade="all, delete-orphan"
    )


class GovernanceDrillTarget(Base):
    """One handler in a drill, with an unguessable token for the harmless link and what they did."""

    __tablename__ = "governance_drill_target"
    __table_args__ = (sa.UniqueConstraint("drill_id", "handler_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    drill_id: Mapped[int] = mapped_column(
        sa.ForeignKey("governance_drill.id", ondelete="CASCADE"), index=True
    )
    handler_id: Mapped[int] = mapped_column(sa.ForeignKey("governance_handler.id"), index=True)
    token: Mapped[str] = mapped_column(sa.String(43), unique=True)
    department: Mapped[str] = mapped_column(sa.String(100))  # the handler's 所属 when the drill was sent
    clicked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    reported_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    handler: Mapped[GovernanceHandler] = relationship(lazy="joined")
