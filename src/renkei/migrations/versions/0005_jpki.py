"""jpki (公的個人認証) tables.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import renkei.core.db

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jpki_challenge",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("nonce", sa.LargeBinary(), nullable=False),
        sa.Column("audience", sa.String(length=100), nullable=False),
        sa.Column("created_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", renkei.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jpki_challenge")),
    )
    op.create_table(
        "jpki_holder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lg_code", sa.String(length=6), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("former_surname", sa.String(length=100), nullable=True),
        sa.Column("address", sa.String(length=400), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("sex", sa.String(length=1), nullable=False),
        sa.Column("deceased", sa.Boolean(), nullable=False),
        sa.Column("updated_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jpki_holder")),
        sa.UniqueConstraint("lg_code", "resident_id", name=op.f("uq_jpki_holder_lg_code_resident_id")),
    )
    op.create_table(
        "jpki_identity_event",
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("lg_code", sa.String(length=6), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("revoked", sa.JSON(), nullable=False),
        sa.Column("processed_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_jpki_identity_event")),
    )
    op.create_table(
        "jpki_issuance_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=24), nullable=False),
        sa.Column("card_number", sa.String(length=16), nullable=True),
        sa.Column("serial", sa.String(length=24), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.LargeBinary(), nullable=False),
        sa.Column("entry_hash", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jpki_issuance_log")),
        sa.UniqueConstraint("entry_hash", name=op.f("uq_jpki_issuance_log_entry_hash")),
        sa.UniqueConstraint("prev_hash", name=op.f("uq_jpki_issuance_log_prev_hash")),
    )
    op.create_table(
        "jpki_key",
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("store", sa.String(length=16), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("sealed_key", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("label", name=op.f("pk_jpki_key")),
    )
    op.create_table(
        "jpki_verifier",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=24), nullable=False),
        sa.Column("purposes", sa.JSON(), nullable=False),
        sa.Column("certification", sa.String(length=100), nullable=True),
        sa.Column("certified_on", sa.Date(), nullable=True),
        sa.Column("token_digest", sa.LargeBinary(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("registered_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jpki_verifier")),
        sa.UniqueConstraint("code", name=op.f("uq_jpki_verifier_code")),
    )
    op.create_table(
        "jpki_authority",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("issuer_id", sa.Integer(), nullable=True),
        sa.Column("key_label", sa.String(length=80), nullable=False),
        sa.Column("subject_der", sa.LargeBinary(), nullable=False),
        sa.Column("certificate_der", sa.LargeBinary(), nullable=False),
        sa.Column("not_before", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("not_after", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("base_url", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("next_crl_number", sa.Integer(), nullable=False),
        sa.Column("change_seq", sa.Integer(), nullable=False),
        sa.Column("created_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["issuer_id"], ["jpki_authority.id"], name=op.f("fk_jpki_authority_issuer_id_jpki_authority")
        ),
        sa.ForeignKeyConstraint(
            ["key_label"], ["jpki_key.label"], name=op.f("fk_jpki_authority_key_label_jpki_key")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jpki_authority")),
        sa.UniqueConstraint("role", "generation", name=op.f("uq_jpki_authority_role_generation")),
    )
    op.create_table(
        "jpki_card",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("card_number", sa.String(length=16), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("token_kind", sa.String(length=16), nullable=False),
        sa.Column("token_label", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("issued_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("pin_salt", sa.LargeBinary(), nullable=False),
        sa.Column("auth_pin_mac", sa.LargeBinary(), nullable=False),
        sa.Column("auth_pin_failures", sa.Integer(), nullable=False),
        sa.Column("sign_pin_mac", sa.LargeBinary(), nullable=True),
        sa.Column("sign_pin_failures", sa.Integer(), nullable=False),
        sa.Column("closed_at", renkei.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["holder_id"], ["jpki_holder.id"], name=op.f("fk_jpki_card_holder_id_jpki_holder")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jpki_card")),
        sa.UniqueConstraint("card_number", name=op.f("uq_jpki_card_card_number")),
    )
    with op.batch_alter_table("jpki_card", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_jpki_card_holder_id"), ["holder_id"], unique=False)

    op.create_table(
        "jpki_card_key",
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("slot", sa.String(length=8), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("sealed_key", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["card_id"], ["jpki_card.id"], name=op.f("fk_jpki_card_key_card_id_jpki_card")
        ),
        sa.PrimaryKeyConstraint("card_id", "slot", "generation", name=op.f("pk_jpki_card_key")),
    )
    op.create_table(
        "jpki_certificate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("authority_id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=True),
        sa.Column("holder_id", sa.Integer(), nullable=True),
        sa.Column("subject_cn", sa.String(length=64), nullable=False),
        sa.Column("not_before", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("not_after", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("der", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.Integer(), nullable=True),
        sa.Column("revoked_at", renkei.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("personal", sa.JSON(), nullable=True),
        sa.Column("issued_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["authority_id"],
            ["jpki_authority.id"],
            name=op.f("fk_jpki_certificate_authority_id_jpki_authority"),
        ),
        sa.ForeignKeyConstraint(
            ["card_id"], ["jpki_card.id"], name=op.f("fk_jpki_certificate_card_id_jpki_card")
        ),
        sa.ForeignKeyConstraint(
            ["holder_id"], ["jpki_holder.id"], name=op.f("fk_jpki_certificate_holder_id_jpki_holder")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jpki_certificate")),
        sa.UniqueConstraint("authority_id", "serial", name=op.f("uq_jpki_certificate_authority_id_serial")),
    )
    with op.batch_alter_table("jpki_certificate", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_jpki_certificate_card_id"), ["card_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_jpki_certificate_holder_id"), ["holder_id"], unique=False)

    op.create_table(
        "jpki_crl",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("authority_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("delta_base", sa.Integer(), nullable=True),
        sa.Column("this_update", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("next_update", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("upto_seq", sa.Integer(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("der", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["authority_id"], ["jpki_authority.id"], name=op.f("fk_jpki_crl_authority_id_jpki_authority")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jpki_crl")),
        sa.UniqueConstraint("authority_id", "number", name=op.f("uq_jpki_crl_authority_id_number")),
    )
    op.create_table(
        "jpki_responder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("authority_id", sa.Integer(), nullable=False),
        sa.Column("key_label", sa.String(length=80), nullable=False),
        sa.Column("certificate_der", sa.LargeBinary(), nullable=False),
        sa.Column("not_before", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("not_after", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["authority_id"],
            ["jpki_authority.id"],
            name=op.f("fk_jpki_responder_authority_id_jpki_authority"),
        ),
        sa.ForeignKeyConstraint(
            ["key_label"], ["jpki_key.label"], name=op.f("fk_jpki_responder_key_label_jpki_key")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jpki_responder")),
    )
    with op.batch_alter_table("jpki_responder", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_jpki_responder_authority_id"), ["authority_id"], unique=False)

    op.create_table(
        "jpki_ocsp_response",
        sa.Column("cert_id_key", sa.String(length=160), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("der", sa.LargeBinary(), nullable=False),
        sa.Column("produced_at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("next_update", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["jpki_certificate.id"],
            name=op.f("fk_jpki_ocsp_response_certificate_id_jpki_certificate"),
        ),
        sa.PrimaryKeyConstraint("cert_id_key", name=op.f("pk_jpki_ocsp_response")),
    )
    with op.batch_alter_table("jpki_ocsp_response", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_jpki_ocsp_response_certificate_id"), ["certificate_id"], unique=False
        )

    op.create_table(
        "jpki_revocation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("authority_id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.Integer(), nullable=False),
        sa.Column("at", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("not_after", renkei.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("entry_der", sa.LargeBinary(), nullable=False),
        sa.Column("in_crl", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["authority_id"],
            ["jpki_authority.id"],
            name=op.f("fk_jpki_revocation_authority_id_jpki_authority"),
        ),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["jpki_certificate.id"],
            name=op.f("fk_jpki_revocation_certificate_id_jpki_certificate"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jpki_revocation")),
    )
    with op.batch_alter_table("jpki_revocation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_jpki_revocation_certificate_id"), ["certificate_id"], unique=False
        )
        batch_op.create_index("ix_jpki_revocation_crl", ["authority_id", "in_crl"], unique=False)
        batch_op.create_index("ix_jpki_revocation_seq", ["authority_id", "seq"], unique=False)


def downgrade() -> None:
    op.drop_table("jpki_revocation")
    op.drop_table("jpki_ocsp_response")
    op.drop_table("jpki_responder")
    op.drop_table("jpki_crl")
    op.drop_table("jpki_certificate")
    op.drop_table("jpki_card_key")
    op.drop_table("jpki_card")
    op.drop_table("jpki_authority")
    op.drop_table("jpki_verifier")
    op.drop_table("jpki_key")
    op.drop_table("jpki_issuance_log")
    op.drop_table("jpki_identity_event")
    op.drop_table("jpki_holder")
    op.drop_table("jpki_challenge")
