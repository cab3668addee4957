"""Table exchange_rate_revision: a stored month's rate that changes keeps its history, like a figure.

Until this migration a rate fetched again for a stored month replaced the old one in place, so past
`mirror_flows` values could change with no trace. Now every change of `usd_per_unit` appends one row here
(old and new rate, old and new source, when), and `exchange_rate` holds the current rate as before.

Revision ID: 0009_exchange_rate_revision
Revises: 0008_exchange_rates
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_exchange_rate_revision"
down_revision = "0008_exchange_rates"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exchange_rate_revision",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True
        ),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("old_usd_per_unit", sa.Double(), nullable=False),
        sa.Column("new_usd_per_unit", sa.Double(), nullable=False),
        sa.Column("old_source", sa.String(40), nullable=False),
        sa.Column("new_source", sa.String(40), nullable=False),
        sa.Column("old_fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revised_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_exchange_rate_revision_key", "exchange_rate_revision", ["currency", "period"])


def downgrade() -> None:
    op.drop_index("ix_exchange_rate_revision_key", table_name="exchange_rate_revision")
    op.drop_table("exchange_rate_revision")
