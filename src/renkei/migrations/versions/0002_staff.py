"""staff (municipal staff accounts, roles, TOTP) tables.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import renkei.core.db

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("login", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("totp_secret_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("totp_last_step", sa.BigInteger(), nullable=True),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", renkei.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("disabled_at", renkei.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("epoch", sa.String(length=32), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("created_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("password_changed_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", renkei.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_account")),
        sa.UniqueConstraint("login", name=op.f("uq_staff_account_login")),
    )
    op.create_table(
        "staff_role",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["staff_account.id"],
            name=op.f("fk_staff_role_account_id_staff_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_role")),
        sa.UniqueConstraint("account_id", "role", name=op.f("uq_staff_role_account_id_role")),
    )
    with op.batch_alter_table("staff_role", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_role_account_id"), ["account_id"], unique=False)

    op.create_table(
        "staff_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("login", sa.String(length=64), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["staff_account.id"], name=op.f("fk_staff_event_account_id_staff_account")
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["staff_account.id"], name=op.f("fk_staff_event_actor_id_staff_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_event")),
    )
    with op.batch_alter_table("staff_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_event_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_staff_event_at"), ["at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("staff_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_event_at"))
        batch_op.drop_index(batch_op.f("ix_staff_event_account_id"))
    op.drop_table("staff_event")
    with op.batch_alter_table("staff_role", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_role_account_id"))
    op.drop_table("staff_role")
    op.drop_table("staff_account")
