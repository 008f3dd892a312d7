"""intermediate (中間サーバー) tables: node and keys, 符号, 副本, queries, provisions, 情報提供等記録.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import renkei.core.db

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intermediate_copy",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("lg_code", sa.String(length=6), nullable=False),
        sa.Column("record_id", sa.String(length=40), nullable=False),
        sa.Column("segment", sa.String(length=1), nullable=False),
        sa.Column("integrated_number", sa.String(length=15), nullable=False),
        sa.Column("tm_code", sa.String(length=16), nullable=False),
        sa.Column("dataset_no", sa.String(length=8), nullable=False),
        sa.Column("dataset_record_key", sa.String(length=40), nullable=False),
        sa.Column("version", sa.String(length=8), nullable=False),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("published_from", sa.Date(), nullable=True),
        sa.Column("published_to", sa.Date(), nullable=True),
        sa.Column("registered_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("superseded_at", renkei.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intermediate_copy")),
        sa.UniqueConstraint("lg_code", "record_id", name=op.f("uq_intermediate_copy_lg_code_record_id")),
    )
    with op.batch_alter_table("intermediate_copy", schema=None) as batch_op:
        batch_op.create_index(
            "ix_intermediate_copy_current",
            ["lg_code", "integrated_number", "tm_code", "dataset_no", "dataset_record_key"],
            unique=False,
        )

    op.create_table(
        "intermediate_node",
        sa.Column("lg_code", sa.String(length=6), nullable=False),
        sa.Column("agency_code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("signing_public_pem", sa.Text(), nullable=False),
        sa.Column("signing_private_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("sealing_public_pem", sa.Text(), nullable=False),
        sa.Column("sealing_private_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("endpoint", sa.String(length=200), nullable=False),
        sa.Column("created_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("registered_at", renkei.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("lg_code", name=op.f("pk_intermediate_node")),
        sa.UniqueConstraint("agency_code", name=op.f("uq_intermediate_node_agency_code")),
    )
    op.create_table(
        "intermediate_provision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lg_code", sa.String(length=6), nullable=False),
        sa.Column("process_number", sa.String(length=40), nullable=False),
        sa.Column("requester", sa.String(length=16), nullable=False),
        sa.Column("requester_name", sa.String(length=200), nullable=False),
        sa.Column("jm_code", sa.String(length=16), nullable=False),
        sa.Column("jt_code", sa.String(length=16), nullable=False),
        sa.Column("tm_code", sa.String(length=16), nullable=False),
        sa.Column("integrated_number", sa.String(length=15), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("message", sa.String(length=400), nullable=False),
        sa.Column("copy_records", sa.JSON(), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=False),
        sa.Column("requested_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("provided_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intermediate_provision")),
        sa.UniqueConstraint(
            "lg_code", "process_number", name=op.f("uq_intermediate_provision_lg_code_process_number")
        ),
    )
    with op.batch_alter_table("intermediate_provision", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_intermediate_provision_integrated_number"), ["integrated_number"], unique=False
        )

    op.create_table(
        "intermediate_query",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lg_code", sa.String(length=6), nullable=False),
        sa.Column("process_number", sa.String(length=40), nullable=True),
        sa.Column("batch", sa.String(length=40), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("atena", sa.String(length=15), nullable=True),
        sa.Column("system", sa.String(length=20), nullable=True),
        sa.Column("integrated_number", sa.String(length=15), nullable=True),
        sa.Column("jm_code", sa.String(length=16), nullable=False),
        sa.Column("jt_code", sa.String(length=16), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("tm_code", sa.String(length=16), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("message", sa.String(length=400), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=True),
        sa.Column("requested_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", renkei.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intermediate_query")),
        sa.UniqueConstraint(
            "lg_code", "process_number", name=op.f("uq_intermediate_query_lg_code_process_number")
        ),
    )
    with op.batch_alter_table("intermediate_query", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_intermediate_query_batch"), ["batch"], unique=False)
        batch_op.create_index(batch_op.f("ix_intermediate_query_lg_code"), ["lg_code"], unique=False)

    op.create_table(
        "intermediate_record",
        sa.Column("lg_code", sa.String(length=6), nullable=False),
        sa.Column("processing_number", sa.String(length=40), nullable=False),
        sa.Column("integrated_number", sa.String(length=15), nullable=True),
        sa.Column(
            "seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False
        ),
        sa.Column("recorded_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("entry_hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_intermediate_record")),
    )
    with op.batch_alter_table("intermediate_record", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_intermediate_record_integrated_number"), ["integrated_number"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_intermediate_record_lg_code"), ["lg_code"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_intermediate_record_processing_number"), ["processing_number"], unique=False
        )

    op.create_table(
        "intermediate_record_root",
        sa.Column(
            "tree_size",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("signed_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("frontier", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("tree_size", name=op.f("pk_intermediate_record_root")),
    )
    op.create_table(
        "intermediate_sign",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lg_code", sa.String(length=6), nullable=False),
        sa.Column("integrated_number", sa.String(length=15), nullable=False),
        sa.Column("sign", sa.String(length=128), nullable=False),
        sa.Column("acquired_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("released_at", renkei.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intermediate_sign")),
        sa.UniqueConstraint(
            "lg_code", "integrated_number", name=op.f("uq_intermediate_sign_lg_code_integrated_number")
        ),
        sa.UniqueConstraint("lg_code", "sign", name=op.f("uq_intermediate_sign_lg_code_sign")),
    )


def downgrade() -> None:
    op.drop_table("intermediate_sign")
    op.drop_table("intermediate_record_root")
    with op.batch_alter_table("intermediate_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intermediate_record_processing_number"))
        batch_op.drop_index(batch_op.f("ix_intermediate_record_lg_code"))
        batch_op.drop_index(batch_op.f("ix_intermediate_record_integrated_number"))

    op.drop_table("intermediate_record")
    with op.batch_alter_table("intermediate_query", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intermediate_query_lg_code"))
        batch_op.drop_index(batch_op.f("ix_intermediate_query_batch"))

    op.drop_table("intermediate_query")
    with op.batch_alter_table("intermediate_provision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intermediate_provision_integrated_number"))

    op.drop_table("intermediate_provision")
    op.drop_table("intermediate_node")
    with op.batch_alter_table("intermediate_copy", schema=None) as batch_op:
        batch_op.drop_index("ix_intermediate_copy_current")

    op.drop_table("intermediate_copy")
