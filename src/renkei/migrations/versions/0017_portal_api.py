"""Portal API and proofs at scale: stored Merkle interior hashes per log, 不開示 end dates, the 自己情報取得API.

Revision ID: 0017
Revises: 0021
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import renkei.core.db

revision = "0017"
down_revision = "0021"
branch_labels = None
depends_on = None

_BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_NODE_TABLES = ("hub_record_node", "intermediate_record_node", "jukinet_provision_node")
_AT = renkei.core.db.UTCDateTime(timezone=True)
_API_TABLES = (
    "portal_jwt_seen",
    "portal_access_token",
    "portal_authorization_code",
    "portal_consent_use",
    "portal_consent",
    "portal_pushed_request",
    "portal_api_client",
)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    name = target.split(".", maxsplit=1)[0]
    return sa.ForeignKeyConstraint([column], [target], name=op.f(f"fk_{table}_{column}_{name}"))


def _index(table: str, column: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def _api_tables() -> None:
    """自己情報取得API (decisions 0098, 0099): clients, pushed requests, consents, codes, tokens, seen JWT ids."""
    op.create_table(
        "portal_api_client",
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("jwks", sa.JSON(), nullable=False),
        sa.Column("redirect_uris", sa.JSON(), nullable=False),
        sa.Column("registered_at", _AT, nullable=False),
        sa.Column("registered_by", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_portal_api_client")),
    )
    op.create_table(
        "portal_pushed_request",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("dpop_jkt", sa.String(length=64), nullable=True),
        sa.Column("expires_at", _AT, nullable=False),
        sa.Column("used_at", _AT, nullable=True),
        _fk("portal_pushed_request", "client_id", "portal_api_client.client_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_pushed_request")),
    )
    _index("portal_pushed_request", "client_id")
    op.create_table(
        "portal_consent",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("artefact", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("expires_at", _AT, nullable=False),
        sa.Column("changed_at", _AT, nullable=False),
        _fk("portal_consent", "client_id", "portal_api_client.client_id"),
        _fk("portal_consent", "user_id", "portal_user.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_consent")),
    )
    _index("portal_consent", "client_id")
    _index("portal_consent", "user_id")
    op.create_table(
        "portal_consent_use",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consent_id", sa.String(length=32), nullable=False),
        sa.Column("used_at", _AT, nullable=False),
        sa.Column("tm_codes", sa.JSON(), nullable=False),
        sa.Column("record_seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        _fk("portal_consent_use", "consent_id", "portal_consent.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_consent_use")),
    )
    _index("portal_consent_use", "consent_id")
    op.create_table(
        "portal_authorization_code",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("consent_id", sa.String(length=32), nullable=False),
        sa.Column("redirect_uri", sa.String(length=500), nullable=False),
        sa.Column("code_challenge", sa.String(length=128), nullable=False),
        sa.Column("dpop_jkt", sa.String(length=64), nullable=True),
        sa.Column("expires_at", _AT, nullable=False),
        sa.Column("used_at", _AT, nullable=True),
        _fk("portal_authorization_code", "consent_id", "portal_consent.id"),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("pk_portal_authorization_code")),
    )
    op.create_table(
        "portal_access_token",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("consent_id", sa.String(length=32), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("jkt", sa.String(length=64), nullable=False),
        sa.Column("expires_at", _AT, nullable=False),
        sa.Column("revoked_at", _AT, nullable=True),
        _fk("portal_access_token", "consent_id", "portal_consent.id"),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_portal_access_token")),
    )
    _index("portal_access_token", "client_id")
    _index("portal_access_token", "code_hash")
    _index("portal_access_token", "consent_id")
    op.create_table(
        "portal_jwt_seen",
        sa.Column("jti", sa.String(length=128), nullable=False),
        sa.Column("expires_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("jti", name=op.f("pk_portal_jwt_seen")),
    )
    _index("portal_jwt_seen", "expires_at")


def upgrade() -> None:
    # Filled by the next head each log signs (Ledger.sign_root rebuilds a table that lags behind its log).
    for name in _NODE_TABLES:
        op.create_table(
            name,
            sa.Column("position", _BIGINT, autoincrement=False, nullable=False),
            sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
            sa.PrimaryKeyConstraint("position", name=op.f(f"pk_{name}")),
        )

    with op.batch_alter_table("hub_query") as batch:  # 不開示: the day the person may see the record (0096)
        batch.add_column(sa.Column("non_disclosure_until", sa.Date(), nullable=True))
    _api_tables()


def downgrade() -> None:
    for name in _API_TABLES:
        op.drop_table(name)
    with op.batch_alter_table("hub_query") as batch:
        batch.drop_column("non_disclosure_until")
    for name in reversed(_NODE_TABLES):
        op.drop_table(name)
