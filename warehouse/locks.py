"""PostgreSQL: one writer at a time per source (or per shared table), across processes and machines."""

from __future__ import annotations

from sqlalchemy import Connection, text


def lock_writers(conn: Connection, names: list[str]) -> None:
    """PostgreSQL: one writer per source at a time, across processes and machines.

    Two releases of the same source may touch the same figures (a nightly and a backfill of one month);
    serialising them per source makes the revision capture exact. Sorted to rule out deadlocks.
    """
    if conn.dialect.name != "postgresql":
        return  # SQLite: BEGIN IMMEDIATE already admits one writer at a time.
    # A row lock on the source's row of source_lock (migration 0010), not an advisory lock: any session
    # may take any advisory lock (a `tradeflow query` once held one and blocked a source's writers), but
    # only a writer can lock a row. The row is made on first use; ON CONFLICT makes racing first uses safe.
    for source in sorted(set(names)):
        conn.execute(
            text("INSERT INTO source_lock (source) VALUES (:s) ON CONFLICT (source) DO NOTHING"),
            {"s": source},
        )
        conn.execute(text("SELECT source FROM source_lock WHERE source = :s FOR UPDATE"), {"s": source})
