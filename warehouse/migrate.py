"""Apply Alembic migrations programmatically, so `tradeflow db upgrade` needs no alembic.ini.

Alembic itself is imported only when there is something to migrate: a command opening a warehouse that is
already at the code's schema reads one row of `alembic_version` and nothing more.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_PG_MIGRATION_LOCK = 7_412_905_113  # advisory lock id: one migrator at a time across processes
_ASSIGNMENT = re.compile(r'^(revision|down_revision) = "?([\w]+)"?', re.MULTILINE)


class SchemaTooNew(Exception):
    """The warehouse was migrated by a newer tradeflow than this one: this code must not write to it."""


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


@cache
def _chain() -> dict[str, str | None]:
    """revision -> down_revision, read from the migration files (what alembic would find, without it)."""
    chain: dict[str, str | None] = {}
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        found = dict(_ASSIGNMENT.findall(path.read_text(encoding="utf-8")))
        if "revision" in found:
            down = found.get("down_revision")
            chain[found["revision"]] = None if down in (None, "None") else down
    return chain


def known_revisions() -> set[str]:
    return set(_chain())


def head_revision() -> str | None:
    chain = _chain()
    heads = set(chain) - {down for down in chain.values() if down}
    return max(heads) if heads else None


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Bring the database to `revision`; return (before, after). Safe to call concurrently.

    Raises SchemaTooNew when the database is at a migration this code does not know."""
    before = current_revision(engine)
    if before is not None and before not in known_revisions():
        raise SchemaTooNew(
            f"the warehouse is at migration {before}, newer than this tradeflow knows (its newest is "
            f"{head_revision()}): upgrade tradeflow"
        )
    if before == head_revision() and revision == "head":
        return before, before
    from alembic import command

    _migrate(engine, lambda config: command.upgrade(config, revision))
    return before, current_revision(engine)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the database back to `revision` (tests, and an operator undoing an upgrade)."""
    from alembic import command

    _migrate(engine, lambda config: command.downgrade(config, revision))


def _migrate(engine: Engine, run: Callable[[Config], None]) -> None:
    """Run migrations in one transaction. On SQLite, with foreign keys off (a table rebuild drops a table
    other tables refer to: SQLite's own advice) and every reference checked before the commit."""
    config = alembic_config()
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            conn = conn.execution_options(tradeflow_write=True)
            _driver(conn).execute("PRAGMA foreign_keys = OFF")  # outside a transaction, or it is ignored
        try:
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
                config.attributes["connection"] = conn
                run(config)
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"a migration left references broken: {broken[:5]}")
                if conn.dialect.name == "postgresql":
                    from warehouse.reader import grant_reader

                    grant_reader(conn)  # migrations recreate views: the reader reads every one of them
        finally:
            if sqlite:
                _driver(conn).execute("PRAGMA foreign_keys = ON")


def _driver(conn: Connection) -> Any:
    """sqlite3's own connection: a PRAGMA sent through SQLAlchemy would begin a transaction first."""
    return conn.connection.driver_connection
