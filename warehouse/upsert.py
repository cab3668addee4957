"""The upsert: one release's canonical rows into `trade_flow`, keeping every revision, in one transaction.

Set-based on both databases. The first load of a source goes straight into trade_flow (binary COPY on
PostgreSQL, one executemany on SQLite). Later loads go into a temporary staging table the same way; one
LEFT JOIN keeps only the new and the changed figures; changed ones get a `trade_flow_revision` row with
their old values and are updated, new ones are inserted. Unchanged figures are not written at all. The release row and the ingest_status row commit
in the same transaction, so a crash at any moment leaves the database as it was before the release.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

from transforms.schema import CANONICAL_COLUMNS, KEY_COLUMNS, validate_canonical
from warehouse.fingerprint import row_fingerprints
from warehouse.models import TRADE_FLOW_KEY

log = logging.getLogger("tradeflow.warehouse")

# Columns whose change makes a new revision of a figure.
MEASURE_COLUMNS = ("value", "valuation", "net_weight_kg", "quantity", "quantity_unit", "provisional")
_STAGE = "tradeflow_stage"
_CHANGED = "tradeflow_changed"


@dataclass(frozen=True)
class ReleaseInfo:
    """Where a payload came from. `url` must already have its secrets removed."""

    source: str
    scope: str
    period: dt.date
    url: str
    sha256: str
    bytes: int
    fetched_at: dt.datetime
    published_at: dt.datetime | None = None
    raw_path: str | None = None
    # What "the same payload" means for the skip: the sha256 by default; sources whose answers carry
    # volatile fields (Comtrade's elapsedTime) hash the content without them.
    fingerprint: str | None = None


@dataclass(frozen=True)
class UpsertResult:
    release_id: int
    state: str
    rows: int
    inserted: int
    updated: int

    @property
    def revisions(self) -> int:
        return self.updated

    @property
    def unchanged(self) -> int:
        return self.rows - self.inserted - self.updated


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


_PG_TYPES = {
    "period": "date",
    "period_months": "int4",
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
        "value": real,
        "net_weight_kg": real,
        "quantity": real,
        "provisional": boolean,
    }
    cols = ", ".join(f"{c} {types.get(c, 'TEXT')}" for c in CANONICAL_COLUMNS)
    cols += ", row_hash BIGINT"
    suffix = " ON COMMIT DROP" if dialect == "postgresql" else ""
    return f"CREATE TEMPORARY TABLE {_STAGE} ({cols}){suffix}"


_ROWS_PER_SLICE = 50_000


def key_order(frame: pd.DataFrame) -> np.ndarray:
    """Row positions in the order of trade_flow's unique index.

    Rows inserted in index order land on the index's rightmost pages one after another instead of on
    random pages all over it: PostgreSQL takes a million new figures ~25% faster (bench/README.md).
    SQLite's first load is bound by the driver's executemany and takes as long either way, but its
    rowids then follow the index, so a reload reads the stored fingerprints through the index in
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
    frame: pd.DataFrame, dialect: str, hashes: np.ndarray, order: np.ndarray | None = None
) -> Iterator[tuple[Any, ...]]:
    """The frame as driver-ready tuples, converted column by column (not value by value): NaN -> None,
    and on SQLite dates as ISO text and booleans as 0/1. `order`: row positions to emit them in.

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
            elif name == "period" and dialect == "sqlite":
                values = series.astype(str).tolist()
            elif name == "provisional":
                values = series.astype(int if dialect == "sqlite" else bool).tolist()
            else:
                values = series.tolist()
            columns.append(values)
        columns.append(hashes[taken].tolist())
        yield from zip(*columns, strict=True)


def _driver(conn: Connection) -> Any:
    """The DB-API connection under SQLAlchemy (psycopg's for COPY, sqlite3's for executemany)."""
    raw = conn.connection.driver_connection
    assert raw is not None
    return raw


def _copy_rows(
    conn: Connection, table: str, columns: list[str], types: list[str], rows: Iterable[tuple[Any, ...]]
) -> None:
    """PostgreSQL: binary COPY, the fastest way in."""
    raw = _driver(conn)
    with (
        raw.cursor() as cur,
        cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)") as copy,
    ):
        copy.set_types(types)
        for row in rows:
            copy.write_row(row)


def _stage_rows(conn: Connection, rows: Iterable[tuple[Any, ...]]) -> None:
    dialect = conn.dialect.name
    if dialect == "sqlite":
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{_STAGE}")
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{_CHANGED}")
    conn.exec_driver_sql(_stage_ddl(dialect))
    columns = [*CANONICAL_COLUMNS, "row_hash"]
    cols = ", ".join(columns)
    if dialect == "postgresql":
        types = [*(_PG_TYPES.get(c, "text") for c in CANONICAL_COLUMNS), "int8"]
        _copy_rows(conn, _STAGE, columns, types, rows)
        # Autovacuum never sees temporary tables: without statistics the planner takes the stage for
        # big and joins it to trade_flow by reading all of trade_flow, not by probing its index.
        conn.exec_driver_sql(f"ANALYZE {_STAGE}")
    else:
        marks = ", ".join("?" for _ in columns)
        raw = _driver(conn)
        raw.executemany(f"INSERT INTO temp.{_STAGE} ({cols}) VALUES ({marks})", rows)


def _source_is_empty(conn: Connection, sources: list[str]) -> bool:
    """True when no stored figure belongs to these sources: then nothing can conflict (the source lock
    is held), and the rows go straight into trade_flow."""
    for source in sources:
        if conn.execute(text("SELECT 1 FROM trade_flow WHERE source = :s LIMIT 1"), {"s": source}).first():
            return False
    return True


_FINGERPRINT_QUERY = "SELECT {columns} FROM trade_flow WHERE source IN ({sources}) AND period IN ({periods})"


def _stored_fingerprints(
    conn: Connection, sources: list[str], periods: list[dt.date]
) -> tuple[np.ndarray, int | None]:
    """The fingerprints already stored for these sources and months, read straight off the driver, and
    how many of their figures have none yet (stored before fingerprints existed; None: not counted).

    PostgreSQL packs them into one bytea server-side (8 big-endian bytes each; bytea's 1 GB limit is
    134 million figures): one value to fetch, 2.7x faster than a binary COPY, whose rows psycopg hands
    over one at a time.
    """
    raw = _driver(conn)
    if conn.dialect.name == "postgresql":
        query = _FINGERPRINT_QUERY.format(
            columns="string_agg(int8send(row_hash), ''::bytea), count(*) - count(row_hash)",
            sources=", ".join(["%s"] * len(sources)),
            periods=", ".join(["%s"] * len(periods)),
        )
        with raw.cursor(binary=True) as cur:
            packed, missing = cur.execute(query, [*sources, *periods]).fetchone()
        return np.frombuffer(packed or b"", dtype=">i8").astype(np.int64), int(missing)
    query = _FINGERPRINT_QUERY.format(
        columns="row_hash", sources=", ".join("?" * len(sources)), periods=", ".join("?" * len(periods))
    )
    rows = raw.execute(query + " AND row_hash IS NOT NULL", [*sources, *(p.isoformat() for p in periods)])
    return np.array(rows.fetchall(), dtype=np.int64).reshape(-1), None  # SQLite: counting would cost a pass


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
    rows: Iterable[tuple[Any, ...]],
    release_id: int,
    now: dt.datetime,
    *,
    ignore_conflicts: bool = False,
) -> None:
    """Prepared rows (see prepared_rows) as new figures of `table`: one binary COPY on PostgreSQL, one
    executemany on SQLite. The first load of a source uses it on trade_flow; bench/ on its floor table."""
    value_at = CANONICAL_COLUMNS.index("value")
    full = ((*row, row[value_at], release_id, release_id, now, now) for row in rows)  # row ends with row_hash
    if conn.dialect.name == "postgresql":
        _copy_rows(conn, table, list(FIGURE_COLUMNS), _FIGURE_PG_TYPES, full)
        return
    marks = ", ".join("?" for _ in FIGURE_COLUMNS)
    stamp = now.isoformat(sep=" ")
    conflict = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    _driver(conn).executemany(
        f"INSERT INTO {table} ({', '.join(FIGURE_COLUMNS)}) VALUES ({marks}){conflict}",
        ((*r[:-2], stamp, stamp) for r in full),
    )


def _differs(dialect: str, left: str, right: str) -> str:
    if dialect == "postgresql":
        lcols = ", ".join(f"{left}.{c}" for c in MEASURE_COLUMNS)
        rcols = ", ".join(f"{right}.{c}" for c in MEASURE_COLUMNS)
        return f"({lcols}) IS DISTINCT FROM ({rcols})"
    return "(" + " OR ".join(f"{left}.{c} IS NOT {right}.{c}" for c in MEASURE_COLUMNS) + ")"


def _lock_sources(conn: Connection, sources: list[str]) -> None:
    """PostgreSQL: one writer per source at a time, across processes and machines.

    Two releases of the same source may touch the same figures (a nightly and a backfill of one month);
    serialising them per source makes the revision capture exact. Sorted to rule out deadlocks.
    """
    if conn.dialect.name != "postgresql":
        return  # SQLite: BEGIN IMMEDIATE already admits one writer at a time.
    for source in sorted(set(sources)):
        key = zlib.crc32(f"tradeflow:{source}".encode())
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


def _find_release(conn: Connection, info: ReleaseInfo) -> int | None:
    row = conn.execute(
        text(
            "SELECT id, sha256 FROM release WHERE source = :s AND scope = :sc AND period = :p "
            "ORDER BY id DESC LIMIT 1"
        ),
        {"s": info.source, "sc": info.scope, "p": info.period},
    ).first()
    if row is not None and row.sha256 == info.sha256:
        return int(row.id)
    return None


def _insert_release(conn: Connection, info: ReleaseInfo, rows: int) -> int:
    result = conn.execute(
        text(
            "INSERT INTO release (source, scope, period, url, fetched_at, published_at, sha256, bytes, rows,"
            " raw_path) VALUES (:source, :scope, :period, :url, :fetched_at, :published_at, :sha256, :bytes,"
            " :rows, :raw_path) RETURNING id"
        ),
        {
            "source": info.source,
            "scope": info.scope,
            "period": info.period,
            "url": info.url,
            "fetched_at": info.fetched_at,
            "published_at": info.published_at,
            "sha256": info.sha256,
            "bytes": info.bytes,
            "rows": rows,
            "raw_path": info.raw_path,
        },
    )
    return int(result.scalar_one())


def _merge(conn: Connection, release_id: int, now: dt.datetime, *, backfill: bool) -> tuple[int, int]:
    """Staged rows against stored figures, in one join: new and changed rows only go on. Returns
    (inserted, updated). `backfill`: some stored figures have no fingerprint yet; give them theirs."""
    dialect = conn.dialect.name
    join = " AND ".join(f"t.{c} = s.{c}" for c in KEY_COLUMNS)
    temp = "" if dialect == "postgresql" else "temp."
    on_commit = " ON COMMIT DROP" if dialect == "postgresql" else ""
    cols = ", ".join(CANONICAL_COLUMNS)
    # Unchanged figures (the usual reload) drop out here, in a single hash join, and are never written.
    conn.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {_CHANGED}{on_commit} AS "
        f"SELECT {', '.join(f's.{c}' for c in CANONICAL_COLUMNS)}, s.row_hash, t.id AS trade_flow_id, "
        f"t.value AS old_value, "
        f"t.net_weight_kg AS old_net_weight_kg, t.quantity AS old_quantity, t.provisional AS old_provisional, "
        f"t.valuation AS old_valuation, t.quantity_unit AS old_quantity_unit, "
        f"t.release_id AS old_release_id "
        f"FROM {temp}{_STAGE} s LEFT JOIN trade_flow t ON {join} "
        f"WHERE t.id IS NULL OR {_differs(dialect, 't', 's')}"
    )
    params = {"rid": release_id, "now": now}
    updated = conn.execute(
        text(
            "INSERT INTO trade_flow_revision (trade_flow_id, old_value, new_value, old_net_weight_kg,"
            " new_net_weight_kg, old_quantity, new_quantity, old_provisional, new_provisional,"
            " old_valuation, new_valuation, old_quantity_unit, new_quantity_unit,"
            " old_release_id, release_id, revised_at)"
            " SELECT trade_flow_id, old_value, value, old_net_weight_kg, net_weight_kg, old_quantity,"
            " quantity, old_provisional, provisional, old_valuation, valuation, old_quantity_unit,"
            f" quantity_unit, old_release_id, :rid, :now FROM {temp}{_CHANGED}"
            " WHERE trade_flow_id IS NOT NULL"
        ),
        params,
    ).rowcount
    if updated:
        sets = ", ".join(f"{c} = c.{c}" for c in (*MEASURE_COLUMNS, "commodity_name", "row_hash"))
        conn.execute(
            text(
                f"UPDATE trade_flow SET {sets}, release_id = :rid, updated_at = :now"
                f" FROM {temp}{_CHANGED} c WHERE trade_flow.id = c.trade_flow_id"
            ),
            params,
        )
    inserted = conn.execute(
        text(
            f"INSERT INTO trade_flow ({cols}, row_hash, first_value, first_release_id, release_id, first_seen_at,"
            f" updated_at) SELECT {cols}, row_hash, value, :rid, :rid, :now, :now FROM {temp}{_CHANGED}"
            " WHERE trade_flow_id IS NULL"
        ),
        params,
    ).rowcount
    if backfill:  # figures stored before fingerprints existed get theirs now (no revision: nothing changed)
        conn.exec_driver_sql(
            f"UPDATE trade_flow SET row_hash = s.row_hash FROM {temp}{_STAGE} s"
            f" WHERE trade_flow.row_hash IS NULL AND {' AND '.join(f'trade_flow.{c} = s.{c}' for c in KEY_COLUMNS)}"
        )
    if dialect == "sqlite":
        conn.exec_driver_sql(f"DROP TABLE temp.{_STAGE}")
        conn.exec_driver_sql(f"DROP TABLE temp.{_CHANGED}")
    return inserted, updated


def write_status(
    conn: Connection,
    *,
    source: str,
    scope: str,
    period: dt.date,
    state: str,
    now: dt.datetime,
    changed: bool,
    rows: int | None = None,
    message: str = "",
    release_id: int | None = None,
    sha256: str | None = None,
) -> None:
    """Upsert one cell of the month-by-source grid. Identical SQL on both databases.

    `rows`, `release_id` and `sha256` left as None keep what the cell had (a failed or skipped check
    does not forget what was loaded before).
    """
    keep_rows = "ingest_status.rows" if rows is None else "excluded.rows"
    keep = "ingest_status.release_id" if release_id is None else "excluded.release_id"
    keep_sha = "ingest_status.sha256" if sha256 is None else "excluded.sha256"
    last_changed = "excluded.last_changed" if changed else "ingest_status.last_changed"
    conn.execute(
        text(
            "INSERT INTO ingest_status (source, scope, period, state, last_checked, last_changed, rows, message,"
            " release_id, sha256) VALUES (:source, :scope, :period, :state, :now, :changed_at, :rows, :message,"
            " :release_id, :sha256) ON CONFLICT (source, scope, period) DO UPDATE SET state = excluded.state,"
            f" last_checked = excluded.last_checked, last_changed = {last_changed}, rows = {keep_rows},"
            f" message = excluded.message, release_id = {keep}, sha256 = {keep_sha}"
        ),
        {
            "source": source,
            "scope": scope,
            "period": period,
            "state": state,
            "now": now,
            "changed_at": now if changed else None,
            "rows": rows or 0,
            "message": message[:4000],
            "release_id": release_id,
            "sha256": sha256,
        },
    )


ANALYZE_AFTER_ROWS = 100_000
ANALYZE_SQL = "ANALYZE trade_flow"


def _analyze(engine: Engine) -> None:
    """Refresh the planner's statistics after a bulk load (PostgreSQL), as its manual advises.

    Until autovacuum gets to it, the planner takes a just-loaded table for nearly empty and reads a
    source's fingerprints through its index, twice as slow as reading the table (bench/README.md).
    """
    try:
        with engine.connect() as conn, conn.begin():
            conn.exec_driver_sql(ANALYZE_SQL)
    except SQLAlchemyError as exc:  # the load is committed: stale statistics only cost speed
        log.warning("%s after a bulk load failed (%s); autovacuum will catch up", ANALYZE_SQL, exc)


def write_connection(engine: Engine) -> Connection:
    """A connection whose transactions take SQLite's write lock up front (no-op option elsewhere)."""
    return engine.connect().execution_options(tradeflow_write=True)


