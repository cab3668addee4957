"""Freshness: how long each source's latest release took to reach the warehouse, and fetch claims.

- `source_freshness` gains, as its last columns, `latest_published_at` (when the source's latest release
  was published: as its publisher states it, or the moment a `watch` probe first saw it; NULL when
  neither is known, e.g. a release found by the nightly alone), `latest_loaded_at` (when it was fetched
  and loaded) and `lag_minutes` between the two. The latest release is the one of the latest month, the
  last fetched.
- `fetch_claim`: one row per (source, scope, period) a `watch` run is fetching, so that two overlapping
  runs never fetch the same release twice (the first to claim it fetches; a claim older than the release
  moment, or than half an hour, is free again).

Revision ID: 0014_freshness
Revises: 0013_part_months
Create Date: 2026-12-06
"""

from __future__ import annotations

import importlib

import sqlalchemy as sa
from alembic import op

from warehouse.sqlite_views import declare_view_types

revision = "0014_freshness"
down_revision = "0013_part_months"
branch_labels = None
depends_on = None

_views = importlib.import_module("warehouse.migrations.versions.0002_views")
_types = importlib.import_module("warehouse.migrations.versions.0011_sqlite_view_types")

_LAG = {
    "sqlite": "(julianday(l.latest_loaded_at) - julianday(l.latest_published_at)) * 1440.0",
    "postgresql": "EXTRACT(EPOCH FROM (l.latest_loaded_at - l.latest_published_at)) / 60.0",
}
_LATEST = """
LEFT JOIN (SELECT r.source, r.published_at AS latest_published_at, r.fetched_at AS latest_loaded_at
           FROM release r
           WHERE r.id = (SELECT r2.id FROM release r2 WHERE r2.source = r.source
                         ORDER BY r2.period DESC, r2.fetched_at DESC, r2.id DESC LIMIT 1)) l
       ON l.source = s.source
"""
FRESHNESS_TYPES = {"latest_published_at": "DATETIME", "latest_loaded_at": "DATETIME", "lag_minutes": "DOUBLE"}


def _freshness(dialect: str, lag: bool) -> str:
    truth = ("1", "0") if dialect == "sqlite" else ("TRUE", "FALSE")
    sql: str = _views.SOURCE_FRESHNESS.format(
        expected=_views._EXPECTED[dialect], true=truth[0], false=truth[1]
    )
    if not lag:
        return sql
    head, tail = sql.split("\nFROM (SELECT source,", 1)
    columns = f",\n       l.latest_published_at, l.latest_loaded_at, {_LAG[dialect]} AS lag_minutes"
    return head + columns + "\nFROM (SELECT source," + tail.rstrip() + _LATEST


def _recreate(lag: bool) -> None:
    conn = op.get_bind()
    op.execute("DROP VIEW source_freshness")
    op.execute(_freshness(conn.dialect.name, lag))
    if conn.dialect.name == "sqlite":
        types = {**_types.COMPUTED["source_freshness"], **(FRESHNESS_TYPES if lag else {})}
        declare_view_types(conn, "source_freshness", types)


def upgrade() -> None:
    op.create_table(
        "fetch_claim",
        sa.Column("source", sa.String(40), primary_key=True),
        sa.Column("scope", sa.String(200), primary_key=True),
        sa.Column("period", sa.Date(), primary_key=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("holder", sa.String(100), nullable=False),
    )
    _recreate(lag=True)


def downgrade() -> None:
    _recreate(lag=False)
    op.drop_table("fetch_claim")
