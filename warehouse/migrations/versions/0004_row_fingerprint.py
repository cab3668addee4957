"""trade_flow.row_hash: a fingerprint of each figure's key and measures, so reloads skip unchanged figures.

Rows stored before this migration have none; the next load that sees them fills it in (no revision).

Revision ID: 0004_row_fingerprint
Revises: 0003_drop_bulk_foreign_keys
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_row_fingerprint"
down_revision = "0003_drop_bulk_foreign_keys"
branch_labels = None
depends_on = None


KEY_ORDER = [
    "source",
    "period",
    "period_months",
    "reporter",
    "partner",
    "flow",
    "commodity_system",
    "commodity_code",
    "currency",
]
OLD_KEY_ORDER = [
    "source",
    "reporter",
    "partner",
    "flow",
    "commodity_system",
    "commodity_code",
    "period",
    "period_months",
    "currency",
]


def _rekey(columns: list[str], add_hash: bool | None) -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        if add_hash:
            op.add_column("trade_flow", sa.Column("row_hash", sa.BigInteger(), nullable=True))
        op.drop_constraint("uq_trade_flow_key", "trade_flow", type_="unique")
        op.create_unique_constraint("uq_trade_flow_key", "trade_flow", columns)
        if add_hash is False:
            op.drop_column("trade_flow", "row_hash")
        return
    # SQLite rebuilds the table to change a constraint, and its views must not point at it meanwhile.
    views = bind.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'view'").fetchall()
    for name, _sql in views:
        op.execute(f"DROP VIEW {name}")
    with op.batch_alter_table("trade_flow", recreate="always") as batch:
        if add_hash:
            batch.add_column(sa.Column("row_hash", sa.BigInteger(), nullable=True))
        batch.drop_constraint("uq_trade_flow_key", type_="unique")
        batch.create_unique_constraint("uq_trade_flow_key", columns)
        if add_hash is False:
            batch.drop_column("row_hash")
    for _name, sql in views:
        op.execute(sql)


def upgrade() -> None:
    # A reload reads the fingerprints of one source's months: the unique key's index serves that once its
    # columns lead with (source, period). Same columns, same uniqueness; no second index to maintain (a
    # covering index with row_hash made first loads 60% slower, its random keys scattering the inserts).
    _rekey(KEY_ORDER, add_hash=True)


def downgrade() -> None:
    _rekey(OLD_KEY_ORDER, add_hash=False)
