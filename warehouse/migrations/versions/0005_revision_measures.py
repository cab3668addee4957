"""trade_flow_revision records every measure that can make a revision: valuation and quantity unit too.

A changed valuation or quantity unit always made a revision row, but the row kept only the old and new
value, weight, quantity and provisional flag, so a reader could not tell what had changed. Rows written
before this migration hold NULL in the four new columns.

Revision ID: 0005_revision_measures
Revises: 0004_row_fingerprint
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_revision_measures"
down_revision = "0004_row_fingerprint"
branch_labels = None
depends_on = None

COLUMNS = (
    ("old_valuation", 3),
    ("new_valuation", 3),
    ("old_quantity_unit", 40),
    ("new_quantity_unit", 40),
)


def upgrade() -> None:
    for name, length in COLUMNS:  # ADD COLUMN needs no table rebuild on either database
        op.add_column("trade_flow_revision", sa.Column(name, sa.String(length), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("trade_flow_revision") as batch:
        for name, _length in reversed(COLUMNS):
            batch.drop_column(name)
