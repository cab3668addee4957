"""The warehouse itself failing under a run: a write lock held by another process, a full disk, text that
PostgreSQL refuses. Every release's failure reaches `ingest_status` with a line saying what to do.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine

from flows import runtime as runtime_module
from flows.runtime import reset_runtime, runtime
from tests.conftest import IN_CI
from tests.helpers import count, table_rows
from tests.reliability.harness import MONTHS, expected_figures, run_backfill, stored_figures

SOURCES = ["kr_customs", "un_comtrade"]


# SQLite's file lock and its disk: PostgreSQL has neither (its deadlines are tested in test_deadlines.py).
sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@sqlite_only
def test_a_write_lock_held_by_another_process_fails_fast_and_is_recorded(
    rel_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, releases: Path
) -> None:
    monkeypatch.setenv("TRADEFLOW_SQLITE_BUSY_TIMEOUT_S", "2")
    reset_runtime()
    engine: Engine = runtime().engine
    holder = sqlite3.connect(
        rel_env["TRADEFLOW_DATABASE_URL"].removeprefix("sqlite:///"), timeout=30, check_same_thread=False
    )
    holder.isolation_level = None
    holder.execute("BEGIN IMMEDIATE")  # another process's write lock, as a sqlite3 shell would hold it

    def release_when_the_run_gave_up() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            current = runtime_module.current_runtime()
            if current is not None and current.warehouse_down:
                break
            time.sleep(0.05)
        time.sleep(0.3)
        holder.execute("COMMIT")

    releaser = threading.Thread(target=release_when_the_run_gave_up)
    releaser.start()
    try:
        outcomes = run_backfill(SOURCES)
    finally:
        releaser.join()
        holder.close()
    assert len(outcomes) == 6 and {o.state for o in outcomes} == {"failed"}
    assert all("locked by another process" in o.message for o in outcomes)
    assert any("not tried" in o.message for o in outcomes)  # the run stopped waiting after the first
    statuses = table_rows(engine, "ingest_status", order="source, scope, period")
    assert len(statuses) == 6 and {s["state"] for s in statuses} == {"failed"}
    assert all("close the other writer" in str(s["message"]) for s in statuses)
    assert count(engine, "trade_flow") == count(engine, "release") == 0
    # The lock gone, the next run loads everything.
    again = run_backfill(SOURCES)
    assert {o.state for o in again} == {"loaded"}, [o.message for o in again]
    assert stored_figures(engine) == expected_figures(releases, SOURCES)


@sqlite_only
def test_a_full_disk_fails_the_run_with_a_line_saying_so(
    rel_env: dict[str, str], tmp_path: Path, releases: Path
) -> None:
    """The warehouse on a 4 MiB file system (a tmpfs in a mount namespace of its own), nearly filled (an
    empty warehouse with its reference tables takes about 1 MiB)."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        if IN_CI:
            pytest.fail("CI runs as root with unshare: the full-disk test must run")
        pytest.skip("needs root and unshare to mount a small file system")
    disk = tmp_path / "small-disk"
    disk.mkdir()
    database = disk / "warehouse.db"
    env = {**rel_env, "TRADEFLOW_DATABASE_URL": f"sqlite:///{database}", "TRADEFLOW_TASK_RETRIES": "0"}
    backfill = f"{sys.executable} -m flows backfill --start {MONTHS[0]} --end {MONTHS[-1]}"
    backfill += "".join(f" --source {s}" for s in SOURCES)
    script = f"""
set -u
mount -t tmpfs -o size=4m tmpfs {disk}
{sys.executable} -m flows db upgrade >/dev/null || exit 90
free=$(df --output=avail -B1 {disk} | tail -1)
head -c $((free - 49152)) /dev/zero > {disk}/filler
{backfill} > {tmp_path}/full.out 2> {tmp_path}/full.err
echo "full=$?"
{sys.executable} -c "import sqlite3; print('integrity=' + sqlite3.connect('{database}').execute('PRAGMA integrity_check').fetchone()[0])"
rm {disk}/filler
{backfill} > {tmp_path}/freed.out 2> {tmp_path}/freed.err
echo "freed=$?"
{sys.executable} -c "import sqlite3; c = sqlite3.connect('{database}'); print('figures=%d' % c.execute('SELECT count(*) FROM trade_flow').fetchone()[0])"
"""
    result = subprocess.run(
        ["unshare", "-m", "bash", "-c", script], env=env, capture_output=True, text=True, timeout=600
    )
    report = dict(line.split("=", 1) for line in result.stdout.split() if "=" in line)
    full_err = (tmp_path / "full.err").read_text()
    assert report.get("full") == "1", (result.stdout, result.stderr, full_err[-3000:])
    assert "is full: free space and run again" in full_err
    assert "Traceback" not in full_err
    assert report.get("integrity") == "ok"
    freed_err = (tmp_path / "freed.err").read_text()
    assert report.get("freed") == "0", freed_err[-3000:]
    assert int(report["figures"]) == len(expected_figures(releases, SOURCES))
