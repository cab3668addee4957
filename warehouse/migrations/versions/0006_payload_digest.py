"""ingest_status.sha256 is renamed payload_digest, for what it holds.

The column never held a SHA-256 of a file: it holds the digest of the last payload loaded as its publisher
defines "the same payload" (the sha256 of the bytes, or of the bytes less volatile fields such as
Comtrade's elapsedTime, or with Korea's provisional state beside them). `release.sha256`, which is the
SHA-256 of the payload's bytes, keeps its name. Values are unchanged.

Revision ID: 0006_payload_digest
Revises: 0005_revision_measures
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0006_payload_digest"
down_revision = "0005_revision_measures"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # RENAME COLUMN needs no table rebuild on PostgreSQL or SQLite (3.25+), and no view reads the column.
    op.execute("ALTER TABLE ingest_status RENAME COLUMN sha256 TO payload_digest")


def downgrade() -> None:
    op.execute("ALTER TABLE ingest_status RENAME COLUMN payload_digest TO sha256")
