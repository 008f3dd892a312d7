"""governance (安全管理措置) tables.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import renkei.core.db

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "governance_discrepancy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sheet", sa.String(length=64), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("column", sa.String(length=64), nullable=False),
        sa.Column("record_key", sa.String(length=64), nullable=False),
        sa.Column("stated", sa.String(length=64), nullable=False),
        sa.Column("computed", sa.String(length=64), nullable=False),
        sa.Column("found_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_by", sa.String(length=100), nullable=True),
        sa.Column("resolved_at", renkei.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_discrepancy")),
    )
    op.create_table(
        "governance_handler",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("department", sa.String(length=100), nullable=False),
        sa.Column("assigned_on", sa.Date(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_handler")),
        sa.UniqueConstraint("code", name=op.f("uq_governance_handler_code")),
    )
    op.create_table(
        "governance_incident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("aware_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reported_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("triaged_at", renkei.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("contained_at", renkei.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("recovered_at", renkei.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", renkei.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lessons", sa.Text(), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.Column("involves_mynumber", sa.Boolean(), nullable=False),
        sa.Column("affected_count", sa.Integer(), nullable=False),
        sa.Column("unlawful_purpose", sa.Boolean(), nullable=False),
        sa.Column("via_network_system", sa.Boolean(), nullable=False),
        sa.Column("publicly_viewable", sa.Boolean(), nullable=False),
        sa.Column("prompt_reported_at", renkei.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("final_reported_at", renkei.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_incident")),
        sa.UniqueConstraint("code", name=op.f("uq_governance_incident_code")),
    )
    op.create_table(
        "governance_indicator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("value", sa.String(length=32), nullable=False),
        sa.Column("estimate", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_indicator")),
        sa.UniqueConstraint("name", "fiscal_year", name=op.f("uq_governance_indicator_name_fiscal_year")),
    )
    op.create_table(
        "governance_issue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("point", sa.Text(), nullable=False),
        sa.Column("impact", sa.String(length=8), nullable=False),
        sa.Column("compliance", sa.String(length=8), nullable=False),
        sa.Column("ease", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_issue")),
        sa.UniqueConstraint("number", name=op.f("uq_governance_issue_number")),
    )
    op.create_table(
        "governance_jimu",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=400), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("basis", sa.String(length=200), nullable=False),
        sa.Column("department", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("procedures_dated_on", sa.Date(), nullable=True),
        sa.Column("risks_dated_on", sa.Date(), nullable=True),
        sa.Column("progress_flow", sa.String(length=1), nullable=False),
        sa.Column("progress_personal_info", sa.String(length=1), nullable=False),
        sa.Column("progress_risk", sa.String(length=1), nullable=False),
        sa.Column("progress_linkage", sa.String(length=1), nullable=False),
        sa.Column("progress_ordinance", sa.String(length=1), nullable=False),
        sa.Column("progress_pia", sa.String(length=1), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_jimu")),
        sa.UniqueConstraint("name", name=op.f("uq_governance_jimu_name")),
    )
    op.create_table(
        "governance_segment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("zone", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_segment")),
        sa.UniqueConstraint("name", name=op.f("uq_governance_segment_name")),
    )
    op.create_table(
        "governance_setting",
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_governance_setting")),
    )
    op.create_table(
        "governance_training_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("audience", sa.String(length=200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_training_plan")),
        sa.UniqueConstraint("code", name=op.f("uq_governance_training_plan_code")),
    )
    op.create_table(
        "governance_asset",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("jimu_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("medium", sa.String(length=8), nullable=False),
        sa.Column("stage", sa.String(length=8), nullable=False),
        sa.Column("handling", sa.Text(), nullable=False),
        sa.Column("procedure", sa.Text(), nullable=False),
        sa.Column("function", sa.String(length=200), nullable=False),
        sa.Column("responsible", sa.String(length=100), nullable=False),
        sa.Column("responsible_task", sa.String(length=200), nullable=False),
        sa.Column("handler", sa.String(length=100), nullable=False),
        sa.Column("handler_task", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("confidentiality", sa.SmallInteger(), nullable=False),
        sa.Column("integrity", sa.SmallInteger(), nullable=False),
        sa.Column("availability", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["jimu_id"], ["governance_jimu.id"], name=op.f("fk_governance_asset_jimu_id_governance_jimu")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_asset")),
        sa.UniqueConstraint("code", name=op.f("uq_governance_asset_code")),
    )
    with op.batch_alter_table("governance_asset", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_governance_asset_jimu_id"), ["jimu_id"], unique=False)

    op.create_table(
        "governance_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("jimu_id", sa.Integer(), nullable=False),
        sa.Column("tm_code", sa.String(length=16), nullable=False),
        sa.Column("subject_count", sa.Integer(), nullable=False),
        sa.Column("handler_count", sa.Integer(), nullable=False),
        sa.Column("serious_incident", sa.Boolean(), nullable=False),
        sa.Column("last_published_on", sa.Date(), nullable=True),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["jimu_id"], ["governance_jimu.id"], name=op.f("fk_governance_file_jimu_id_governance_jimu")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_file")),
        sa.UniqueConstraint("name", name=op.f("uq_governance_file_name")),
    )
    with op.batch_alter_table("governance_file", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_governance_file_jimu_id"), ["jimu_id"], unique=False)

    op.create_table(
        "governance_flow",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("destination_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("sanitized", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["destination_id"],
            ["governance_segment.id"],
            name=op.f("fk_governance_flow_destination_id_governance_segment"),
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["governance_segment.id"],
            name=op.f("fk_governance_flow_source_id_governance_segment"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_flow")),
        sa.UniqueConstraint("code", name=op.f("uq_governance_flow_code")),
    )
    with op.batch_alter_table("governance_flow", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_governance_flow_destination_id"), ["destination_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_governance_flow_source_id"), ["source_id"], unique=False)

    op.create_table(
        "governance_host",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("segment_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("two_factor", sa.Boolean(), nullable=False),
        sa.Column("export_blocked", sa.Boolean(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["segment_id"],
            ["governance_segment.id"],
            name=op.f("fk_governance_host_segment_id_governance_segment"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_host")),
        sa.UniqueConstraint("name", name=op.f("uq_governance_host_name")),
    )
    with op.batch_alter_table("governance_host", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_governance_host_segment_id"), ["segment_id"], unique=False)

    op.create_table(
        "governance_reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("handler_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("sent_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["handler_id"],
            ["governance_handler.id"],
            name=op.f("fk_governance_reminder_handler_id_governance_handler"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_reminder")),
        sa.UniqueConstraint("handler_id", "due_on", name=op.f("uq_governance_reminder_handler_id_due_on")),
    )
    with op.batch_alter_table("governance_reminder", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_governance_reminder_handler_id"), ["handler_id"], unique=False)

    op.create_table(
        "governance_training_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("hours", sa.String(length=8), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["governance_training_plan.id"],
            name=op.f("fk_governance_training_session_plan_id_governance_training_plan"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_training_session")),
        sa.UniqueConstraint("code", name=op.f("uq_governance_training_session_code")),
    )
    with op.batch_alter_table("governance_training_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_governance_training_session_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "governance_attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("handler_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["handler_id"],
            ["governance_handler.id"],
            name=op.f("fk_governance_attendance_handler_id_governance_handler"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["governance_training_session.id"],
            name=op.f("fk_governance_attendance_session_id_governance_training_session"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_attendance")),
        sa.UniqueConstraint(
            "session_id", "handler_id", name=op.f("uq_governance_attendance_session_id_handler_id")
        ),
    )
    with op.batch_alter_table("governance_attendance", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_governance_attendance_handler_id"), ["handler_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_governance_attendance_session_id"), ["session_id"], unique=False)

    op.create_table(
        "governance_handler_file",
        sa.Column("handler_id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["governance_file.id"],
            name=op.f("fk_governance_handler_file_file_id_governance_file"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["handler_id"],
            ["governance_handler.id"],
            name=op.f("fk_governance_handler_file_handler_id_governance_handler"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("handler_id", "file_id", name=op.f("pk_governance_handler_file")),
    )
    op.create_table(
        "governance_risk",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("vulnerability", sa.Text(), nullable=False),
        sa.Column("vulnerability_rating", sa.SmallInteger(), nullable=False),
        sa.Column("threat", sa.Text(), nullable=False),
        sa.Column("threat_rating", sa.SmallInteger(), nullable=False),
        sa.Column("function", sa.String(length=200), nullable=False),
        sa.Column("measures", sa.JSON(), nullable=False),
        sa.Column("residual_risk", sa.Text(), nullable=False),
        sa.Column("accepted_by", sa.String(length=100), nullable=True),
        sa.Column("accepted_at", renkei.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["asset_id"], ["governance_asset.id"], name=op.f("fk_governance_risk_asset_id_governance_asset")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_risk")),
        sa.UniqueConstraint("asset_id", name=op.f("uq_governance_risk_asset_id")),
    )


def downgrade() -> None:
    op.drop_table("governance_risk")
    op.drop_table("governance_handler_file")
    with op.batch_alter_table("governance_attendance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_governance_attendance_session_id"))
        batch_op.drop_index(batch_op.f("ix_governance_attendance_handler_id"))

    op.drop_table("governance_attendance")
    with op.batch_alter_table("governance_training_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_governance_training_session_plan_id"))

    op.drop_table("governance_training_session")
    with op.batch_alter_table("governance_reminder", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_governance_reminder_handler_id"))

    op.drop_table("governance_reminder")
    with op.batch_alter_table("governance_host", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_governance_host_segment_id"))

    op.drop_table("governance_host")
    with op.batch_alter_table("governance_flow", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_governance_flow_source_id"))
        batch_op.drop_index(batch_op.f("ix_governance_flow_destination_id"))

    op.drop_table("governance_flow")
    with op.batch_alter_table("governance_file", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_governance_file_jimu_id"))

    op.drop_table("governance_file")
    with op.batch_alter_table("governance_asset", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_governance_asset_jimu_id"))

    op.drop_table("governance_asset")
    op.drop_table("governance_training_plan")
    op.drop_table("governance_setting")
    op.drop_table("governance_segment")
    op.drop_table("governance_jimu")
    op.drop_table("governance_issue")
    op.drop_table("governance_indicator")
    op.drop_table("governance_incident")
    op.drop_table("governance_handler")
    op.drop_table("governance_discrepancy")
