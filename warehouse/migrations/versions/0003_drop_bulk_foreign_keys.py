"""PostgreSQL: drop the foreign keys of the two bulk tables (trade_flow, trade_flow_revision).

Checking them cost more than the load itself (about 7 s of 14 s per million figures, measured in bench/).
They are kept true by construction: the upsert is the only writer of both tables, and writes the release
row it points to in the same transaction; tests/test_warehouse.py checks every reference after loads.
SQLite keeps them (its checks are cheap). The columns, and their meaning, do not change.

Revision ID: 0003_drop_bulk_foreign_keys
Revises: 0002_views
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0003_drop_bulk_foreign_keys"
down_revision = "0002_views"
branch_labels = None
depends_on = None

FOREIGN_KEYS = [
    ("trade_flow", "trade_flow_first_release_id_fkey", "first_release_id", "release"),
    ("trade_flow", "trade_flow_release_id_fkey", "release_id", "release"),
    ("trade_flow_revision", "trade_flow_revision_trade_flow_id_fkey", "trade_flow_id", "trade_flow"),
    ("trade_flow_revision", "trade_flow_revision_old_release_id_fkey", "old_release_id", "release"),
    ("trade_flow_revision", "trade_flow_revision_release_id_fkey", "release_id", "release"),
]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, name, _column, _target in FOREIGN_KEYS:
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, name, column, target in FOREIGN_KEYS:
        op.create_foreign_key(name, table, target, [column], ["id"])
