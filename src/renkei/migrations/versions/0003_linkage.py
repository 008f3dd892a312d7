"""layouts and hub tables: agencies, the permission table, queries in flight, the hub's records and signed heads.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import renkei.core.db

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _utc() -> renkei.core.db.UTCDateTime:
    return renkei.core.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "hub_agency",
        sa.Column("agency_code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("endpoint", sa.String(length=300), nullable=False),
        sa.Column("signing_public_key", sa.Text(), nullable=False),
        sa.Column("sealing_public_key", sa.Text(), nullable=False),
        sa.Column("registered_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("agency_code", name=op.f("pk_hub_agency")),
    )
    op.create_table(
        "hub_permission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=40), nullable=False),
        sa.Column("requester", sa.String(length=60), nullable=False),
        sa.Column("jimu_code", sa.String(length=16), nullable=False),
        sa.Column("jimu_name", sa.String(length=300), nullable=False),
        sa.Column("procedure_code", sa.String(length=16), nullable=False),
        sa.Column("procedure_name", sa.String(length=300), nullable=False),
        sa.Column("provider", sa.String(length=60), nullable=False),
        sa.Column("tm_code", sa.String(length=16), nullable=False),
        sa.Column("tm_name", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("loaded_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_permission")),
        sa.UniqueConstraint(
            "requester",
            "jimu_code",
            "procedure_code",
            "provider",
            "tm_code",
            name=op.f("uq_hub_permission_requester_jimu_code_procedure_code_provider_tm_code"),
        ),
    )
    op.create_table(
        "hub_query",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("processing_number", sa.String(length=20), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("requester_code", sa.String(length=16), nullable=False),
        sa.Column("provider_code", sa.String(length=16), nullable=False),
        sa.Column("jimu_code", sa.String(length=16), nullable=False),
        sa.Column("procedure_code", sa.String(length=16), nullable=False),
        sa.Column("tm_code", sa.String(length=16), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=True),
        sa.Column("period_to", sa.Date(), nullable=True),
        sa.Column("non_disclosure", sa.Boolean(), nullable=False),
        sa.Column("provider_sign", sa.String(length=32), nullable=True),
        sa.Column("person_ref", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("refusal_reason", sa.Text(), nullable=True),
        sa.Column("answer", sa.JSON(), nullable=True),
        sa.Column("requested_at", _utc(), nullable=False),
        sa.Column("accepted_at", _utc(), nullable=False),
        sa.Column("answered_at", _utc(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _utc(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("record_seq", _BIGINT, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_query")),
        sa.UniqueConstraint("processing_number", name=op.f("uq_hub_query_processing_number")),
        sa.UniqueConstraint(
            "requester_code", "request_id", name=op.f("uq_hub_query_requester_code_request_id")
        ),
    )
    op.create_index("ix_hub_query_due", "hub_query", ["status", "next_attempt_at"], unique=False)
    op.create_table(
        "hub_record",
        sa.Column("processing_number", sa.String(length=20), nullable=True),
        sa.Column("person_ref", sa.String(length=32), nullable=True),
        sa.Column("seq", _BIGINT, autoincrement=False, nullable=False),
        sa.Column("recorded_at", _utc(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("entry_hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_hub_record")),
    )
    op.create_index(op.f("ix_hub_record_person_ref"), "hub_record", ["person_ref"], unique=False)
    op.create_index(
        op.f("ix_hub_record_processing_number"), "hub_record", ["processing_number"], unique=False
    )
    op.create_table(
        "hub_record_root",
        sa.Column("tree_size", _BIGINT, autoincrement=False, nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("signed_at", _utc(), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("frontier", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("tree_size", name=op.f("pk_hub_record_root")),
    )


def downgrade() -> None:
    op.drop_table("hub_record_root")
    op.drop_index(op.f("ix_hub_record_processing_number"), table_name="hub_record")
    op.drop_index(op.f("ix_hub_record_person_ref"), table_name="hub_record")
    op.drop_table("hub_record")
    op.drop_index("ix_hub_query_due", table_name="hub_query")
    op.drop_table("hub_query")
    op.drop_table("hub_permission")
    op.drop_table("hub_agency")
