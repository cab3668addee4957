"""Table exchange_rate, and mirror_flows in US dollars: a side published in another currency is converted
with that month's average rate, so Comext's euros meet Korea's and China's dollars.

What changes for readers of `mirror_flows`: `export_value`, `import_value`, `gap` and `currency` are in US
dollars as before (a row used to need both sides published in dollars; now a side in another currency
comes in where its month's rate is stored), and six columns are added at the end: `export_currency`,
`export_value_published`, `export_usd_per_unit` and the same for the import side (what the publisher
published, and the rate used; 1 for dollars). A figure over several months in another currency, and a
line its source also publishes in dollars (GACC's yuan edition), stay out.

Revision ID: 0008_exchange_rates
Revises: 0007_growth_view
Create Date: 2026-12-05
"""

from __future__ import annotations

import importlib

import sqlalchemy as sa
from alembic import op

revision = "0008_exchange_rates"
down_revision = "0007_growth_view"
branch_labels = None
depends_on = None

# One side of a mirror pair: a figure with the rate that makes it US dollars. Written twice in the view
# (not as a CTE) so that a filter on the view reaches trade_flow's indexes on both databases.
SIDE = """
(SELECT f.source, f.reporter, f.partner, f.flow, f.commodity_system, f.commodity_code, f.period,
        f.period_months, f.value, f.valuation, f.currency,
        CASE WHEN f.currency = 'USD' THEN 1.0 ELSE x.usd_per_unit END AS usd_per_unit
 FROM trade_flow f
 LEFT JOIN exchange_rate x ON x.currency = f.currency AND x.period = f.period AND f.period_months = 1
 WHERE f.reporter <> f.partner AND f.reporter <> 'WLD' AND f.partner <> 'WLD'
   AND (f.currency = 'USD'
        OR (x.usd_per_unit IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM trade_flow u
                            WHERE u.source = f.source AND u.period = f.period
                              AND u.period_months = f.period_months AND u.reporter = f.reporter
                              AND u.partner = f.partner AND u.flow = f.flow
                              AND u.commodity_system = f.commodity_system
                              AND u.commodity_code = f.commodity_code AND u.currency = 'USD'))))
"""

MIRROR_FLOWS = f"""
CREATE VIEW mirror_flows AS
SELECT e.reporter AS exporter, e.partner AS importer, e.commodity_system, e.commodity_code, e.period,
       e.period_months, e.source AS export_source, i.source AS import_source,
       e.value * e.usd_per_unit AS export_value, e.valuation AS export_valuation,
       i.value * i.usd_per_unit AS import_value, i.valuation AS import_valuation,
       'USD' AS currency, i.value * i.usd_per_unit - e.value * e.usd_per_unit AS gap,
       CASE WHEN e.value <> 0
            THEN (i.value * i.usd_per_unit - e.value * e.usd_per_unit) / (e.value * e.usd_per_unit) END
       AS gap_ratio,
       e.currency AS export_currency, e.value AS export_value_published, e.usd_per_unit AS export_usd_per_unit,
       i.currency AS import_currency, i.value AS import_value_published, i.usd_per_unit AS import_usd_per_unit
FROM {SIDE} e
JOIN {SIDE} i ON i.reporter = e.partner AND i.partner = e.reporter AND i.flow = 'import'
     AND i.commodity_system = e.commodity_system AND i.commodity_code = e.commodity_code
     AND i.period = e.period AND i.period_months = e.period_months
WHERE e.flow = 'export'
"""


def upgrade() -> None:
    op.create_table(
        "exchange_rate",
        sa.Column("currency", sa.String(3), primary_key=True),
        sa.Column("period", sa.Date(), primary_key=True),
        sa.Column("usd_per_unit", sa.Double(), nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.execute("DROP VIEW IF EXISTS mirror_flows")
    op.execute(MIRROR_FLOWS)


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS mirror_flows")
    # The view as migration 0002 made it (dollars on both sides, no rates).
    op.execute(importlib.import_module("warehouse.migrations.versions.0002_views").MIRROR_FLOWS)
    op.drop_table("exchange_rate")
