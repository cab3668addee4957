"""A real `prefect server start`, `tradeflow serve` against it, then the Prefect client: the deployments
exist with their schedule and form, and a backfill started with run_deployment loads the warehouse."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from demo.replay import DEFAULT_ROOT, ReplayServer
from tests.helpers import table_rows
from warehouse.engine import create_warehouse_engine

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.prefect


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str, seconds: float, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode}")
        try:
            if requests.get(url, timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {seconds}s")


@pytest.fixture(scope="module")
def prefect_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    tmp_path = tmp_path_factory.mktemp("prefect-server")
    port = _free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{tmp_path / 'prefect.db'}",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }
    env.pop("PREFECT_API_URL", None)
    prefect = shutil.which("prefect", path=str(Path(sys.executable).parent)) or "prefect"
    server = subprocess.Popen(
        [prefect, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    api = f"http://127.0.0.1:{port}/api"
    try:
        _wait(f"{api}/health", 90, server)
        yield api, env
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_serve_registers_both_deployments_and_runs_a_backfill(
    prefect_api: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    api, base_env = prefect_api
    db = f"sqlite:///{tmp_path / 'warehouse.db'}"
    with ReplayServer(DEFAULT_ROOT) as replay:
        env = {
            **base_env,
            **replay.base_urls(),
            "PREFECT_API_URL": api,
            "TRADEFLOW_DATABASE_URL": db,
            "TRADEFLOW_DATA_DIR": str(tmp_path / "data"),
            "TRADEFLOW_CONFIG": str(ROOT / "demo" / "tradeflow.toml"),
            "TRADEFLOW_KR_CUSTOMS_SERVICE_KEY": "demo-key",
            "TRADEFLOW_MIN_INTERVAL_S": "{}",
            "TRADEFLOW_NIGHTLY_CRON": "15 3 * * *",
            "TRADEFLOW_NIGHTLY_TIMEZONE": "Asia/Seoul",
        }
        serve = subprocess.Popen(
            [sys.executable, "-m", "flows", "serve"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            asyncio.run(_check(api, serve))
        finally:
            serve.terminate()
            serve.wait(timeout=30)
    engine = create_warehouse_engine(db)
    rows = table_rows(engine, "trade_flow")
    assert {r["source"] for r in rows} == {"kr_customs"} and len(rows) == 12
    engine.dispose()


async def _check(api: str, serve: subprocess.Popen[bytes]) -> None:
    os.environ["PREFECT_API_URL"] = api
    try:
        from prefect.client.orchestration import get_client
        from prefect.deployments import arun_deployment
        from prefect.settings import PREFECT_API_URL, temporary_settings

        with temporary_settings({PREFECT_API_URL: api}):
            async with get_client() as client:
                deadline = time.monotonic() + 90
                names: set[str] = set()
                while time.monotonic() < deadline and names != {"nightly", "backfill"}:
                    if serve.poll() is not None:
                        raise RuntimeError(f"tradeflow serve exited: {serve.stderr.read()[-2000:]!r}")  # type: ignore[union-attr]
                    names = {d.name for d in await client.read_deployments()}
                    await asyncio.sleep(0.5)
                assert names == {"nightly", "backfill"}
                nightly = await client.read_deployment_by_name("nightly/nightly")
                (schedule,) = nightly.schedules
                assert (schedule.schedule.cron, schedule.schedule.timezone) == ("15 3 * * *", "Asia/Seoul")
                backfill = await client.read_deployment_by_name("backfill/backfill")
                props = backfill.parameter_openapi_schema["properties"]
                assert props["start_month"]["pattern"] == r"^\d{4}-(0[1-9]|1[0-2])$"
                assert props["start_month"]["title"] == "Start month" and props["start_month"]["description"]
                enum = props["sources"]["anyOf"][0]["items"]["enum"]
                assert enum == ["un_comtrade", "kr_customs", "cn_customs", "us_census"]
                assert props["force"]["type"] == props["dry_run"]["type"] == "boolean"
                run = await arun_deployment(
                    "backfill/backfill",
                    timeout=180,
                    parameters={"start_month": "2026-08", "end_month": "2026-09", "sources": ["kr_customs"]},
                )
                assert run.state is not None and run.state.is_completed(), run.state
    finally:
        os.environ.pop("PREFECT_API_URL", None)


def test_prefect_yaml_deploys_both_deployments_to_a_process_pool(
    prefect_api: tuple[str, dict[str, str]],
) -> None:
    api, base_env = prefect_api
    env = {**base_env, "PREFECT_API_URL": api, "TRADEFLOW_HOME": str(ROOT)}
    prefect = shutil.which("prefect", path=str(Path(sys.executable).parent)) or "prefect"
    pool = subprocess.run(
        [prefect, "work-pool", "create", "tradeflow", "--type", "process", "--overwrite"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert pool.returncode == 0, pool.stderr[-2000:]
    deploy = subprocess.run(
        [prefect, "--no-prompt", "deploy", "--all", "--prefect-file", "deploy/prefect.yaml"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert deploy.returncode == 0, (deploy.stdout[-2000:], deploy.stderr[-2000:])
    asyncio.run(_check_yaml(api))


async def _check_yaml(api: str) -> None:
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api}):
        async with get_client() as client:
            nightly = await client.read_deployment_by_name("nightly/nightly")
            assert nightly.work_pool_name == "tradeflow"
            assert nightly.entrypoint == "flows/prefect_flows.py:nightly"
            (schedule,) = nightly.schedules
            assert (schedule.schedule.cron, schedule.schedule.timezone) == ("30 2 * * *", "Asia/Seoul")
            backfill = await client.read_deployment_by_name("backfill/backfill")
            assert backfill.work_pool_name == "tradeflow" and not backfill.schedules
            assert backfill.parameter_openapi_schema["properties"]["start_month"]["title"] == "Start month"
