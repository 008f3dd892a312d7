"""operator actions: enrolled hub operators, the index of their recorded actions, retired agencies, ended rows.

Revision ID: 0021
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from renkei.core.db import UTCDateTime

revision = "0021"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hub_operator",
        sa.Column("operator_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("signing_public_key", sa.Text(), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("enrolled_at", UTCDateTime(), nullable=False),
        sa.Column("retired_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("operator_id", name=op.f("pk_hub_operator")),
    )
    op.create_table(
        "hub_operator_action",
        sa.Column("action_id", sa.String(length=32), nullable=False),
        sa.Column("operator_id", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("target", sa.String(length=60), nullable=False),
        sa.Column("request_digest", sa.String(length=64), nullable=False),
        sa.Column("record_seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("action_id", name=op.f("pk_hub_operator_action")),
    )
    op.create_index(
        op.f("ix_hub_operator_action_operator_id"), "hub_operator_action", ["operator_id"], unique=False
    )
    op.create_index(
        op.f("ix_hub_operator_action_recorded_at"), "hub_operator_action", ["recorded_at"], unique=False
    )
    with op.batch_alter_table("hub_agency") as batch:
        batch.add_column(sa.Column("retired_at", UTCDateTime(), nullable=True))
    with op.batch_alter_table("hub_permission") as batch:
        batch.add_column(sa.Column("valid_to", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("hub_permission") as batch:
        batch.drop_column("valid_to")
    with op.batch_alter_table("hub_agency") as batch:
        batch.drop_column("retired_at")
    op.drop_index(op.f("ix_hub_operator_action_recorded_at"), table_name="hub_operator_action")
    op.drop_index(op.f("ix_hub_operator_action_operator_id"), table_name="hub_operator_action")
    op.drop_table("hub_operator_action")
    op.drop_table("hub_operator")
