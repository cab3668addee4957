"""Bulk writes: a release's rows as driver-ready tuples, in the unique index's order, and the fastest way
into a table on each database (binary COPY on PostgreSQL, one executemany on SQLite)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from itertools import repeat
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from transforms.schema import CANONICAL_COLUMNS
from warehouse.key import TRADE_FLOW_KEY

STAGE = "tradeflow_stage"  # a release's rows, staged for the merge
CHANGED = "tradeflow_changed"  # the merge's new and changed rows

_PG_TYPES = {
    "period": "date",
    "period_months": "int4",
    "period_days": "int4",
    "value": "float8",
    "net_weight_kg": "float8",
    "quantity": "float8",
    "provisional": "bool",
}


def _stage_ddl(dialect: str) -> str:
    real = "DOUBLE PRECISION" if dialect == "postgresql" else "REAL"
    boolean = "BOOLEAN" if dialect == "postgresql" else "INTEGER"
    types = {
        "period": "DATE",
        "period_months": "INTEGER",
        "period_days": "INTEGER",
        "value": real,
        "net_weight_kg": real,
        "quantity": real,
        "provisional": boolean,
    }
    cols = ", ".join(f"{c} {types.get(c, 'TEXT')}" for c in CANONICAL_COLUMNS)
    cols += ", row_hash BIGINT"
    suffix = " ON COMMIT DROP" if dialect == "postgresql" else ""
    return f"CREATE TEMPORARY TABLE {STAGE} ({cols}){suffix}"


_ROWS_PER_SLICE = 50_000


def key_order(frame: pd.DataFrame) -> np.ndarray:
    """Row positions in the order of trade_flow's unique index.

    Rows inserted in index order land on the index's rightmost pages one after another instead of on
    random pages all over it: PostgreSQL takes a million new figures ~25% faster (bench/README.md).
    SQLite's first load is bound by the driver's executemany and takes as long either way, but its
    rowids then follow the index, so a reload reads the stored row hashes through the index in
    table order: 2x faster.
    """
    factorized = [pd.factorize(frame[name], sort=True) for name in TRADE_FLOW_KEY]
    sizes = [max(len(uniques), 1) for _, uniques in factorized]
    if math.prod(sizes) >= 2**62:  # too many combinations for one integer: sort on the columns
        return np.lexsort([codes for codes, _ in factorized][::-1])
    combined = np.zeros(len(frame), dtype=np.int64)
    for (codes, _), size in zip(factorized, sizes, strict=True):
        combined = combined * size + codes  # one integer per key, in the key's order: one fast argsort
    return np.argsort(combined, kind="stable")


def prepared_rows(
    frame: pd.DataFrame,
    dialect: str,
    hashes: np.ndarray,
    order: np.ndarray | None = None,
    *,
    tail: tuple[Any, ...] = (),
    repeat_value: bool = False,
) -> Iterator[tuple[Any, ...]]:
    """The frame as driver-ready tuples, converted column by column (not value by value): NaN -> None,
    and on SQLite dates as ISO text and booleans as 0/1, then the row hash. `order`: row positions to emit
    them in; `repeat_value`: the value once more after the hash (a new figure's first value); `tail`:
    constants that end every row (release ids, timestamps), zipped in with the columns rather than
    added to each tuple afterwards (which cost as much again as making them).

    Converted a slice of rows at a time, lazily: the first rows reach the database while the rest are
    still being converted (PostgreSQL works on them meanwhile), and a release is never held twice.
    """
    positions = np.arange(len(frame)) if order is None else order
    for start in range(0, len(frame), _ROWS_PER_SLICE):
        taken = positions[start : start + _ROWS_PER_SLICE]
        part = frame.take(taken) if order is not None else frame.iloc[start : start + _ROWS_PER_SLICE]
        columns: list[list[Any]] = []
        for name in CANONICAL_COLUMNS:
            series = part[name]
            if name in ("net_weight_kg", "quantity", "quantity_unit"):
                values = (
                    series.astype(object).where(series.notna(), None).tolist()
                    if series.hasnans
                    else series.tolist()
                )
            elif name == "period" and dialect == "sqlite":  # a handful of months: each made text once
                codes, months = pd.factorize(series)
                values = np.array([m.isoformat() for m in months], dtype=object)[codes].tolist()
            elif name == "provisional":
                values = series.astype(int if dialect == "sqlite" else bool).tolist()
            else:
                values = series.tolist()
            columns.append(values)
        columns.append(hashes[taken].tolist())
        if repeat_value:
            columns.append(columns[CANONICAL_COLUMNS.index("value")])
        constants = [repeat(value, len(taken)) for value in tail]
        yield from zip(*columns, *constants, strict=True)


def driver(conn: Connection) -> Any:
    """The DB-API connection under SQLAlchemy (psycopg's for COPY, sqlite3's for executemany)."""
    raw = conn.connection.driver_connection
    assert raw is not None
    return raw


@contextmanager
def driver_errors(conn: Connection, statement: str) -> Iterator[None]:
    """A driver's error as SQLAlchemy's: statements run on the DB-API connection bypass SQLAlchemy, and
    the rest of tradeflow (warehouse.errors, the CLI) knows a database failure by SQLAlchemy's classes."""
    dbapi = conn.dialect.loaded_dbapi
    try:
        yield
    except dbapi.Error as exc:
        raise DBAPIError.instance(statement, None, exc, dbapi.Error, dialect=conn.dialect) from exc


def copy_rows(
    conn: Connection, table: str, columns: list[str], types: list[str], rows: Iterable[tuple[Any, ...]]
) -> None:
    """PostgreSQL: binary COPY, the fastest way in."""
    raw = driver(conn)
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
    with (
        driver_errors(conn, statement),
        raw.cursor() as cur,
        cur.copy(statement) as copy,
    ):
        copy.set_types(types)
        for row in rows:
            copy.write_row(row)


def stage_rows(conn: Connection, rows: Iterable[tuple[Any, ...]]) -> None:
    dialect = conn.dialect.name
    if dialect == "sqlite":
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{STAGE}")
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{CHANGED}")
    conn.exec_driver_sql(_stage_ddl(dialect))
    columns = [*CANONICAL_COLUMNS, "row_hash"]
    cols = ", ".join(columns)
    if dialect == "postgresql":
        types = [*(_PG_TYPES.get(c, "text") for c in CANONICAL_COLUMNS), "int8"]
        copy_rows(conn, STAGE, columns, types, rows)
        # Autovacuum never sees temporary tables: without statistics the planner takes the stage for
        # big and joins it to trade_flow by reading all of trade_flow, not by probing its index.
        conn.exec_driver_sql(f"ANALYZE {STAGE}")
    else:
        marks = ", ".join("?" for _ in columns)
        statement = f"INSERT INTO temp.{STAGE} ({cols}) VALUES ({marks})"
        with driver_errors(conn, statement):
            driver(conn).executemany(statement, rows)


FIGURE_COLUMNS = (
    *CANONICAL_COLUMNS,
    "row_hash",
    "first_value",
    "first_release_id",
    "release_id",
    "first_seen_at",
    "updated_at",
)
_FIGURE_PG_TYPES = [
    *(_PG_TYPES.get(c, "text") for c in CANONICAL_COLUMNS),
    "int8",
    "float8",
    "int8",
    "int8",
    "timestamptz",
    "timestamptz",
]


def insert_figures(
    conn: Connection,
    table: str,
    frame: pd.DataFrame,
    hashes: np.ndarray,
    release_id: int,
    now: dt.datetime,
    *,
    order: np.ndarray | None = None,
    ignore_conflicts: bool = False,
) -> None:
    """The frame's rows as new figures of `table`: one binary COPY on PostgreSQL, one executemany on
    SQLite. The first load of a source uses it on trade_flow; bench/ on its floor table."""
    dialect = conn.dialect.name
    stamp: Any = now if dialect == "postgresql" else now.isoformat(sep=" ")
    rows = prepared_rows(
        frame, dialect, hashes, order, repeat_value=True, tail=(release_id, release_id, stamp, stamp)
    )
    if dialect == "postgresql":
        copy_rows(conn, table, list(FIGURE_COLUMNS), _FIGURE_PG_TYPES, rows)
        return
    marks = ", ".join("?" for _ in FIGURE_COLUMNS)
    conflict = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    statement = f"INSERT INTO {table} ({', '.join(FIGURE_COLUMNS)}) VALUES ({marks}){conflict}"
    with driver_errors(conn, statement):
        driver(conn).executemany(statement, rows)
