"""portal (マイナポータル) tables: users by the portal's 符号, login certificates and challenges, お知らせ, ぴったりサービス applications.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import renkei.core.db

revision = "0009"
down_revision = "0008"
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
    op.create_table(
        "portal_notice",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("agency_code", sa.String(length=16), nullable=False),
        sa.Column("lg_code", sa.String(length=6), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("condition", sa.String(length=200), nullable=False),
        sa.Column("sent_by", sa.String(length=64), nullable=False),
        sa.Column("sent_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("received_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_notice")),
    )
    op.create_table(
        "portal_notice_recipient",
        sa.Column("notice_id", sa.String(length=32), nullable=False),
        sa.Column("lg_code", sa.String(length=6), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("read_at", renkei.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["portal_notice.id"],
            name=op.f("fk_portal_notice_recipient_notice_id_portal_notice"),
        ),
        sa.PrimaryKeyConstraint(
            "notice_id", "lg_code", "resident_id", name=op.f("pk_portal_notice_recipient")
        ),
    )
    with op.batch_alter_table("portal_notice_recipient", schema=None) as batch_op:
        batch_op.create_index("ix_portal_notice_recipient_person", ["lg_code", "resident_id"], unique=False)
    op.create_table(
        "portal_application",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("lg_code", sa.String(length=6), nullable=False),
        sa.Column("service_code", sa.String(length=40), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("cms", sa.LargeBinary(), nullable=False),
        sa.Column("signer_serial", sa.String(length=40), nullable=False),
        sa.Column("ocsp_response", sa.LargeBinary(), nullable=False),
        sa.Column("ocsp_nonce", sa.LargeBinary(), nullable=False),
        sa.Column("ocsp_produced_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("submitted_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", renkei.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["portal_user.id"], name=op.f("fk_portal_application_user_id_portal_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_application")),
    )
    with op.batch_alter_table("portal_application", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_portal_application_lg_code"), ["lg_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_portal_application_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("portal_application", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portal_application_user_id"))
        batch_op.drop_index(batch_op.f("ix_portal_application_lg_code"))
    op.drop_table("portal_application")
    with op.batch_alter_table("portal_notice_recipient", schema=None) as batch_op:
        batch_op.drop_index("ix_portal_notice_recipient_person")
    op.drop_table("portal_notice_recipient")
    op.drop_table("portal_notice")
    op.drop_table("portal_challenge")
    with op.batch_alter_table("portal_certificate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portal_certificate_user_id"))
    op.drop_table("portal_certificate")
    op.drop_table("portal_user")
