"""View trade_flow_growth: every monthly figure with its change on a year earlier and its year to date
(the rules: `warehouse.growth_sql`).

Revision ID: 0007_growth_view
Revises: 0006_payload_digest
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

from warehouse.growth_sql import growth_query

revision = "0007_growth_view"
down_revision = "0006_payload_digest"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A later change to the rules is a new migration that replaces the view.
    # The view as it was made here, before figures for part of a month existed (migration 0013).
    op.execute(
        "CREATE VIEW trade_flow_growth AS " + growth_query(op.get_bind().dialect.name, part_months=False)
    )


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS trade_flow_growth")
