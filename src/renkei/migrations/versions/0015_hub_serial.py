"""hub serial and push retries: the 処理通番's serial reserved a batch at a time; failed pushes retried later.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import renkei.core.db

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hub_serial",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_hub_serial")),
    )
    with op.batch_alter_table("hub_query") as batch:
        batch.add_column(sa.Column("next_push_at", renkei.core.db.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("push_attempts", sa.Integer(), server_default="0", nullable=False))
        batch.create_index(op.f("ix_hub_query_next_push_at"), ["next_push_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("hub_query") as batch:
        batch.drop_index(op.f("ix_hub_query_next_push_at"))
        batch.drop_column("push_attempts")
        batch.drop_column("next_push_at")
    op.drop_table("hub_serial")
