"""`tradeflow query` is read-only by construction, stops on time and fetches only what it prints.

Each hostile statement goes through the real CLI against a warehouse with figures and revisions, on
SQLite and PostgreSQL; the warehouse must be exactly as before, and the user gets one line saying why.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, text

from tests.helpers import canonical_frame, empty_config, release_info, snapshot
from warehouse.upsert import upsert_release

HOSTILE = [
    "COMMIT; DELETE FROM trade_flow_revision; DELETE FROM trade_flow",
    "ROLLBACK; UPDATE trade_flow SET value=1, first_value=1",
    "COMMIT; DROP TABLE trade_flow_revision",
    "DELETE FROM trade_flow",
    "UPDATE trade_flow SET value = 1",
    "DROP TABLE trade_flow",
    "INSERT INTO release (source) VALUES ('x')",
    "WITH gone AS (DELETE FROM trade_flow RETURNING id) SELECT * FROM gone",
    "SELECT 1; DELETE FROM trade_flow",
    "SET TRANSACTION READ WRITE",
]
SQLITE_ONLY = [
    "PRAGMA query_only = OFF",
    "VACUUM INTO '{tmp}/copy.db'",
    "ATTACH DATABASE '{tmp}/other.db' AS other",
]


def _cli(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flows", *args], env=env, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture
def loaded(engine: Engine, db_url: str, tmp_path: Path) -> dict[str, str]:
    """A warehouse with 40 figures, 40 revisions; the environment that points the CLI at it."""
    frame = canonical_frame(40)
    upsert_release(engine, frame, release_info(b"one"))
    upsert_release(engine, frame.assign(value=frame["value"] + 1), release_info(b"two"))
    return {
        **os.environ,
        "TRADEFLOW_DATABASE_URL": db_url,
        "TRADEFLOW_CONFIG": empty_config(tmp_path),
    }


def test_no_statement_can_write(engine: Engine, db_url: str, loaded: dict[str, str], tmp_path: Path) -> None:
    before = snapshot(engine)
    statements = HOSTILE + ([s.format(tmp=tmp_path) for s in SQLITE_ONLY] if "sqlite" in db_url else [])
    for sql in statements:
        result = _cli(loaded, "query", sql)
        assert result.returncode == 1, (sql, result.stdout, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("tradeflow query: "), (sql, result.stderr)
        assert "Traceback" not in result.stderr
    assert snapshot(engine) == before
    assert not (tmp_path / "copy.db").exists() and not (tmp_path / "other.db").exists()
    # ... and an honest read still works, through the same path.
    result = _cli(loaded, "query", "SELECT count(*) AS n FROM trade_flow_revision")
    assert result.returncode == 0 and result.stdout.split() == ["n", "40"], result.stderr


def test_a_slow_query_stops_at_the_timeout(engine: Engine, db_url: str, loaded: dict[str, str]) -> None:
    if "sqlite" in db_url:
        endless = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r"
    else:
        endless = "SELECT pg_sleep(1000)"
    started = time.monotonic()
    result = _cli(loaded, "query", "--timeout", "2", endless, timeout=60)
    elapsed = time.monotonic() - started
    assert result.returncode == 1
    assert "timed out after 2 s" in result.stderr
    assert elapsed < 30, elapsed
    if "postgresql" in db_url:  # the server stopped it too: no backend left sleeping
        with engine.connect() as conn:
            sleeping = conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE query LIKE '%pg_sleep(1000)%' AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
        assert sleeping == 0


def test_only_the_rows_printed_are_fetched(db_url: str, loaded: dict[str, str]) -> None:
    """A result of 10^12 rows: a table shows 200, `--limit` caps CSV and JSON, and nothing runs out
    of memory (fetching it whole would never end)."""
    huge = (
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 1000000)"
        " SELECT a.n AS a, b.n AS b FROM r a, r b"
    )
    result = _cli(loaded, "query", "--timeout", "60", huge, timeout=90)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 201 and lines[0].split() == ["a", "b"]
    assert "first 200 rows shown" in result.stderr
    result = _cli(loaded, "query", "--format", "csv", "--limit", "3", huge, timeout=90)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["a,b", "1,1", "1,2", "1,3"]
    result = _cli(loaded, "query", "--format", "json", "--limit", "2", "SELECT 1 AS one, NULL AS empty")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [{"one": 1, "empty": None}]


def test_query_streams_everything_without_a_limit_in_csv(loaded: dict[str, str]) -> None:
    result = _cli(loaded, "query", "--format", "csv", "SELECT period, value FROM trade_flow ORDER BY value")
    assert result.returncode == 0, result.stderr
    frame = pd.read_csv(io.StringIO(result.stdout))
    assert len(frame) == 40 and frame["period"].iloc[0] == dt.date(2026, 1, 1).isoformat()


def _strict(text_: str) -> object:
    def refuse(constant: str) -> None:
        raise AssertionError(f"bare {constant} in JSON output")

    return json.loads(text_, parse_constant=refuse)


def test_json_output_never_holds_infinity_or_nan(
    engine: Engine, db_url: str, loaded: dict[str, str], tmp_path: Path
) -> None:
    """mirror_flows printed bare `Infinity` once a rate crossed into infinity: invalid JSON. A number that
    is not finite is null in every JSON tradeflow writes (query and export), on both databases."""
    if "sqlite" in db_url:
        sql = "SELECT 9e999 AS up, -9e999 AS down, 1.5 AS fine"
    else:
        sql = (
            "SELECT 'Infinity'::float8 AS up, '-Infinity'::numeric AS down, 'NaN'::float8 AS nan, 1.5 AS fine"
        )
    result = _cli(loaded, "query", "--format", "json", sql)
    assert result.returncode == 0, result.stderr
    (record,) = _strict(result.stdout)  # type: ignore[misc]
    assert record["up"] is None and record["down"] is None and record["fine"] == 1.5
    assert record.get("nan") is None
    with engine.begin() as conn:  # a stored infinity (written before the rule) exported as JSON
        conn.execute(text("UPDATE trade_flow SET value = :v WHERE id = 1"), {"v": float("inf")})
    out = tmp_path / "flows.json"
    result = _cli(loaded, "export", "--view", "trade_flow", "--format", "json", "--out", str(out))
    assert result.returncode == 0, result.stderr
    records = _strict(out.read_text(encoding="utf-8"))
    assert isinstance(records, list) and [r["value"] for r in records if r["id"] == 1] == [None]


# Functions a SELECT could call with the default superuser URL, each with a side effect that outlives the
# read-only transaction or reaches past the warehouse (issue 26, item 7).
HOSTILE_FUNCTIONS = {
    "replication slot": "SELECT pg_create_logical_replication_slot('tf_probe_slot', 'test_decoding')",
    "read a server file": "SELECT pg_read_file('/etc/passwd')",
    "reset statistics": "SELECT pg_stat_reset()",
    "reload the configuration": "SELECT pg_reload_conf()",
    "terminate a loader": "SELECT pg_terminate_backend({pid})",
    "read the reader's own login": "SELECT * FROM query_reader",
}


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_query_has_no_rights_beyond_reading(engine: Engine, loaded: dict[str, str]) -> None:
    with engine.connect() as loader:  # a loader's session, which a query must not be able to kill
        pid = loader.execute(text("SELECT pg_backend_pid()")).scalar_one()
        for name, sql in HOSTILE_FUNCTIONS.items():
            result = _cli(loaded, "query", sql.format(pid=pid))
            assert result.returncode == 1, (name, result.stdout, result.stderr)
            assert re.search("permission denied|must be (a )?superuser", result.stderr), (name, result.stderr)
            assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
        assert loader.execute(text("SELECT 1")).scalar_one() == 1  # still alive
    with engine.connect() as conn:
        slots = conn.execute(
            text("SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'tf_probe_slot'")
        )
        assert slots.scalar_one() == 0
    # Reading is all it can do, and it can read every view and table of the warehouse.
    for relation in ("trade_flow_latest", "trade_flow_growth", "mirror_flows", "release", "ingest_status"):
        result = _cli(loaded, "query", f"SELECT count(*) AS n FROM {relation}")
        assert result.returncode == 0, (relation, result.stderr)


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_query_that_turns_the_server_timeout_off_still_stops_at_its_deadline(
    engine: Engine, loaded: dict[str, str]
) -> None:
    """`set_config('statement_timeout', '0', false)` defeated `--timeout`: 2 s asked, 32 s run, and the
    server went on after the client was killed. The client now cancels the statement at the deadline."""
    # The first batch of 1,000 rows turns the timeout off; the next fetch, a statement of its own, sleeps.
    sql = (
        "SELECT set_config('statement_timeout', '0', false) AS s FROM generate_series(1, 1000)"
        " UNION ALL SELECT pg_sleep(30)::text"
    )
    started = time.monotonic()
    result = _cli(loaded, "query", "--format", "csv", "--timeout", "2", sql, timeout=60)
    assert result.returncode == 1 and "timed out after 2 s" in result.stderr, result.stderr
    assert time.monotonic() - started < 10
    with engine.connect() as conn:
        running = conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
    assert running == 0


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_lock_taken_in_a_query_does_not_block_a_sources_writers(
    engine: Engine, loaded: dict[str, str]
) -> None:
    """Writers serialised on advisory locks, which any session can take: a query holding the source's key
    blocked every load of that source. Writers now lock their source's row, which a query cannot."""
    import zlib

    key = zlib.crc32(b"tradeflow:test_src")
    holder = subprocess.Popen(
        [sys.executable, "-m", "flows", "query", "--timeout", "30",
         f"SELECT pg_advisory_lock({key}), pg_sleep(20)"],
        env=loaded, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                held = conn.execute(
                    text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = :k"),
                    {"k": key},
                ).scalar_one()
            if held:
                break
            time.sleep(0.2)
        assert held, "the query never took its lock"
        started = time.monotonic()
        frame = canonical_frame(40)
        result = upsert_release(engine, frame.assign(value=frame["value"] + 2), release_info(b"three"))
        assert result.revised == 40 and time.monotonic() - started < 5
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_query_slow_on_every_row_stops_within_a_second_of_its_deadline(
    db_url: str, loaded: dict[str, str]
) -> None:
    """`--timeout 1` on a query that is slow per row ran 64 s: the progress handler came round only every
    10,000 steps. A timer now interrupts the connection at the deadline."""
    slow = (
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 200)"
        " SELECT n, length(randomblob(100000000)) AS b FROM r"
    )
    started = time.monotonic()
    result = _cli(loaded, "query", "--timeout", "1", "--format", "csv", slow, timeout=120)
    elapsed = time.monotonic() - started
    assert result.returncode == 1 and "timed out after 1 s" in result.stderr, result.stderr
    assert elapsed < 6, elapsed  # the process starting takes most of it
