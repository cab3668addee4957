"""Initial schema: release, trade_flow, trade_flow_revision, ingest_status.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "release",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("scope", sa.String(200), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("fetched_at", TS, nullable=False),
        sa.Column("published_at", TS, nullable=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("bytes", sa.Integer(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("raw_path", sa.String(1000), nullable=True),
    )
    op.create_index("ix_release_source_scope_period", "release", ["source", "scope", "period"])
    op.create_table(
        "trade_flow",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("reporter", sa.String(60), nullable=False),
        sa.Column("partner", sa.String(60), nullable=False),
        sa.Column("flow", sa.String(12), nullable=False),
        sa.Column("commodity_system", sa.String(8), nullable=False),
        sa.Column("commodity_code", sa.String(80), nullable=False),
        sa.Column("commodity_name", sa.Text(), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("period_months", sa.Integer(), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("valuation", sa.String(3), nullable=False),
        sa.Column("net_weight_kg", sa.Double(), nullable=True),
        sa.Column("quantity", sa.Double(), nullable=True),
        sa.Column("quantity_unit", sa.String(40), nullable=True),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("first_value", sa.Double(), nullable=False),
        sa.Column("first_release_id", ID, sa.ForeignKey("release.id"), nullable=False),
        sa.Column("release_id", ID, sa.ForeignKey("release.id"), nullable=False),
        sa.Column("first_seen_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.UniqueConstraint(
            "source",
            "reporter",
            "partner",
            "flow",
            "commodity_system",
            "commodity_code",
            "period",
            "period_months",
            "currency",
            name="uq_trade_flow_key",
        ),
    )
    op.create_table(
        "trade_flow_revision",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("trade_flow_id", ID, sa.ForeignKey("trade_flow.id"), nullable=False),
        sa.Column("old_value", sa.Double(), nullable=False),
        sa.Column("new_value", sa.Double(), nullable=False),
        sa.Column("old_net_weight_kg", sa.Double(), nullable=True),
        sa.Column("new_net_weight_kg", sa.Double(), nullable=True),
        sa.Column("old_quantity", sa.Double(), nullable=True),
        sa.Column("new_quantity", sa.Double(), nullable=True),
        sa.Column("old_provisional", sa.Boolean(), nullable=False),
        sa.Column("new_provisional", sa.Boolean(), nullable=False),
        sa.Column("old_release_id", ID, sa.ForeignKey("release.id"), nullable=False),
        sa.Column("release_id", ID, sa.ForeignKey("release.id"), nullable=False),
        sa.Column("revised_at", TS, nullable=False),
    )
    op.create_index("ix_trade_flow_revision_flow", "trade_flow_revision", ["trade_flow_id"])
    op.create_table(
        "ingest_status",
        sa.Column("source", sa.String(40), primary_key=True),
        sa.Column("scope", sa.String(200), primary_key=True),
        sa.Column("period", sa.Date(), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("last_checked", TS, nullable=False),
        sa.Column("last_changed", TS, nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("message", sa.String(4000), nullable=False),
        sa.Column("release_id", ID, sa.ForeignKey("release.id"), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("ingest_status")
    op.drop_table("trade_flow_revision")
    op.drop_table("trade_flow")
    op.drop_index("ix_release_source_scope_period", table_name="release")
    op.drop_table("release")
