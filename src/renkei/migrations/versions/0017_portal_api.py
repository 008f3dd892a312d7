"""Portal API and proofs at scale: stored Merkle interior hashes per log, 不開示 end dates, the 自己情報取得API.

Revision ID: 0017
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0014"
branch_labels = None
depends_on = None

_BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_NODE_TABLES = ("hub_record_node", "intermediate_record_node", "jukinet_provision_node")


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


def downgrade() -> None:
    with op.batch_alter_table("hub_query") as batch:
        batch.drop_column("non_disclosure_until")
    for name in reversed(_NODE_TABLES):
        op.drop_table(name)
