"""A replayed year of every source, backfilled through the `backfill` deployment by 1, then 2 workers.

python -m bench.scale_case [--workers 1 2] [--latency 0.5]

Everything is real: `prefect server start`, `prefect deploy` of deploy/prefect.yaml onto a process pool,
`prefect worker start` processes, PostgreSQL. The replay server answers each call after `--latency`
seconds, as a distant publisher does (UN Comtrade takes seconds a call), so the backfill is bound by
waiting, as it is in production. Prints one JSON line: seconds and child runs for each worker count.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import create_engine, text

from demo.make_releases import write_releases
from demo.replay import ReplayServer
from extractors import publisher_ids

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = os.environ.get("TRADEFLOW_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
MONTHS = [f"2025-{m:02d}" for m in range(11, 13)] + [f"2026-{m:02d}" for m in range(1, 11)]


def _prefect() -> str:
    return shutil.which("prefect", path=str(Path(sys.executable).parent)) or "prefect"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _fresh_schema(name: str) -> str:
    engine = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {name}"))
    engine.dispose()
    sep = "&" if "?" in PG_ADMIN else "?"
    return f"{PG_ADMIN}{sep}options=-csearch_path%3D{name}"


def _count(url: str, table: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        n = int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
    engine.dispose()
    return n


async def _run_backfill(api: str) -> tuple[float, int, str]:
    """Run the backfill deployment; (seconds, its child runs, its final state)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId
    from prefect.deployments import arun_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api}):
        start = time.perf_counter()
        run = await arun_deployment(
            "backfill/backfill",
            timeout=3600,
            parameters={"start_month": MONTHS[0], "end_month": MONTHS[-1]},
        )
        seconds = time.perf_counter() - start
        async with get_client() as client:
            children = await client.read_flow_runs(
                flow_run_filter=FlowRunFilter(parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[run.id]))
            )
    state = (run.state.name if run.state else None) or "unknown"
    return seconds, len(children), state


def measure(worker_counts: list[int], latency: float) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="tradeflow-scale-"))
    releases = tmp / "releases"
    write_releases(releases, MONTHS)
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    base = {
        **os.environ,
        "PREFECT_HOME": str(tmp / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{tmp / 'prefect.db'}",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "PREFECT_API_URL": api,
        "PREFECT_WORKER_QUERY_SECONDS": "1",
        "TRADEFLOW_HOME": str(ROOT),
        "TRADEFLOW_CONFIG": str(ROOT / "demo" / "tradeflow.toml"),
        "TRADEFLOW_KR_CUSTOMS_SERVICE_KEY": "bench-key",
        "TRADEFLOW_MIN_INTERVAL_S": "{}",
        "TRADEFLOW_SOURCE_CONCURRENCY": json.dumps(dict.fromkeys(publisher_ids(), 2)),
    }
    server = subprocess.Popen(
        [_prefect(), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env={k: v for k, v in base.items() if k != "PREFECT_API_URL"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    results: dict[str, Any] = {
        "months": len(MONTHS),
        "sources": len(publisher_ids()),
        "latency_s": latency,
        "runs": {},
    }
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.get(f"{api}/health", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("prefect server did not start")
            time.sleep(0.5)
        with ReplayServer(releases, latency_s=latency) as replay:
            env = {**base, **replay.base_urls()}
            for command in (
                [_prefect(), "work-pool", "create", "tradeflow", "--type", "process", "--overwrite"],
                [_prefect(), "--no-prompt", "deploy", "--all", "--prefect-file", "deploy/prefect.yaml"],
            ):
                subprocess.run(command, env=env, cwd=ROOT, check=True, capture_output=True, timeout=300)
            for n in worker_counts:
                db = _fresh_schema(f"tradeflow_scale_{n}")
                worker_env = {**env, "TRADEFLOW_DATABASE_URL": db}
                workers = [
                    subprocess.Popen(
                        [
                            *(_prefect(), "worker", "start", "--pool", "tradeflow", "--type", "process"),
                            *("--name", f"bench-{n}-{i}", "--limit", "3"),
                        ],
                        env={**worker_env, "TRADEFLOW_DATA_DIR": str(tmp / f"data-{n}-{i}")},
                        cwd=ROOT,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                    for i in range(n)
                ]
                try:
                    seconds, children, state = asyncio.run(_run_backfill(api))
                finally:
                    for w in workers:
                        w.terminate()
                    for w in workers:
                        w.wait(timeout=60)
                results["runs"][str(n)] = {
                    "seconds": seconds,
                    "child_runs": children,
                    "state": state,
                    "releases": _count(db, "release"),
                    "figures": _count(db, "trade_flow"),
                }
                print(n, results["runs"][str(n)], file=sys.stderr, flush=True)
    finally:
        server.terminate()
        server.wait(timeout=60)
        shutil.rmtree(tmp, ignore_errors=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--latency", type=float, default=0.5)
    args = parser.parse_args()
    print(json.dumps(measure(args.workers, args.latency)))


if __name__ == "__main__":
    main()
