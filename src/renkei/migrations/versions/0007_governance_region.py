"""governance tables beyond one body: region workspace, 業務システム, joint estimates, 事務事業評価シート,
courses and drills.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import renkei.core.db

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "governance_course",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("pass_percent", sa.Integer(), nullable=False),
        sa.Column("sources", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_course")),
        sa.UniqueConstraint("code", name=op.f("uq_governance_course_code")),
    )
    op.create_table(
        "governance_drill",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_drill")),
        sa.UniqueConstraint("code", name=op.f("uq_governance_drill_code")),
    )
    op.create_table(
        "governance_evaluation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_code", sa.String(length=32), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("first_year", sa.Integer(), nullable=False),
        sa.Column("texts", sa.JSON(), nullable=False),
        sa.Column("indicators", sa.JSON(), nullable=False),
        sa.Column("costs", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_evaluation")),
        sa.UniqueConstraint(
            "project_code", "fiscal_year", name=op.f("uq_governance_evaluation_project_code_fiscal_year")
        ),
    )
    op.create_table(
        "governance_region",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("equal_share_percent", sa.String(length=8), nullable=False),
        sa.Column("window_years", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_region")),
        sa.UniqueConstraint("code", name=op.f("uq_governance_region_code")),
    )
    op.create_table(
        "governance_system",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("business", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("vendor", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("customization", sa.String(length=8), nullable=False),
        sa.Column("contract_end", sa.Date(), nullable=False),
        sa.Column("renewal_year", sa.Integer(), nullable=False),
        sa.Column("annual_cost", sa.Integer(), nullable=False),
        sa.Column("hosting", sa.String(length=32), nullable=False),
        sa.Column("zone", sa.String(length=32), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_system")),
        sa.UniqueConstraint("code", name=op.f("uq_governance_system_code")),
    )
    op.create_table(
        "governance_course_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("handler_id", sa.Integer(), nullable=False),
        sa.Column("taken_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("session_code", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["governance_course.id"],
            name=op.f("fk_governance_course_attempt_course_id_governance_course"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["handler_id"],
            ["governance_handler.id"],
            name=op.f("fk_governance_course_attempt_handler_id_governance_handler"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_course_attempt")),
    )
    with op.batch_alter_table("governance_course_attempt", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_governance_course_attempt_course_id"), ["course_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_governance_course_attempt_handler_id"), ["handler_id"], unique=False
        )

    op.create_table(
        "governance_drill_target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("drill_id", sa.Integer(), nullable=False),
        sa.Column("handler_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=43), nullable=False),
        sa.Column("department", sa.String(length=100), nullable=False),
        sa.Column("clicked_at", renkei.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reported_at", renkei.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["drill_id"],
            ["governance_drill.id"],
            name=op.f("fk_governance_drill_target_drill_id_governance_drill"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["handler_id"],
            ["governance_handler.id"],
            name=op.f("fk_governance_drill_target_handler_id_governance_handler"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_drill_target")),
        sa.UniqueConstraint(
            "drill_id", "handler_id", name=op.f("uq_governance_drill_target_drill_id_handler_id")
        ),
        sa.UniqueConstraint("token", name=op.f("uq_governance_drill_target_token")),
    )
    with op.batch_alter_table("governance_drill_target", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_governance_drill_target_drill_id"), ["drill_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_governance_drill_target_handler_id"), ["handler_id"], unique=False
        )

    op.create_table(
        "governance_joint_estimate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("business", sa.String(length=100), nullable=False),
        sa.Column("annual_cost", sa.Integer(), nullable=False),
        sa.Column("initial_cost", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_id"],
            ["governance_region.id"],
            name=op.f("fk_governance_joint_estimate_region_id_governance_region"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_joint_estimate")),
        sa.UniqueConstraint(
            "region_id", "business", name=op.f("uq_governance_joint_estimate_region_id_business")
        ),
    )
    with op.batch_alter_table("governance_joint_estimate", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_governance_joint_estimate_region_id"), ["region_id"], unique=False
        )

    op.create_table(
        "governance_lesson",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["governance_course.id"],
            name=op.f("fk_governance_lesson_course_id_governance_course"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_lesson")),
        sa.UniqueConstraint("course_id", "position", name=op.f("uq_governance_lesson_course_id_position")),
    )
    with op.batch_alter_table("governance_lesson", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_governance_lesson_course_id"), ["course_id"], unique=False)

    op.create_table(
        "governance_question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("answer", sa.Integer(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["governance_course.id"],
            name=op.f("fk_governance_question_course_id_governance_course"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_question")),
        sa.UniqueConstraint("course_id", "position", name=op.f("uq_governance_question_course_id_position")),
    )
    with op.batch_alter_table("governance_question", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_governance_question_course_id"), ["course_id"], unique=False)

    op.create_table(
        "governance_region_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("lg_code", sa.String(length=6), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_id"],
            ["governance_region.id"],
            name=op.f("fk_governance_region_member_region_id_governance_region"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_region_member")),
        sa.UniqueConstraint(
            "region_id", "lg_code", name=op.f("uq_governance_region_member_region_id_lg_code")
        ),
    )
    with op.batch_alter_table("governance_region_member", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_governance_region_member_region_id"), ["region_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("governance_region_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_governance_region_member_region_id"))

    op.drop_table("governance_region_member")
    with op.batch_alter_table("governance_question", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_governance_question_course_id"))

    op.drop_table("governance_question")
    with op.batch_alter_table("governance_lesson", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_governance_lesson_course_id"))

    op.drop_table("governance_lesson")
    with op.batch_alter_table("governance_joint_estimate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_governance_joint_estimate_region_id"))

    op.drop_table("governance_joint_estimate")
    with op.batch_alter_table("governance_drill_target", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_governance_drill_target_handler_id"))
        batch_op.drop_index(batch_op.f("ix_governance_drill_target_drill_id"))

    op.drop_table("governance_drill_target")
    with op.batch_alter_table("governance_course_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_governance_course_attempt_handler_id"))
        batch_op.drop_index(batch_op.f("ix_governance_course_attempt_course_id"))

    op.drop_table("governance_course_attempt")
    op.drop_table("governance_system")
    op.drop_table("governance_region")
    op.drop_table("governance_evaluation")
    op.drop_table("governance_drill")
    op.drop_table("governance_course")
