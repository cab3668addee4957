"""The upsert: one release's canonical rows into `trade_flow`, keeping every revision, in one transaction.

Set-based on both databases. The first load of a source goes straight into trade_flow (binary COPY on
PostgreSQL, one executemany on SQLite). Later loads go into a temporary staging table the same way; one
LEFT JOIN keeps only the new and the changed figures; changed ones get a `trade_flow_revision` row with
their old values and are revised, new ones are inserted. Unchanged figures are not written at all. The release row and the ingest_status row commit
in the same transaction, so a crash at any moment leaves the database as it was before the release.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

from transforms.schema import validate_canonical
from warehouse.bulk import insert_figures, key_order, prepared_rows, stage_rows
from warehouse.connections import utcnow, write_connection
from warehouse.locks import lock_writers
from warehouse.merge import merge_staged, source_is_empty, stored_row_hashes
from warehouse.row_hash import row_hashes
from warehouse.status import write_status

log = logging.getLogger("tradeflow.warehouse")


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
    # The payload digest kept in ingest_status for the skip of unchanged releases: the sha256 by default;
    # a publisher whose answers carry volatile fields (Comtrade's elapsedTime) digests them without.
    payload_digest: str | None = None


@dataclass(frozen=True)
class UpsertResult:
    release_id: int
    state: str
    rows: int
    inserted: int
    revised: int
    message: str = ""  # as written to the release's status

    @property
    def unchanged(self) -> int:
        return self.rows - self.inserted - self.revised


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


ANALYZE_AFTER_ROWS = 100_000
ANALYZE_SQL = "ANALYZE trade_flow"


def _analyze(engine: Engine) -> None:
    """Refresh the planner's statistics after a bulk load (PostgreSQL), as its manual advises.

    Until autovacuum gets to it, the planner takes a just-loaded table for nearly empty and reads a
    source's row hashes through its index, twice as slow as reading the table (bench/README.md).
    """
    try:
        with engine.connect() as conn, conn.begin():
            conn.exec_driver_sql(ANALYZE_SQL)
    except SQLAlchemyError as exc:  # the load is committed: stale statistics only cost speed
        log.warning("%s after a bulk load failed (%s); autovacuum will catch up", ANALYZE_SQL, exc)


def upsert_release(
    engine: Engine,
    frame: pd.DataFrame,
    info: ReleaseInfo,
    *,
    before_commit: Callable[[Connection], None] | None = None,
    note: str = "",
    checks: Callable[[Connection], str] | None = None,
) -> UpsertResult:
    """Load one release atomically. Raises SchemaError (nothing written) for a frame that breaks the contract.

    `checks` runs under the source's lock before the figures are written, so it sees every release of the
    source stored before this one and none half-written; what it returns is added to the status message.
    `before_commit` runs inside the transaction after every write; tests use it to inject a failure.
    """
    canonical = validate_canonical(frame)
    hashes = row_hashes(canonical)
    now = utcnow()
    with write_connection(engine) as conn, conn.begin():
        sources = canonical["source"].unique().tolist()
        lock_writers(conn, [info.source, *sources])
        if checks is not None:
            note += checks(conn)
        release_id = _find_release(conn, info)
        if release_id is None:
            release_id = _insert_release(conn, info, len(canonical))
        inserted = revised = 0
        if not canonical.empty:
            dialect = conn.dialect.name
            if source_is_empty(conn, sources):
                insert_figures(
                    conn, "trade_flow", canonical, hashes, release_id, now, order=key_order(canonical)
                )
                inserted = len(canonical)
            else:
                stored, without_hash = stored_row_hashes(conn, sources, sorted(set(canonical["period"])))
                fresh = (
                    ~pd.Series(hashes).isin(stored).to_numpy()
                )  # figures identical to a stored one stop here
                if fresh.any():
                    stage_rows(conn, prepared_rows(canonical[fresh], dialect, hashes[fresh]))
                    inserted, revised = merge_staged(conn, release_id, now, backfill=without_hash != 0)
        changed = bool(inserted or revised)
        message = f"{inserted} new, {revised} revised, {len(canonical) - inserted - revised} unchanged{note}"
        write_status(
            conn,
            source=info.source,
            scope=info.scope,
            period=info.period,
            state="loaded" if changed else "unchanged",
            now=now,
            changed=changed,
            rows=len(canonical),
            message=message,
            release_id=release_id,
            payload_digest=info.payload_digest or info.sha256,
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
        revised=revised,
        message=message,
    )
