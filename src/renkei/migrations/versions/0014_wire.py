"""wire: a business system's own request id on a node's queries, unique per municipality (retries are safe).

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("intermediate_query") as batch:
        batch.add_column(sa.Column("client_request_id", sa.String(length=64), nullable=True))
        batch.create_unique_constraint(
            op.f("uq_intermediate_query_lg_code_client_request_id"), ["lg_code", "client_request_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("intermediate_query") as batch:
        batch.drop_constraint(op.f("uq_intermediate_query_lg_code_client_request_id"), type_="unique")
        batch.drop_column("client_request_id")
