"""jukinet, residents and addressee tables.

Revision ID: 0001
Revises: None
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import renkei.core.db

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "addressee_access_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integrated_number", sa.String(length=15), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("staff_id", sa.String(length=40), nullable=False),
        sa.Column("staff_name", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.String(length=400), nullable=False),
        sa.Column("accessed_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_addressee_access_log")),
    )
    with op.batch_alter_table("addressee_access_log", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_addressee_access_log_integrated_number"), ["integrated_number"], unique=False
        )

    op.create_table(
        "addressee_consumed_event",
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("consumed_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_addressee_consumed_event")),
    )
    op.create_table(
        "addressee_counter",
        sa.Column("name", sa.String(length=30), nullable=False),
        sa.Column("next_value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_addressee_counter")),
    )
    op.create_table(
        "addressee_person",
        sa.Column("integrated_number", sa.String(length=15), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_kana", sa.String(length=200), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("sex", sa.String(length=1), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("mynumber_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("mynumber_index", sa.LargeBinary(length=32), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("updated_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("integrated_number", name=op.f("pk_addressee_person")),
        sa.UniqueConstraint("resident_id", name=op.f("uq_addressee_person_resident_id")),
    )
    with op.batch_alter_table("addressee_person", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_addressee_person_mynumber_index"), ["mynumber_index"], unique=False
        )

    op.create_table(
        "jukinet_acquisition_number",
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("juminhyo_code", sa.String(length=11), nullable=False),
        sa.Column("lg_code", sa.String(length=6), nullable=False),
        sa.Column("issued_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", renkei.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_jukinet_acquisition_number")),
    )
    with op.batch_alter_table("jukinet_acquisition_number", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_jukinet_acquisition_number_juminhyo_code"), ["juminhyo_code"], unique=False
        )

    op.create_table(
        "jukinet_identity_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("juminhyo_code", sa.String(length=11), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("lg_code", sa.String(length=6), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_kana", sa.String(length=200), nullable=False),
        sa.Column("former_surname", sa.String(length=50), nullable=True),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("recorded_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jukinet_identity_change")),
    )
    with op.batch_alter_table("jukinet_identity_change", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_jukinet_identity_change_juminhyo_code"), ["juminhyo_code"], unique=False
        )

    op.create_table(
        "jukinet_issued_mynumber",
        sa.Column("mynumber_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("juminhyo_code", sa.String(length=11), nullable=False),
        sa.Column("counter", sa.Integer(), nullable=False),
        sa.Column("retired_at", renkei.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("mynumber_hash", name=op.f("pk_jukinet_issued_mynumber")),
    )
    with op.batch_alter_table("jukinet_issued_mynumber", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_jukinet_issued_mynumber_juminhyo_code"), ["juminhyo_code"], unique=False
        )

    op.create_table(
        "jukinet_municipality",
        sa.Column("lg_code", sa.String(length=6), nullable=False),
        sa.Column("prefecture", sa.String(length=10), nullable=False),
        sa.Column("city", sa.String(length=40), nullable=False),
        sa.Column("registered_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("lg_code", name=op.f("pk_jukinet_municipality")),
    )
    op.create_table(
        "jukinet_person",
        sa.Column("juminhyo_code", sa.String(length=11), nullable=False),
        sa.Column("lg_code", sa.String(length=6), nullable=False),
        sa.Column("request_key", sa.String(length=30), nullable=True),
        sa.Column("mynumber_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("mynumber_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_kana", sa.String(length=200), nullable=False),
        sa.Column("former_surname", sa.String(length=50), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("sex", sa.String(length=1), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("updated_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("juminhyo_code", name=op.f("pk_jukinet_person")),
        sa.UniqueConstraint("mynumber_hash", name=op.f("uq_jukinet_person_mynumber_hash")),
        sa.UniqueConstraint("request_key", name=op.f("uq_jukinet_person_request_key")),
    )
    with op.batch_alter_table("jukinet_person", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_jukinet_person_lg_code"), ["lg_code"], unique=False)

    op.create_table(
        "residents_event_ack",
        sa.Column("consumer", sa.String(length=40), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("acknowledged_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id", name=op.f("pk_residents_event_ack")),
    )
    op.create_table(
        "residents_household",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_number", sa.String(length=15), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_residents_household")),
        sa.UniqueConstraint("household_number", name=op.f("uq_residents_household_household_number")),
    )
    op.create_table(
        "addressee_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("system", sa.String(length=20), nullable=False),
        sa.Column("atena_number", sa.String(length=15), nullable=False),
        sa.Column("integrated_number", sa.String(length=15), nullable=False),
        sa.ForeignKeyConstraint(
            ["integrated_number"],
            ["addressee_person.integrated_number"],
            name=op.f("fk_addressee_link_integrated_number_addressee_person"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_addressee_link")),
        sa.UniqueConstraint("system", "atena_number", name=op.f("uq_addressee_link_system_atena_number")),
    )
    with op.batch_alter_table("addressee_link", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_addressee_link_integrated_number"), ["integrated_number"], unique=False
        )

    op.create_table(
        "jukinet_code_pool",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lg_code", sa.String(length=6), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("issued_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lg_code"],
            ["jukinet_municipality.lg_code"],
            name=op.f("fk_jukinet_code_pool_lg_code_jukinet_municipality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jukinet_code_pool")),
    )
    with op.batch_alter_table("jukinet_code_pool", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_jukinet_code_pool_lg_code"), ["lg_code"], unique=False)

    op.create_table(
        "residents_resident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lg_code", sa.String(length=6), nullable=False),
        sa.Column("atena_number", sa.String(length=15), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("relationship", sa.String(length=10), nullable=False),
        sa.Column("surname", sa.String(length=50), nullable=False),
        sa.Column("given_name", sa.String(length=50), nullable=False),
        sa.Column("surname_kana", sa.String(length=100), nullable=False),
        sa.Column("given_name_kana", sa.String(length=100), nullable=False),
        sa.Column("former_surname", sa.String(length=50), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("sex", sa.String(length=1), nullable=False),
        sa.Column("postal_code", sa.String(length=7), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("resident_since", sa.Date(), nullable=False),
        sa.Column("removed_on", sa.Date(), nullable=True),
        sa.Column("juminhyo_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("mynumber_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("previous_lg_code", sa.String(length=6), nullable=True),
        sa.Column("previous_resident_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["residents_household.id"],
            name=op.f("fk_residents_resident_household_id_residents_household"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_residents_resident")),
        sa.UniqueConstraint("atena_number", name=op.f("uq_residents_resident_atena_number")),
    )
    with op.batch_alter_table("residents_resident", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_residents_resident_household_id"), ["household_id"], unique=False
        )

    op.create_table(
        "jukinet_juminhyo_code",
        sa.Column("code", sa.String(length=11), nullable=False),
        sa.Column("pool_id", sa.Integer(), nullable=False),
        sa.Column("lg_code", sa.String(length=6), nullable=False),
        sa.ForeignKeyConstraint(
            ["pool_id"],
            ["jukinet_code_pool.id"],
            name=op.f("fk_jukinet_juminhyo_code_pool_id_jukinet_code_pool"),
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_jukinet_juminhyo_code")),
    )
    with op.batch_alter_table("jukinet_juminhyo_code", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_jukinet_juminhyo_code_pool_id"), ["pool_id"], unique=False)

    op.create_table(
        "residents_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reason_code", sa.String(length=4), nullable=False),
        sa.Column("notified_on", sa.Date(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.Column("recorded_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents_resident.id"],
            name=op.f("fk_residents_change_resident_id_residents_resident"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_residents_change")),
    )
    with op.batch_alter_table("residents_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_residents_change_resident_id"), ["resident_id"], unique=False)

    op.create_table(
        "residents_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents_resident.id"],
            name=op.f("fk_residents_event_resident_id_residents_resident"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_residents_event")),
        sa.UniqueConstraint("event_id", name=op.f("uq_residents_event_event_id")),
    )
    with op.batch_alter_table("residents_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_residents_event_resident_id"), ["resident_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("residents_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_residents_event_resident_id"))

    op.drop_table("residents_event")
    with op.batch_alter_table("residents_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_residents_change_resident_id"))

    op.drop_table("residents_change")
    with op.batch_alter_table("jukinet_juminhyo_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_jukinet_juminhyo_code_pool_id"))

    op.drop_table("jukinet_juminhyo_code")
    with op.batch_alter_table("residents_resident", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_residents_resident_household_id"))

    op.drop_table("residents_resident")
    with op.batch_alter_table("jukinet_code_pool", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_jukinet_code_pool_lg_code"))

    op.drop_table("jukinet_code_pool")
    with op.batch_alter_table("addressee_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_addressee_link_integrated_number"))

    op.drop_table("addressee_link")
    op.drop_table("residents_household")
    op.drop_table("residents_event_ack")
    with op.batch_alter_table("jukinet_person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_jukinet_person_lg_code"))

    op.drop_table("jukinet_person")
    op.drop_table("jukinet_municipality")
    with op.batch_alter_table("jukinet_issued_mynumber", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_jukinet_issued_mynumber_juminhyo_code"))

    op.drop_table("jukinet_issued_mynumber")
    with op.batch_alter_table("jukinet_identity_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_jukinet_identity_change_juminhyo_code"))

    op.drop_table("jukinet_identity_change")
    with op.batch_alter_table("jukinet_acquisition_number", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_jukinet_acquisition_number_juminhyo_code"))

    op.drop_table("jukinet_acquisition_number")
    with op.batch_alter_table("addressee_person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_addressee_person_mynumber_index"))

    op.drop_table("addressee_person")
    op.drop_table("addressee_counter")
    op.drop_table("addressee_consumed_event")
    with op.batch_alter_table("addressee_access_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_addressee_access_log_integrated_number"))

    op.drop_table("addressee_access_log")
