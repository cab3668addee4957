"""A process killed with SIGKILL in the middle of a large upsert, and two backfills at once, on both
databases: afterwards the warehouse is exactly what it must be."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from cli.local import ingest_file
from demo.replay import ReplayServer
from tests.helpers import backfills_at_once, canonical_frame, count, empty_config, snapshot, table_rows
from tests.reliability.harness import expected_figures, stored_figures
from transforms.canonical import format_canonical
from transforms.schema import validate_canonical
from warehouse.engine import create_warehouse_engine
from warehouse.migrate import upgrade

BIG = 200_000


def _in_transaction(db_url: str) -> bool:
    """Is another process inside its write transaction right now?"""
    if db_url.startswith("sqlite"):
        conn = sqlite3.connect(db_url.removeprefix("sqlite:///"), timeout=0)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.rollback()
            return False
        except sqlite3.OperationalError as exc:
            return "locked" in str(exc)
        finally:
            conn.close()
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            busy = conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND state <> 'idle'"
                    " AND (query ILIKE '%tradeflow_stage%' OR query ILIKE '%INSERT INTO release%'"
                    " OR query ILIKE '%pg_advisory_xact_lock%')"
                )
            ).scalar_one()
        return bool(busy)
    finally:
        engine.dispose()


def test_sigkill_in_the_middle_of_a_large_upsert(db_url: str, tmp_path: Path) -> None:
    engine = create_warehouse_engine(db_url)
    upgrade(engine)
    base = tmp_path / "base.csv"
    base.write_text(format_canonical(validate_canonical(canonical_frame(1000)), "csv"), encoding="utf-8")
    ingest_file(engine, tmp_path / "data", "canonical", base)
    big_frame = canonical_frame(BIG, seed=3)  # the first 1,000 figures revised, 199,000 new
    big = tmp_path / "big.csv"
    big.write_text(format_canonical(validate_canonical(big_frame), "csv"), encoding="utf-8")
    before = snapshot(engine)

    env = {
        **os.environ,
        "TRADEFLOW_DATABASE_URL": db_url,
        "TRADEFLOW_DATA_DIR": str(tmp_path / "data"),
        "TRADEFLOW_CONFIG": empty_config(tmp_path),
    }
    cmd = [sys.executable, "-m", "flows", "ingest-file", "--source", "canonical", str(big)]
    process = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not _in_transaction(db_url):
        assert process.poll() is None, "the load finished before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(0.3)  # well inside the staging and merge of 200,000 rows
    assert process.poll() is None, "the load finished before it could be interrupted: make it larger"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL

    deadline = time.monotonic() + 30
    while _in_transaction(db_url) and time.monotonic() < deadline:  # PostgreSQL notices the dead client
        time.sleep(0.1)
    assert snapshot(engine) == before
    if db_url.startswith("sqlite"):
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"

    rerun = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert f"{BIG} rows, {BIG - 1000} new, 1000 revised" in rerun.stdout
    assert count(engine, "trade_flow") == BIG
    assert count(engine, "trade_flow_revision") == 1000
    assert len(table_rows(engine, "release")) == 2
    engine.dispose()


@pytest.mark.prefect
def test_two_backfills_at_once(flow_env: dict[str, str], replay: ReplayServer, releases: Path) -> None:
    first, second = backfills_at_once(
        {**os.environ, **flow_env},
        ["--start", "2026-08", "--end", "2026-10"],
        ["--start", "2026-09", "--end", "2026-10", "--force"],
    )
    for name, result in (("first", first), ("second", second)):
        assert result.returncode == 0, (name, result.stderr[-3000:])
        assert "database is locked" not in result.stderr and "deadlock" not in result.stderr.lower()
    engine: Engine = create_warehouse_engine(flow_env["TRADEFLOW_DATABASE_URL"])
    sources = ["un_comtrade", "kr_customs", "cn_customs", "us_census", "eurostat_comext"]
    assert stored_figures(engine) == expected_figures(releases, sources)
    assert table_rows(engine, "trade_flow_revision") == []
    releases_rows = table_rows(engine, "release")
    keys = [(r["source"], r["scope"], str(r["period"]), r["sha256"]) for r in releases_rows]
    assert len(keys) == len(set(keys))
    engine.dispose()
