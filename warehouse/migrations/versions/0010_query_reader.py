"""PostgreSQL: a login role for `tradeflow query` that can only read, and row locks for the writers.

- `query_reader` (owner-only) keeps the name and password of this warehouse's reader role,
  `tradeflow_reader_<hash>`, created here where the migrator may create roles (warehouse/reader.py).
- `source_lock`, one row per source: each release's write locks its source's row (SELECT ... FOR UPDATE)
  instead of taking an advisory lock, which any session could take too (a query held one and blocked
  every writer of a source); a read-only transaction cannot lock rows.

SQLite has neither: its writers queue on the file's write lock, and queries open it read-only.

Revision ID: 0010_query_reader
Revises: 0009_exchange_rate_revision
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_query_reader"
down_revision = "0009_exchange_rate_revision"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    from warehouse.reader import READER_TABLE, create_reader

    op.create_table("source_lock", sa.Column("source", sa.String(40), primary_key=True))
    op.create_table(
        READER_TABLE,
        sa.Column("role", sa.String(63), primary_key=True),
        sa.Column("password", sa.String(100), nullable=False),
    )
    op.execute(f"REVOKE ALL ON {READER_TABLE} FROM PUBLIC")
    create_reader(conn)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    from warehouse.reader import READER_TABLE, drop_reader

    drop_reader(conn)
    op.drop_table(READER_TABLE)
    op.drop_table("source_lock")