def upsert_release(
    engine: Engine,
    frame: pd.DataFrame,
    info: ReleaseInfo,
    *,
    before_commit: Callable[[Connection], None] | None = None,
    note: str = "",
) -> UpsertResult:
    """Load one release atomically. Raises SchemaError (nothing written) for a frame that breaks the contract.

    `before_commit` runs inside the transaction after every write; tests use it to inject a failure.
    """
    canonical = validate_canonical(frame)
    hashes = row_fingerprints(canonical)
    now = utcnow()
    with write_connection(engine) as conn, conn.begin():
        sources = canonical["source"].unique().tolist()
        _lock_sources(conn, [info.source, *sources])
        release_id = _find_release(conn, info)
        if release_id is None:
            release_id = _insert_release(conn, info, len(canonical))
        inserted = updated = 0
        if not canonical.empty:
            dialect = conn.dialect.name
            if _source_is_empty(conn, sources):
                rows = prepared_rows(canonical, dialect, hashes, key_order(canonical))
                insert_figures(conn, "trade_flow", rows, release_id, now)
                inserted = len(canonical)
            else:
                stored, unfingerprinted = _stored_fingerprints(
                    conn, sources, sorted(set(canonical["period"]))
                )
                fresh = (
                    ~pd.Series(hashes).isin(stored).to_numpy()
                )  # figures identical to a stored one stop here
                if fresh.any():
                    _stage_rows(conn, prepared_rows(canonical[fresh], dialect, hashes[fresh]))
                    inserted, updated = _merge(conn, release_id, now, backfill=unfingerprinted != 0)
        changed = bool(inserted or updated)
        write_status(
            conn,
            source=info.source,
            scope=info.scope,
            period=info.period,
            state="loaded" if changed else "unchanged",
            now=now,
            changed=changed,
            rows=len(canonical),
            message=f"{inserted} new, {updated} revised, {len(canonical) - inserted - updated} unchanged{note}",
            release_id=release_id,
            sha256=info.fingerprint or info.sha256,
        )
        if before_commit is not None:
            before_commit(conn)
    if inserted >= ANALYZE_AFTER_ROWS and engine.dialect.name == "postgresql":
        _analyze(engine)
    return UpsertResult(
        release_id=release_id,
        state="loaded" if changed else "unchanged",
        rows=len(canonical),
        inserted=inserted,
        updated=updated,
    )


def record_statuses(engine: Engine, records: list[tuple[str, str, dt.date, str, str]]) -> None:
    """Record several checks that loaded nothing, (source, scope, period, state, message) each, at once."""
    now = utcnow()
    with write_connection(engine) as conn, conn.begin():
        for source, scope, period, state, message in records:
            write_status(
                conn,
                source=source,
                scope=scope,
                period=period,
                state=state,
                now=now,
                changed=False,
                message=message,
            )


def record_status(
    engine: Engine, *, source: str, scope: str, period: dt.date, state: str, message: str = ""
) -> None:
    """Record a check that loaded nothing (`not_published`, `failed`), in its own transaction."""
    with write_connection(engine) as conn, conn.begin():
        write_status(
            conn,
            source=source,
            scope=scope,
            period=period,
            state=state,
            now=utcnow(),
            changed=False,
            message=message,
        )
