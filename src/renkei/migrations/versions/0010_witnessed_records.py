"""Witnessed records: cosignatures on each log's checkpoints; the heads each witness cosigned and every one it saw.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import renkei.core.db

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _cosignatures(name: str) -> None:
    op.create_table(
        name,
        sa.Column("tree_size", _BIGINT, autoincrement=False, nullable=False),
        sa.Column("witness", sa.String(length=200), nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("cosignature", sa.Text(), nullable=False),
        sa.Column("cosigned_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tree_size", "witness", name=op.f(f"pk_{name}")),
    )


def _heads(name: str) -> None:
    op.create_table(
        name,
        sa.Column("origin", sa.String(length=200), nullable=False),
        sa.Column("tree_size", _BIGINT, nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("checkpoint", sa.Text(), nullable=False),
        sa.Column("cosigned_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("origin", name=op.f(f"pk_{name}")),
    )


def _seen(name: str) -> None:
    op.create_table(
        name,
        sa.Column("id", _BIGINT, autoincrement=True, nullable=False),
        sa.Column("origin", sa.String(length=200), nullable=False),
        sa.Column("old_size", _BIGINT, nullable=False),
        sa.Column("tree_size", _BIGINT, nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("checkpoint", sa.Text(), nullable=False),
        sa.Column("seen_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
    )
    with op.batch_alter_table(name, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{name}_origin"), ["origin"], unique=False)


def upgrade() -> None:
    for component in ("hub", "intermediate"):
        _cosignatures(f"{component}_record_cosignature")
        _heads(f"{component}_witness_head")
        _seen(f"{component}_witness_seen")


def downgrade() -> None:
    for component in ("intermediate", "hub"):
        with op.batch_alter_table(f"{component}_witness_seen", schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{component}_witness_seen_origin"))
        op.drop_table(f"{component}_witness_seen")
        op.drop_table(f"{component}_witness_head")
        op.drop_table(f"{component}_record_cosignature")
