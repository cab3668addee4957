"""Alembic environment: runs on the connection tradeflow hands it (see warehouse.migrate)."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import warehouse.models  # noqa: F401  (registers the tables on SQLModel.metadata)

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - tradeflow always passes one
    raise RuntimeError("run migrations through `tradeflow db upgrade` (warehouse.migrate.upgrade)")

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
