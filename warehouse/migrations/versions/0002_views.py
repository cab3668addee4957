"""Downstream surface: reference tables (area names, release calendar) and four views.

Views: trade_flow_latest, trade_flow_first_vs_latest, source_freshness, mirror_flows. The same columns on
SQLite and PostgreSQL; only the date arithmetic of source_freshness is written per dialect.

Revision ID: 0002_views
Revises: 0001_initial
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_views"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

# Release calendar used by source_freshness: month M is due `lag_months` after M, by `release_day`
# (the last usual day; a month still missing after that day is late). Comtrade has no calendar.
CALENDAR = [
    ("kr_customs", 1, 1, "month M on the 1st of M+1"),
    ("cn_customs", 1, 10, "month M on the 8th-10th of M+1 (January with February)"),
    ("us_census", 2, 7, "month M about five weeks after its end"),
    ("un_comtrade", None, None, "no calendar: each reporter's months appear at any time"),
]

TRADE_FLOW_LATEST = """
CREATE VIEW trade_flow_latest AS
SELECT f.id, f.source, f.reporter, COALESCE(r.name, f.reporter) AS reporter_name, f.partner,
       COALESCE(p.name, f.partner) AS partner_name, f.flow, f.commodity_system, f.commodity_code,
       f.commodity_name, f.period, f.period_months, f.value, f.currency, f.valuation, f.net_weight_kg,
       f.quantity, f.quantity_unit, f.provisional, f.updated_at, COALESCE(rel.published_at, rel.fetched_at)
       AS released_at
FROM trade_flow f
LEFT JOIN ref_area r ON r.code = f.reporter
LEFT JOIN ref_area p ON p.code = f.partner
LEFT JOIN release rel ON rel.id = f.release_id
"""

FIRST_VS_LATEST = """
CREATE VIEW trade_flow_first_vs_latest AS
SELECT f.id, f.source, f.reporter, f.partner, f.flow, f.commodity_system, f.commodity_code, f.period,
       f.period_months, f.currency, f.first_value, f.value AS latest_value, f.value - f.first_value AS revision,
       CASE WHEN f.first_value <> 0 THEN (f.value - f.first_value) / ABS(f.first_value) END AS revision_ratio,
       COALESCE(rv.revisions, 0) AS revisions,
       COALESCE(fr.published_at, fr.fetched_at) AS first_released_at,
       COALESCE(lr.published_at, lr.fetched_at) AS last_released_at
FROM trade_flow f
JOIN release fr ON fr.id = f.first_release_id
JOIN release lr ON lr.id = f.release_id
LEFT JOIN (SELECT trade_flow_id, COUNT(*) AS revisions FROM trade_flow_revision GROUP BY trade_flow_id) rv
       ON rv.trade_flow_id = f.id
"""

_EXPECTED = {
    "sqlite": (
        "CASE WHEN c.lag_months IS NULL THEN NULL"
        " WHEN CAST(strftime('%d', 'now') AS INTEGER) > c.release_day"
        " THEN date('now', 'start of month', '-' || c.lag_months || ' months')"
        " ELSE date('now', 'start of month', '-' || (c.lag_months + 1) || ' months') END"
    ),
    "postgresql": (
        "CASE WHEN c.lag_months IS NULL THEN NULL"
        " WHEN EXTRACT(DAY FROM CURRENT_DATE) > c.release_day"
        " THEN CAST(date_trunc('month', CURRENT_DATE) - make_interval(months => c.lag_months) AS DATE)"
        " ELSE CAST(date_trunc('month', CURRENT_DATE) - make_interval(months => c.lag_months + 1) AS DATE) END"
    ),
}

SOURCE_FRESHNESS = """
CREATE VIEW source_freshness AS
SELECT s.source, s.latest_month_loaded, s.last_checked, s.last_changed, s.failed_releases,
       e.expected_month,
       CASE WHEN e.expected_month IS NULL THEN {false}
            WHEN s.latest_month_loaded IS NULL OR s.latest_month_loaded < e.expected_month THEN {true}
            ELSE {false} END AS late
FROM (SELECT source,
             MAX(CASE WHEN state IN ('loaded', 'unchanged') THEN period END) AS latest_month_loaded,
             MAX(last_checked) AS last_checked, MAX(last_changed) AS last_changed,
             SUM(CASE WHEN state = 'failed' THEN 1 ELSE 0 END) AS failed_releases
      FROM ingest_status GROUP BY source) s
LEFT JOIN (SELECT c.source, {expected} AS expected_month FROM source_calendar c) e ON e.source = s.source
"""

MIRROR_FLOWS = """
CREATE VIEW mirror_flows AS
SELECT e.reporter AS exporter, e.partner AS importer, e.commodity_system, e.commodity_code, e.period,
       e.period_months, e.source AS export_source, i.source AS import_source, e.value AS export_value,
       e.valuation AS export_valuation, i.value AS import_value, i.valuation AS import_valuation,
       e.currency, i.value - e.value AS gap,
       CASE WHEN e.value <> 0 THEN (i.value - e.value) / e.value END AS gap_ratio
FROM trade_flow e
JOIN trade_flow i ON i.reporter = e.partner AND i.partner = e.reporter AND i.flow = 'import'
     AND i.commodity_system = e.commodity_system AND i.commodity_code = e.commodity_code
     AND i.period = e.period AND i.period_months = e.period_months AND i.currency = e.currency
WHERE e.flow = 'export' AND e.currency = 'USD' AND e.reporter <> e.partner
      AND e.reporter <> 'WLD' AND e.partner <> 'WLD'
"""

VIEWS = ("mirror_flows", "source_freshness", "trade_flow_first_vs_latest", "trade_flow_latest")


def _areas() -> list[dict[str, str]]:
    import pycountry

    from transforms.areas import SPECIAL_AREAS

    rows = {c.alpha_3: getattr(c, "common_name", None) or c.name for c in pycountry.countries}
    for former in pycountry.historic_countries:
        rows.setdefault(former.alpha_3, f"{former.name} (former)")
    rows.update({code: text.split(" (")[0] for code, text in SPECIAL_AREAS.items()})
    return [{"code": code, "name": name} for code, name in sorted(rows.items())]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    ref_area = op.create_table(
        "ref_area",
        sa.Column("code", sa.String(60), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
    )
    op.bulk_insert(ref_area, _areas())
    calendar = op.create_table(
        "source_calendar",
        sa.Column("source", sa.String(40), primary_key=True),
        sa.Column("lag_months", sa.Integer(), nullable=True),
        sa.Column("release_day", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(200), nullable=False),
    )
    op.bulk_insert(
        calendar,
        [
            {"source": s, "lag_months": lag, "release_day": day, "note": note}
            for s, lag, day, note in CALENDAR
        ],
    )
    truth = ("1", "0") if dialect == "sqlite" else ("TRUE", "FALSE")
    op.execute(TRADE_FLOW_LATEST)
    op.execute(FIRST_VS_LATEST)
    op.execute(SOURCE_FRESHNESS.format(expected=_EXPECTED[dialect], true=truth[0], false=truth[1]))
    op.execute(MIRROR_FLOWS)


def downgrade() -> None:
    for view in VIEWS:
        op.execute(f"DROP VIEW IF EXISTS {view}")
    op.drop_table("source_calendar")
    op.drop_table("ref_area")
