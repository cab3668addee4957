"""SQLite: every view column declares its type, so DuckDB and BI tools read numbers, dates and times.

A computed column of a SQLite view (a sum, a ratio, a COALESCE) has no declared type, and DuckDB's sqlite
scanner read `mirror_flows.export_value` as BLOB. Each view is rewritten with an empty left-most arm over
`view_column_shape` that declares the types listed here (warehouse/sqlite_views.py says how). The rows are
unchanged; PostgreSQL views carry their types already.

A later migration that recreates one of these views on SQLite calls `declare_view_types` again.

Revision ID: 0011_sqlite_view_types
Revises: 0010_query_reader
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

from warehouse.sqlite_views import SHAPE_TABLE, create_shape_table, declare_view_types, drop_view_types

revision = "0011_sqlite_view_types"
down_revision = "0010_query_reader"
branch_labels = None
depends_on = None

# The computed columns of each view and the type a reader should see; the others name a table column.
COMPUTED = {
    "trade_flow_latest": {"reporter_name": "VARCHAR", "partner_name": "VARCHAR", "released_at": "DATETIME"},
    "trade_flow_first_vs_latest": {
        "revision": "DOUBLE",
        "revision_ratio": "DOUBLE",
        "revisions": "INTEGER",
        "first_released_at": "DATETIME",
        "last_released_at": "DATETIME",
    },
    "source_freshness": {
        "latest_month_loaded": "DATE",
        "last_checked": "DATETIME",
        "last_changed": "DATETIME",
        "failed_releases": "INTEGER",
        "expected_month": "DATE",
        "late": "BOOLEAN",
    },
    "trade_flow_growth": {
        "period": "DATE",
        "period_months": "INTEGER",
        "value": "DOUBLE",
        "prior_year_value": "DOUBLE",
        "ytd_value": "DOUBLE",
        "ytd_prior_year_value": "DOUBLE",
        "ytd_months": "INTEGER",
        "derived": "BOOLEAN",
        "provisional": "BOOLEAN",
        "released_at": "DATETIME",
        "yoy_pct": "DOUBLE",
        "ytd_yoy_pct": "DOUBLE",
    },
    "mirror_flows": {
        "export_value": "DOUBLE",
        "import_value": "DOUBLE",
        "currency": "VARCHAR",
        "gap": "DOUBLE",
        "gap_ratio": "DOUBLE",
        "export_usd_per_unit": "DOUBLE",
        "import_usd_per_unit": "DOUBLE",
    },
}


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        return
    create_shape_table(conn)
    for view, computed in COMPUTED.items():
        declare_view_types(conn, view, computed)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        return
    for view in COMPUTED:
        drop_view_types(conn, view)
    op.drop_table(SHAPE_TABLE)
