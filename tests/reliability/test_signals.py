"""Ctrl-C, SIGTERM and kill -9 of `tradeflow backfill` while releases are in flight, with the command's
own temporary Prefect server (PREFECT_API_URL unset): it stops within seconds with 130 / 143, records the
releases it cut off as `interrupted`, writes nothing half, and leaves no process behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine

from demo.replay import ReplayServer
from flows.runtime import reset_runtime, runtime
from tests.helpers import table_rows
from tests.reliability.harness import MONTHS, expected_figures, run_backfill, stored_figures

SOURCES = ["kr_customs", "cn_customs"]
CASES = [
    pytest.param(signal.SIGINT, "sqlite", id="SIGINT-sqlite"),
    pytest.param(signal.SIGTERM, "postgresql", id="SIGTERM-postgresql", marks=pytest.mark.postgres),
    pytest.param(signal.SIGKILL, "sqlite", id="SIGKILL-sqlite"),
]


def _servers_of(pid: int) -> list[int]:
    """The Prefect API servers this process started."""
    out = subprocess.run(
        ["ps", "-ww", "-eo", "pid,ppid,args"], capture_output=True, text=True, check=True
    ).stdout
    return [
        int(line.split()[0])
        for line in out.splitlines()[1:]
        if "prefect.server.api.server:create_app" in line and int(line.split()[1]) == pid
    ]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    out = subprocess.run(["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True).stdout
    return bool(out.strip()) and not out.strip().startswith("Z")


@pytest.mark.parametrize(("sent", "db_url"), CASES, indirect=["db_url"])
def test_a_signal_stops_the_run_and_leaves_nothing_behind(
    sent: signal.Signals,
    rel_env: dict[str, str],
    releases: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with ReplayServer(releases, latency_s=2.0) as slow:  # every call takes 2 s: releases stay in flight
        env = {**os.environ, **rel_env, **slow.base_urls(), "PREFECT_HOME": str(tmp_path / "prefect")}
        env["TRADEFLOW_HTTP_READ_TIMEOUT_S"] = "30"  # the slow server answers in 2 s: no release fails
        env.pop("PREFECT_API_URL")  # the command starts its own temporary server
        err = (tmp_path / "err.txt").open("w")
        command = [sys.executable, "-m", "flows", "backfill", "--start", MONTHS[0], "--end", MONTHS[-1]]
        command += [arg for source in SOURCES for arg in ("--source", source)]
        # Its own process group, as a shell gives a command: Ctrl-C in a terminal signals the whole group.
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True
        )
        deadline = time.monotonic() + 180
        servers: list[int] = []
        while time.monotonic() < deadline and "1/6 done: " not in (tmp_path / "err.txt").read_text():
            servers = servers or _servers_of(process.pid)
            assert process.poll() is None, (tmp_path / "err.txt").read_text()[-2000:]
            time.sleep(0.2)
        assert servers, "the command started no temporary Prefect server of its own"
        sent_at = time.monotonic()
        if sent == signal.SIGINT:
            os.killpg(process.pid, sent)  # as a terminal's Ctrl-C: to every process of the group
        else:
            process.send_signal(sent)
        code = process.wait(timeout=60)
        stopped_in = time.monotonic() - sent_at
        err.close()
    output = (tmp_path / "err.txt").read_text()
    assert code == {signal.SIGINT: 130, signal.SIGTERM: 143, signal.SIGKILL: -9}[sent], output[-2000:]
    assert stopped_in < 15, stopped_in
    for _ in range(50):  # the server is stopped by the command, or by the kernel when the command is killed
        if not any(_alive(pid) for pid in servers):
            break
        time.sleep(0.2)
    assert not any(_alive(pid) for pid in servers), "the temporary Prefect server outlived the command"

    monkeypatch.setenv("TRADEFLOW_DATABASE_URL", rel_env["TRADEFLOW_DATABASE_URL"])
    reset_runtime()
    engine: Engine = runtime().engine
    statuses = table_rows(engine, "ingest_status", order="source, scope, period")
    cut = [s for s in statuses if s["state"] == "interrupted"]
    if sent != signal.SIGKILL:
        assert "stopping; releases in flight are recorded as interrupted" in output
        assert cut, output[-2000:]
        assert all(
            "INTERRUPTED " + f"{s['source']} {str(s['period'])[:7]} {s['scope']}" in output for s in cut
        )
        assert "Traceback" not in output
    # Nothing half-written: every release row holds all its figures; then a run completes the rest.
    for release in table_rows(engine, "release"):
        figures = [f for f in table_rows(engine, "trade_flow") if f["first_release_id"] == release["id"]]
        assert len(figures) == release["rows"]
    import httpx

    assert httpx.get(f"{rel_env['PREFECT_API_URL']}/health").status_code == 200  # the tests' server lives on
    again = run_backfill(SOURCES)
    assert {o.state for o in again} <= {"loaded", "unchanged"}
    assert stored_figures(engine) == expected_figures(releases, SOURCES)
