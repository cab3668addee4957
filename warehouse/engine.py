"""Engine factory: SQLite (embedded default) or PostgreSQL (production), configured for safe writing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url


def create_warehouse_engine(
    url: str,
    *,
    sqlite_busy_timeout_s: float = 60.0,
    connect_timeout_s: float = 10.0,
    statement_timeout_s: float | None = 900.0,
    **kwargs: Any,
) -> Engine:
    """Create the engine for `url`.

    SQLite: WAL (readers never block the writer), a long busy timeout, foreign keys on, and writes that
    take the write lock up front (`BEGIN IMMEDIATE`) so two flows queue instead of failing with
    "database is locked" half-way through a release. PostgreSQL: pre-ping so a restarted server is survived,
    a connect timeout (a host that accepts the connection and never answers fails in seconds instead of
    hanging every command) and a statement timeout on the warehouse's own statements.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": sqlite_busy_timeout_s}, **kwargs)
        _configure_sqlite(engine, int(sqlite_busy_timeout_s * 1000))
        return engine
    connect_args: dict[str, Any] = {"connect_timeout": max(1, round(connect_timeout_s))}
    if statement_timeout_s:
        options = parsed.query.get("options", "")
        extra = f"-c statement_timeout={int(statement_timeout_s * 1000)}"
        connect_args["options"] = f"{options} {extra}".strip() if isinstance(options, str) else extra
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args, **kwargs)


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below emit BEGIN itself (pysqlite's own is deferred and late).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get("tradeflow_write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
