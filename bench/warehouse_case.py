"""One warehouse measurement in its own process (so peak RSS is its own). Prints one JSON line.

    python -m bench.warehouse_case CASE DB_URL ROWS
CASE: floor | first | reload | reload_skip | changed
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
import time

import numpy as np
from sqlalchemy import text

from bench.memory import peak_rss_mb
from bench.workloads import canonical_rows, change_values
from warehouse.bulk import insert_figures
from warehouse.connections import utcnow
from warehouse.engine import create_warehouse_engine
from warehouse.migrate import upgrade
from warehouse.status import read_cell
from warehouse.upsert import ReleaseInfo, upsert_release


def _info(tag: str) -> ReleaseInfo:
    return ReleaseInfo(
        source="bench",
        scope="bench",
        period=dt.date(2025, 1, 1),
        url=f"bench://{tag}",
        sha256=tag.ljust(64, "0"),
        bytes=0,
        fetched_at=utcnow(),
    )


def floor(db_url: str, rows: int) -> float:
    """The bare floor: the same rows, from the same DataFrame, into a table identical to trade_flow (same
    primary key and unique index), the fastest way each database has: PostgreSQL one binary COPY, SQLite
    one executemany of INSERT ... ON CONFLICT."""
    frame = canonical_rows(rows)
    engine = create_warehouse_engine(db_url)
    dialect = engine.dialect.name
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS floor_flow")
        if dialect == "postgresql":
            conn.exec_driver_sql("CREATE TABLE floor_flow (LIKE trade_flow INCLUDING ALL)")
        else:
            ddl = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'trade_flow'").scalar_one()
            conn.exec_driver_sql(re.sub(r'^CREATE TABLE "?trade_flow"?', "CREATE TABLE floor_flow", ddl))
    now = utcnow()
    start = time.perf_counter()
    with engine.begin() as conn:
        rid = conn.exec_driver_sql(
            "INSERT INTO release (source, scope, period, url, fetched_at, sha256, bytes, rows) VALUES "
            "('floor', 'floor', '2025-01-01', 'floor', CURRENT_TIMESTAMP, 'x', 0, 0) RETURNING id"
        ).scalar_one()
        hashes = np.zeros(len(frame), dtype=np.int64)
        insert_figures(conn, "floor_flow", frame, hashes, rid, now, ignore_conflicts=dialect == "sqlite")
    elapsed = time.perf_counter() - start
    with engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM floor_flow")).scalar_one() == rows
        conn.exec_driver_sql("DROP TABLE floor_flow")
    return elapsed


def main() -> None:
    case, db_url, rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
    engine = create_warehouse_engine(db_url)
    upgrade(engine)
    result: dict[str, object] = {"case": case, "rows": rows}
    if case == "floor":
        result["seconds"] = floor(db_url, rows)
    else:
        frame = canonical_rows(rows)
        if case != "first":
            upsert_release(engine, frame, _info("first"))
        if case == "changed":
            frame = change_values(frame, 0.01)
        start = time.perf_counter()
        if case == "reload_skip":
            cell = read_cell(engine, "bench", "bench", dt.date(2025, 1, 1))
            assert cell is not None
            assert cell.state in ("loaded", "unchanged")
            assert cell.payload_digest == "first".ljust(64, "0")
            outcome: dict[str, object] = {"state": "unchanged"}
        else:
            r = upsert_release(engine, frame, _info(case))
            outcome = {"state": r.state, "inserted": r.inserted, "revised": r.revised}
        result["seconds"] = time.perf_counter() - start
        result.update(outcome)
        with engine.connect() as conn:
            result["revision_rows"] = conn.execute(
                text("SELECT count(*) FROM trade_flow_revision")
            ).scalar_one()
    result["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
