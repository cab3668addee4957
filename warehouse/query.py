"""`tradeflow query`: one read-only statement, on a connection that cannot write, with a deadline.

Read-only by construction, not by a setting a statement could undo:
- PostgreSQL: the statement runs as the warehouse's reader role (warehouse/reader.py: a login that may
  only SELECT the warehouse's tables and views, so no function with side effects is open to it), or as
  the login `TRADEFLOW_QUERY_DATABASE_URL` names; through a server-side cursor (`DECLARE ... CURSOR FOR
  <sql>`, sent with the extended protocol), which takes exactly one SELECT, VALUES, TABLE or WITH query:
  `COMMIT; DELETE ...` is refused by the server before anything runs, as is any data-modifying WITH. The
  transaction is `READ ONLY`, the session defaults to read-only transactions, `statement_timeout` makes
  the server stop the query, and the client cancels it at the deadline too (a statement may set its own
  `statement_timeout`), then closes the connection.
- SQLite: the file is opened with `mode=ro`, Python's driver runs one statement per call, and an
  authorizer allows reading only (no write, PRAGMA, ATTACH, VACUUM INTO, transaction control). A
  progress handler and a timer that interrupts the connection enforce the deadline (a recursive CTE, or
  a query whose every row is slow, stops on time).
Rows are fetched in batches as they are printed or written: `--limit` caps what is fetched at all.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import text
from sqlalchemy.engine import make_url

BATCH_ROWS = 1_000


class QueryError(Exception):
    """The query was refused or failed; the message says why, in one line."""


@dataclass
class QueryResult:
    columns: list[str]
    rows: Iterator[tuple[Any, ...]]  # streamed: at most `limit` rows, fetched in batches


def _batches(
    fetchmany: Any, limit: int | None, deadline: float, timeout_s: float
) -> Iterator[tuple[Any, ...]]:
    left = limit
    while left is None or left > 0:
        if time.monotonic() > deadline:
            raise QueryError(f"query timed out after {timeout_s:g} s (--timeout)")
        batch = fetchmany(BATCH_ROWS if left is None else min(BATCH_ROWS, left))
        if not batch:
            return
        for row in batch:
            yield tuple(row)
        if left is not None:
            left -= len(batch)


@contextmanager
def read_only_query(
    database_url: str,
    sql: str,
    *,
    timeout_s: float = 60.0,
    limit: int | None = None,
    connect_timeout_s: float = 10.0,
    reader_url: str | None = None,
) -> Iterator[QueryResult]:
    """Run one read-only statement; the rows are read while the context is open. On PostgreSQL it runs
    as `reader_url`'s login where given, else as the warehouse's reader role."""
    statement = sql.strip().rstrip(";").strip()
    if not statement:
        raise QueryError("no SQL given")
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        with _sqlite_query(url.database or "", statement, timeout_s, limit) as result:
            yield result
    elif url.get_backend_name() == "postgresql":
        login = make_url(reader_url) if reader_url else _reader_of(url, connect_timeout_s)
        with _postgres_query(
            login.set(drivername="postgresql"), statement, timeout_s, limit, connect_timeout_s
        ) as result:
            yield result
    else:
        raise QueryError(f"unsupported database {url.get_backend_name()!r}")


# ------------------------------------------------------------------------------------------------ SQLite

# sqlite3 authorizer action codes that only read (SQLITE_READ, SQLITE_SELECT, SQLITE_FUNCTION,
# SQLITE_RECURSIVE); everything else is denied.
_SQLITE_READING = frozenset({20, 21, 31, 33})
_PROGRESS_EVERY = 10_000  # VM instructions between deadline checks


def _sqlite_uri(path: str) -> str:
    """A read-only URI for the file; `immutable` where its folder cannot take WAL's shared-memory file
    (a warehouse copied to read-only storage: no writer can exist there)."""
    target = Path(path).expanduser().resolve()
    if not target.is_file():
        raise QueryError(f"no SQLite warehouse at {target} (run `tradeflow db upgrade` or a load first)")
    uri = f"file:{quote(str(target))}?mode=ro"
    shm = target.with_name(target.name + "-shm")
    if not shm.exists() and not _writable(target.parent):
        uri += "&immutable=1"
    return uri


def _writable(folder: Path) -> bool:
    import os

    return os.access(folder, os.W_OK)


@contextmanager
def _sqlite_query(path: str, sql: str, timeout_s: float, limit: int | None) -> Iterator[QueryResult]:
    deadline = time.monotonic() + timeout_s
    conn = sqlite3.connect(_sqlite_uri(path), uri=True, timeout=min(timeout_s, 30.0), check_same_thread=False)
    # The progress handler runs every so many VM steps, which a query whose every row is slow (a function
    # over a large value) takes long to reach: the timer interrupts it at the deadline wherever it is.
    timer = threading.Timer(timeout_s, conn.interrupt)
    timer.daemon = True
    timer.start()
    try:
        conn.set_authorizer(
            lambda action, *_: sqlite3.SQLITE_OK if action in _SQLITE_READING else sqlite3.SQLITE_DENY
        )
        conn.set_progress_handler(lambda: int(time.monotonic() > deadline), _PROGRESS_EVERY)
        try:
            cursor = conn.execute(sql)
        except sqlite3.Error as exc:
            raise _sqlite_error(exc, timeout_s) from None
        columns = [d[0] for d in cursor.description or ()]
        if not columns:
            raise QueryError("the statement returns no rows: `query` runs one read-only SELECT")

        def rows() -> Iterator[tuple[Any, ...]]:
            try:
                yield from _batches(cursor.fetchmany, limit, deadline, timeout_s)
            except sqlite3.Error as exc:
                raise _sqlite_error(exc, timeout_s) from None

        yield QueryResult(columns, rows())
    finally:
        timer.cancel()
        conn.close()


def _sqlite_error(exc: sqlite3.Error, timeout_s: float) -> QueryError:
    text = str(exc)
    if "interrupted" in text:
        return QueryError(f"query timed out after {timeout_s:g} s (--timeout)")
    if (
        "not authorized" in text
        or "authorization denied" in text
        or "readonly" in text
        or "one statement" in text
    ):
        return QueryError(f"refused: `query` runs one read-only SELECT ({text})")
    return QueryError(text)


# -------------------------------------------------------------------------------------------- PostgreSQL


def _reader_of(url: Any, connect_timeout_s: float) -> Any:
    """The reader role's login for the warehouse at `url`, read through the warehouse's own login."""
    from sqlalchemy import create_engine
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.pool import NullPool

    from warehouse.reader import read_login

    engine = create_engine(
        url.set(drivername="postgresql+psycopg"),
        poolclass=NullPool,
        connect_args={"connect_timeout": max(1, round(connect_timeout_s))},
    )
    try:
        with engine.connect() as conn:
            found = conn.execute(text("SELECT to_regclass('query_reader') IS NOT NULL")).scalar()
            login = read_login(conn)
    except SQLAlchemyError as exc:
        where = f"{url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"
        cause = " ".join(str(getattr(exc, "orig", None) or exc).split())
        raise QueryError(f"cannot reach the warehouse at {where}: {cause}") from None
    finally:
        engine.dispose()
    if not found:
        raise QueryError("the warehouse has no reader role yet: run `tradeflow db upgrade`")
    if login is None:
        raise QueryError(
            "no reader role: `tradeflow db upgrade` ran as a role that may not create roles; set "
            "TRADEFLOW_QUERY_DATABASE_URL to a login that may only read the warehouse"
        )
    return url.set(username=login.role, password=login.password)


@contextmanager
def _postgres_query(
    url: Any, sql: str, timeout_s: float, limit: int | None, connect_timeout_s: float
) -> Iterator[QueryResult]:
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    conninfo = url.render_as_string(hide_password=False)
    params = conninfo_to_dict(conninfo)
    timeout_ms = max(1, int(timeout_s * 1000))
    options = " ".join(
        part
        for part in (
            str(params.pop("options", "") or ""),
            "-c default_transaction_read_only=on",
            f"-c statement_timeout={timeout_ms}",
            f"-c idle_in_transaction_session_timeout={timeout_ms + 5000}",
        )
        if part
    )
    params.setdefault("connect_timeout", max(1, round(connect_timeout_s)))
    deadline = time.monotonic() + timeout_s
    try:
        conn = psycopg.connect(make_conninfo("", **params, options=options))
    except psycopg.Error as exc:
        where = f"{url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"
        raise QueryError(f"cannot reach the warehouse at {where}: {' '.join(str(exc).split())}") from None
    # At the deadline the client cancels the statement itself: the statement may have turned the server's
    # timeout off (`set_config('statement_timeout', '0', false)`).
    timer = threading.Timer(timeout_s + 0.5, conn.cancel_safe)
    timer.daemon = True
    timer.start()
    try:
        with conn.transaction():
            conn.execute("SET TRANSACTION READ ONLY")
            # A named cursor: DECLARE over the extended protocol takes one query and nothing else.
            with conn.cursor(name="tradeflow_query") as cursor:
                try:
                    cursor.execute(sql)
                except psycopg.Error as exc:
                    raise _postgres_error(exc, timeout_s) from None
                columns = [d.name for d in cursor.description or ()]

                def rows() -> Iterator[tuple[Any, ...]]:
                    try:
                        yield from _batches(cursor.fetchmany, limit, deadline, timeout_s)
                    except psycopg.Error as exc:
                        raise _postgres_error(exc, timeout_s) from None

                yield QueryResult(columns, rows())
            raise _Rollback
    except _Rollback:
        pass
    finally:
        timer.cancel()
        conn.close()


class _Rollback(Exception):
    """Ends the read-only transaction with a rollback: nothing it did is kept, whatever it was."""


def _postgres_error(exc: Exception, timeout_s: float) -> QueryError:
    diag = getattr(exc, "diag", None)
    code = getattr(diag, "sqlstate", None)
    # The primary message only: the rest quotes the DECLARE the statement was wrapped in.
    text = " ".join(str(getattr(diag, "message_primary", None) or exc).split())
    if code == "57014":  # query_canceled: statement_timeout
        return QueryError(f"query timed out after {timeout_s:g} s (--timeout)")
    if code in ("42601", "25006", "0A000") or "multiple commands" in text:
        return QueryError(f"refused: `query` runs one read-only SELECT ({text})")
    return QueryError(text)
