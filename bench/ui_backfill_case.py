"""A small backfill from the Prefect UI against the same backfill with `tradeflow backfill` (issue 27).

python -m bench.ui_backfill_case [--start 2026-08] [--end 2026-10] [--latency 0.5] [--repeat 3]

The demo's releases of every source for three months (15 source-months, 21 releases), served by the replay
server after `--latency` seconds a call, loaded into a fresh SQLite warehouse each time:

- `cli`: `tradeflow backfill --start .. --end ..` as a user types it (PREFECT_API_URL unset: the command
  starts Prefect's temporary server), timed from the command to its exit;
- `ui`: the `backfill` deployment served by `tradeflow serve` on a running Prefect server, a run created
  from the deployment as the form's Submit does, timed from Submit to the run's final state;
- `ui_fan_out`: the same with TRADEFLOW_FAN_OUT_MIN_RELEASES=1, every source-month a child run of
  `backfill-month` (what every UI backfill did before).

Prints one JSON line: seconds of each try, the median, the parent's first log line after Submit, child runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from uuid import UUID

import requests
from sqlalchemy import create_engine, text

from bench.scale_case import _free_port, _prefect
from demo.replay import DEFAULT_ROOT, ReplayServer

ROOT = Path(__file__).resolve().parents[1]


def _count_releases(db: str) -> int:
    engine = create_engine(db)
    with engine.connect() as conn:
        n = int(conn.execute(text("SELECT count(*) FROM release")).scalar_one())
    engine.dispose()
    return n


def _wait_healthy(api: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{api}/health", timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise TimeoutError("prefect server did not start")


async def _submit_and_wait(api: str, start: str, end: str) -> dict[str, Any]:
    """What the form's Submit does, then watch the run: seconds to final, to its first log line; children."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterParentFlowRunId,
        LogFilter,
        LogFilterFlowRunId,
    )

    async with get_client() as client:
        deployment = await client.read_deployment_by_name("backfill/backfill")
        begun = time.perf_counter()
        run = await client.create_flow_run_from_deployment(
            deployment.id, parameters={"start_month": start, "end_month": end}
        )
        first_log: float | None = None
        while True:
            current = await client.read_flow_run(run.id)
            if first_log is None:
                logs = await client.read_logs(
                    log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run.id])), limit=1
                )
                if logs:
                    first_log = time.perf_counter() - begun
            if current.state is not None and current.state.is_final():
                break
            await asyncio.sleep(0.25)
        seconds = time.perf_counter() - begun
        children = await client.read_flow_runs(
            flow_run_filter=FlowRunFilter(parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[run.id]))
        )
        return {
            "seconds": seconds,
            "first_log_s": first_log,
            "child_runs": len(children),
            "state": current.state.name if current.state else "unknown",
            "run_id": str(UUID(str(run.id))),
        }


def _serve_and_run(env: dict[str, str], api: str, start: str, end: str) -> dict[str, Any]:
    serve = subprocess.Popen(
        [sys.executable, "-m", "cli", "serve"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            names = {
                d["name"] for d in requests.post(f"{api}/deployments/filter", json={}, timeout=10).json()
            }
            if {"backfill", "backfill-month"} <= names:
                break
            if serve.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"tradeflow serve did not serve: {serve.stderr.read()[-2000:]!r}")  # type: ignore[union-attr]
            time.sleep(0.5)
        os.environ["PREFECT_API_URL"] = api
        return asyncio.run(_submit_and_wait(api, start, end))
    finally:
        os.environ.pop("PREFECT_API_URL", None)
        serve.terminate()
        serve.wait(timeout=60)


def measure(start: str, end: str, latency: float, repeat: int) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="tradeflow-ui-backfill-"))
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    base = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TRADEFLOW_", "PREFECT_"))},
        "PREFECT_HOME": str(tmp / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "TRADEFLOW_CONFIG": str(ROOT / "demo" / "tradeflow.toml"),
        "TRADEFLOW_KR_CUSTOMS_SERVICE_KEY": "bench-key",
    }
    server = subprocess.Popen(
        [_prefect(), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env={**base, "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{tmp / 'prefect.db'}"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    out: dict[str, Any] = {"months": f"{start}..{end}", "latency_s": latency, "cases": {}}
    try:
        _wait_healthy(api)
        with ReplayServer(DEFAULT_ROOT, latency_s=latency) as replay:
            for i in range(repeat):
                for case in ("cli", "ui", "ui_fan_out"):
                    db = f"sqlite:///{tmp / f'{case}-{i}.db'}"
                    env = {
                        **base,
                        **replay.base_urls(),
                        "TRADEFLOW_DATABASE_URL": db,
                        "TRADEFLOW_DATA_DIR": str(tmp / f"data-{case}-{i}"),
                    }
                    if case == "cli":
                        begun = time.perf_counter()
                        subprocess.run(
                            [sys.executable, "-m", "cli", "backfill", "--start", start, "--end", end],
                            env=env, cwd=tmp, check=True, capture_output=True, timeout=900,
                        )  # fmt: skip
                        result: dict[str, Any] = {"seconds": time.perf_counter() - begun}
                    else:
                        if case == "ui_fan_out":
                            env["TRADEFLOW_FAN_OUT_MIN_RELEASES"] = "1"
                        result = _serve_and_run({**env, "PREFECT_API_URL": api}, api, start, end)
                    result["releases"] = _count_releases(db)
                    out["cases"].setdefault(case, []).append(result)
                    print(case, i, result, file=sys.stderr, flush=True)
    finally:
        server.terminate()
        server.wait(timeout=60)
        shutil.rmtree(tmp, ignore_errors=True)
    for case, tries in out["cases"].items():
        out[f"{case}_median_s"] = statistics.median(t["seconds"] for t in tries)
    out["ui_over_cli"] = out["ui_median_s"] / out["cli_median_s"]
    out["ui_fan_out_over_cli"] = out["ui_fan_out_median_s"] / out["cli_median_s"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--start", default="2026-08")
    parser.add_argument("--end", default="2026-10")
    parser.add_argument("--latency", type=float, default=0.5)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(measure(args.start, args.end, args.latency, args.repeat)))


if __name__ == "__main__":
    main()
