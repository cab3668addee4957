"""Commodity concordances as reference tables: `ref_concordance` (one row per code of each registered
concordance, with the code it maps into) and `ref_concordance_version` (each one's digest and size).

Written from the registered concordances (entry-point group `tradeflow.concordances`, e.g. Korea's HSK to
MTI table of 2026) each time a writer opens the warehouse, when a table's digest differs; SQL readers join
them to group figures as a concordance does (README, "Using the data"). No existing table or view changes.

Revision ID: 0012_concordance
Revises: 0011_sqlite_view_types
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_concordance"
down_revision = "0011_sqlite_view_types"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ref_concordance",
        sa.Column("concordance", sa.String(40), primary_key=True),
        sa.Column("code", sa.String(80), primary_key=True),
        sa.Column("target", sa.String(80), nullable=False),
    )
    op.create_index("ix_ref_concordance_target", "ref_concordance", ["concordance", "target"])
    op.create_table(
        "ref_concordance_version",
        sa.Column("concordance", sa.String(40), primary_key=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ref_concordance_version")
    op.drop_index("ix_ref_concordance_target", table_name="ref_concordance")
    op.drop_table("ref_concordance")
