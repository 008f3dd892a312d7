"""portal (マイナポータル) tables: users by the portal's 符号, their login certificates, login challenges.

Revision ID: 0009
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import renkei.core.db

revision = "0009"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "portal_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sign", sa.String(length=32), nullable=False),
        sa.Column("lg_code", sa.String(length=6), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("registered_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", renkei.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_user")),
        sa.UniqueConstraint("sign", name=op.f("uq_portal_user_sign")),
    )
    op.create_table(
        "portal_certificate",
        sa.Column("serial", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("registered_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["portal_user.id"], name=op.f("fk_portal_certificate_user_id_portal_user")
        ),
        sa.PrimaryKeyConstraint("serial", name=op.f("pk_portal_certificate")),
    )
    with op.batch_alter_table("portal_certificate", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_portal_certificate_user_id"), ["user_id"], unique=False)
    op.create_table(
        "portal_challenge",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("nonce", sa.LargeBinary(length=32), nullable=False),
        sa.Column("created_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", renkei.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_challenge")),
    )


def downgrade() -> None:
    op.drop_table("portal_challenge")
    with op.batch_alter_table("portal_certificate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portal_certificate_user_id"))
    op.drop_table("portal_certificate")
    op.drop_table("portal_user")
