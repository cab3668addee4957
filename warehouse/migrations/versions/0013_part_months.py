"""Figures for part of a month: `trade_flow.period_days` joins the unique key.

Korea Customs publishes exports and imports for days 1-10 and 1-20 of a month before the month itself. A
figure for days 1 to N of a month has `period_days` N; every other figure 0 (the whole months of
`period_months`), so no stored figure changes. Views:
- `trade_flow_latest` and `trade_flow_first_vs_latest` gain `period_days` as their last column;
- `trade_flow_growth` gains it too, and holds part-month rows of their own, each compared with the same
  days of the same month a year earlier (no year to date); they never count as a month;
- `mirror_flows` pairs whole months only, as before.

Downgrade deletes part-month figures (and their revisions): the old key cannot tell them from months.

Revision ID: 0013_part_months
Revises: 0012_concordance
Create Date: 2026-12-06
"""

from __future__ import annotations

import importlib

import sqlalchemy as sa
from alembic import op

from warehouse.growth_sql import growth_query
from warehouse.sqlite_views import declare_view_types

revision = "0013_part_months"
down_revision = "0012_concordance"
branch_labels = None
depends_on = None

_views = importlib.import_module("warehouse.migrations.versions.0002_views")
_rates = importlib.import_module("warehouse.migrations.versions.0008_exchange_rates")
_types = importlib.import_module("warehouse.migrations.versions.0011_sqlite_view_types")

OLD_KEY = ["source", "period", "period_months", "reporter", "partner", "flow", "commodity_system",
           "commodity_code", "currency"]  # fmt: skip
NEW_KEY = [*OLD_KEY[:3], "period_days", *OLD_KEY[3:]]
ON_TRADE_FLOW = ("mirror_flows", "trade_flow_growth", "trade_flow_first_vs_latest", "trade_flow_latest")


def _edited(sql: str, part_months: bool, old: str, new: str) -> str:
    """A view as an earlier migration made it, with `old` made `new` once part-month figures exist."""
    if not part_months:
        return sql
    assert old in sql, old
    return sql.replace(old, new)


def _create_views(dialect: str, part_months: bool) -> None:
    days = ", f.period_days\nFROM"
    statements = [
        _edited(_views.TRADE_FLOW_LATEST, part_months, "AS released_at\nFROM", "AS released_at" + days),
        _edited(
            _views.FIRST_VS_LATEST, part_months, "AS last_released_at\nFROM", "AS last_released_at" + days
        ),
        "CREATE VIEW trade_flow_growth AS " + growth_query(dialect, part_months=part_months),
        _edited(
            _rates.MIRROR_FLOWS, part_months, " WHERE f.reporter", " WHERE f.period_days = 0 AND f.reporter"
        ),
    ]
    for statement in statements:
        op.execute(statement)
    if dialect == "sqlite":  # every column typed, as migration 0011 made them
        computed = dict(_types.COMPUTED)
        computed["trade_flow_growth"] = {**computed["trade_flow_growth"]}
        if part_months:
            computed["trade_flow_growth"]["period_days"] = "INTEGER"
        for view in ON_TRADE_FLOW:
            declare_view_types(op.get_bind(), view, computed[view])


def _rekey(dialect: str, add: bool) -> None:
    if dialect == "postgresql":
        if add:
            op.add_column(
                "trade_flow", sa.Column("period_days", sa.Integer(), nullable=False, server_default="0")
            )
        op.drop_constraint("uq_trade_flow_key", "trade_flow", type_="unique")
        op.create_unique_constraint("uq_trade_flow_key", "trade_flow", NEW_KEY if add else OLD_KEY)
        if not add:
            op.drop_column("trade_flow", "period_days")
        return
    # The rebuild drops trade_flow, which trade_flow_revision refers to: warehouse.migrate runs SQLite
    # migrations with foreign keys off and checks every reference after (SQLite's own advice for rebuilds).
    with op.batch_alter_table("trade_flow", recreate="always") as batch:
        if add:
            batch.add_column(sa.Column("period_days", sa.Integer(), nullable=False, server_default="0"))
        batch.drop_constraint("uq_trade_flow_key", type_="unique")
        batch.create_unique_constraint("uq_trade_flow_key", NEW_KEY if add else OLD_KEY)
        if not add:
            batch.drop_column("period_days")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for view in ON_TRADE_FLOW:  # SQLite rebuilds the table: no view may point at it meanwhile
        op.execute(f"DROP VIEW IF EXISTS {view}")
    _rekey(dialect, add=True)
    _create_views(dialect, part_months=True)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for view in ON_TRADE_FLOW:
        op.execute(f"DROP VIEW IF EXISTS {view}")
    part = "SELECT id FROM trade_flow WHERE period_days <> 0"
    op.execute(f"DELETE FROM trade_flow_revision WHERE trade_flow_id IN ({part})")
    op.execute("DELETE FROM trade_flow WHERE period_days <> 0")
    _rekey(dialect, add=False)
    _create_views(dialect, part_months=False)
