"""A real `prefect server start`, `tradeflow serve` against it, then the Prefect client: the deployments
exist with their schedule and form, and a backfill started with run_deployment loads the warehouse."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from demo.replay import DEFAULT_ROOT, ReplayServer
from extractors import publisher_ids
from tests.helpers import table_rows
from warehouse.engine import create_warehouse_engine

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.prefect
EXPECTED = {"nightly", "backfill", "backfill-month", "watch"}


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
            "TRADEFLOW_CONFIG": str(ROOT / "tests" / "flows.toml"),
            "TRADEFLOW_KR_CUSTOMS_SERVICE_KEY": "demo-key",
            "TRADEFLOW_MIN_INTERVAL_S": "{}",
            "TRADEFLOW_NIGHTLY_CRON": "15 3 * * *",
            "TRADEFLOW_NIGHTLY_TIMEZONE": "Asia/Seoul",
        }
        # The nightly deployed before under another schedule label (Prefect keeps one schedule per label):
        # `tradeflow serve` must forget it when it starts, or the nightly would run twice.
        asyncio.run(_deploy_nightly_with_an_old_schedule(api))
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
    assert {r["source"] for r in rows} == {"kr_customs"} and len(rows) == 18  # August-October
    (october,) = [r for r in table_rows(engine, "release") if str(r["period"]).startswith("2026-10")]
    assert october["published_at"] is None  # a run at another moment (as_of) claims no publication time
    engine.dispose()


async def _deploy_nightly_with_an_old_schedule(api: str) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import DeploymentScheduleCreate
    from prefect.client.schemas.schedules import CronSchedule
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api}):
        async with get_client() as client:
            flow_id = await client.create_flow_from_name("nightly")
            old = CronSchedule(cron="0 1 * * *", timezone="UTC")
            await client.create_deployment(
                flow_id,
                "nightly",
                schedules=[DeploymentScheduleCreate(schedule=old, slug="At 01:00 AM every day")],
            )


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
                while time.monotonic() < deadline and names != EXPECTED:
                    if serve.poll() is not None:
                        raise RuntimeError(f"tradeflow serve exited: {serve.stderr.read()[-2000:]!r}")  # type: ignore[union-attr]
                    names = {d.name for d in await client.read_deployments()}
                    await asyncio.sleep(0.5)
                assert names == EXPECTED
                nightly = await client.read_deployment_by_name("nightly/nightly")
                (schedule,) = nightly.schedules  # the one deployed before under another label is gone
                assert (schedule.schedule.cron, schedule.schedule.timezone) == ("15 3 * * *", "Asia/Seoul")
                assert schedule.slug == "Every day at 03:15, Asia/Seoul time"  # shown on the deployment page
                # A schedule left from an earlier cron (Prefect keeps one per label) is forgotten when
                # `tradeflow serve` starts, so the nightly never runs twice.
                from prefect.client.schemas.actions import DeploymentScheduleCreate
                from prefect.client.schemas.schedules import CronSchedule

                from flows.deployments import forget_other_schedules

                await client.create_deployment_schedules(
                    nightly.id,
                    [
                        DeploymentScheduleCreate(
                            schedule=CronSchedule(cron="0 1 * * *", timezone="UTC"), slug="an old one"
                        )
                    ],
                )
                assert forget_other_schedules("nightly/nightly", [schedule.slug]) == ["an old one"]
                left = (await client.read_deployment_by_name("nightly/nightly")).schedules
                assert [s.slug for s in left] == [schedule.slug]
                assert "03:15" in str(nightly.description) and "Asia/Seoul" in str(nightly.description)
                backfill = await client.read_deployment_by_name("backfill/backfill")
                props = backfill.parameter_openapi_schema["properties"]
                # No pattern (the form would report it as a raw regular expression) and no `| None` (the
                # form would open on a "None" tab): see flows/prefect_flows.py.
                assert props["start_month"]["type"] == "string" and "pattern" not in props["start_month"]
                assert (
                    props["start_month"]["title"] == "Start month"
                    and "YYYY-MM" in props["start_month"]["description"]
                )
                assert props["end_month"] == {**props["end_month"], "type": "string", "default": ""}
                enabled = ["cn_customs", "eurostat_comext", "kr_customs", "un_comtrade", "us_census"]
                assert props["sources"]["items"]["enum"] == publisher_ids()  # every registered source
                assert props["sources"]["default"] == enabled  # the ones tests/flows.toml enables
                assert "anyOf" not in props["sources"] and "anyOf" not in props["end_month"]
                assert props["force"]["type"] == props["dry_run"]["type"] == "boolean"
                run = await arun_deployment(
                    "backfill/backfill",
                    timeout=180,
                    parameters={"start_month": "2026-08", "end_month": "2026-09", "sources": ["kr_customs"]},
                )
                assert run.state is not None and run.state.is_completed(), run.state
                watch = await client.read_deployment_by_name("watch/watch")
                (every_10,) = watch.schedules
                assert (
                    every_10.schedule.interval.total_seconds() == 600 and every_10.slug == "Every 10 minutes"
                )
                anchor = every_10.schedule.anchor_date  # on the hour: runs at the round release times
                assert (anchor.minute, anchor.second) == (0, 0)
                # Korea's October, five minutes after its moment (the 1st of November, 09:00 Seoul time):
                # the watch run from its deployment probes, finds it out and loads it.
                run = await arun_deployment(
                    "watch/watch", timeout=180, parameters={"as_of": "2026-11-01T09:05+09:00"}
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
    # A server where the yaml's deployments are new (the served ones of another test carry another label).
    subprocess.run(
        [prefect, "deployment", "delete", "nightly/nightly"], env=env, capture_output=True, timeout=120
    )
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
            assert schedule.slug == "Every day at 02:30, Asia/Seoul time"
            backfill = await client.read_deployment_by_name("backfill/backfill")
            assert backfill.work_pool_name == "tradeflow" and not backfill.schedules
            assert backfill.parameter_openapi_schema["properties"]["start_month"]["title"] == "Start month"
            watch = await client.read_deployment_by_name("watch/watch")
            assert watch.work_pool_name == "tradeflow" and watch.entrypoint == "flows/watch.py:watch"
            (every_10,) = watch.schedules
            assert every_10.schedule.interval.total_seconds() == 600
            month = await client.read_deployment_by_name("backfill-month/backfill-month")
            assert month.work_pool_name == "tradeflow" and not month.schedules
            assert month.entrypoint == "flows/prefect_flows.py:backfill_month"


def _start_worker(name: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    prefect = shutil.which("prefect", path=str(Path(sys.executable).parent)) or "prefect"
    return subprocess.Popen(
        [
            prefect,
            "worker",
            "start",
            "--pool",
            "tradeflow",
            "--type",
            "process",
            "--name",
            name,
            "--limit",
            "2",
        ],
        env=env,
        cwd=ROOT,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


@pytest.mark.postgres
def test_two_workers_share_a_backfill_on_postgres(
    prefect_api: tuple[str, dict[str, str]], tmp_path: Path, postgres_schemas: Callable[[], str]
) -> None:
    """`prefect deploy` onto the process pool, two `prefect worker start`, one backfill from the
    deployment: it fans out one child run per source and month, each taken by exactly one worker, and the
    warehouse ends up identical to a single-process backfill."""
    from tests.test_scaling import warehouse_content

    api, base_env = prefect_api
    shared_db, reference_db = postgres_schemas(), postgres_schemas()
    with ReplayServer(DEFAULT_ROOT) as replay:
        common = {
            **base_env,
            **replay.base_urls(),
            "PREFECT_API_URL": api,
            "PREFECT_LOGGING_LEVEL": "INFO",
            "PREFECT_WORKER_QUERY_SECONDS": "1",
            "TRADEFLOW_HOME": str(ROOT),
            "TRADEFLOW_CONFIG": str(ROOT / "tests" / "flows.toml"),
            "TRADEFLOW_KR_CUSTOMS_SERVICE_KEY": "demo-key",
            "TRADEFLOW_MIN_INTERVAL_S": "{}",
            # Ten source-months are below the default threshold for child runs (48 releases): ask for them.
            "TRADEFLOW_FAN_OUT_MIN_RELEASES": "1",
        }
        prefect = shutil.which("prefect", path=str(Path(sys.executable).parent)) or "prefect"
        for command in (
            [prefect, "work-pool", "create", "tradeflow", "--type", "process", "--overwrite"],
            [prefect, "--no-prompt", "deploy", "--all", "--prefect-file", "deploy/prefect.yaml"],
        ):
            done = subprocess.run(command, env=common, cwd=ROOT, capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-2000:])
        logs = {name: tmp_path / f"{name}.log" for name in ("worker-a", "worker-b")}
        workers = [
            _start_worker(
                name,
                {**common, "TRADEFLOW_DATABASE_URL": shared_db, "TRADEFLOW_DATA_DIR": str(tmp_path / name)},
                log,
            )
            for name, log in logs.items()
        ]
        try:
            children, said = asyncio.run(_backfill_through_workers(api))
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                worker.wait(timeout=60)
        reference = subprocess.run(
            [sys.executable, "-m", "flows", "backfill", "--start", "2026-08", "--end", "2026-09"],
            env={
                **common,
                "TRADEFLOW_DATABASE_URL": reference_db,
                "TRADEFLOW_DATA_DIR": str(tmp_path / "reference"),
            },
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert reference.returncode == 0, reference.stderr[-3000:]
    # One child per source and month, each run by exactly one of the two workers, and both took a share.
    assert sorted(children.values()) == sorted(
        (s, m)
        for s in ("un_comtrade", "kr_customs", "cn_customs", "us_census", "eurostat_comext")
        for m in ("2026-08", "2026-09")
    )
    # The parent says what it does, what it waits for, and gives each release one progress line.
    assert any(
        "releases of " in line and "handing its 10 source-months to child runs" in line for line in said
    )
    assert any(line.startswith("waiting for ") and "child runs" in line for line in said), said
    progress = [line.split(" done: ", 1)[1] for line in said if " done: " in line]
    releases_loaded = table_rows(create_warehouse_engine(shared_db), "release")
    assert len(progress) == len(set(progress)) == len(releases_loaded), progress
    # Which worker ran a child shows in the raw archive: each worker stands for a machine with its own
    # data directory, and a child archives what it fetched in its worker's directory.
    shared = create_warehouse_engine(shared_db)
    loaded = {(str(r["source"]), str(r["period"])[:7]) for r in table_rows(shared, "release")}
    taken = {
        name: {(s, m) for s, m in loaded if any((tmp_path / name / "raw" / s / m).glob("*"))} for name in logs
    }
    assert taken["worker-a"] and taken["worker-b"], taken
    assert taken["worker-a"].isdisjoint(taken["worker-b"]), taken
    assert taken["worker-a"] | taken["worker-b"] == loaded
    # Both workers may try to submit a run; the server lets one through and aborts the other's attempt.
    submitted = {}
    for name, log in logs.items():
        lines = log.read_text(errors="replace")
        tried = set(re.findall(r"submitting flow run '([0-9a-f-]{36})'", lines))
        submitted[name] = tried - set(re.findall(r"Aborted submission of flow run '([0-9a-f-]{36})'", lines))
    child_ids = {str(i) for i in children}
    assert submitted["worker-a"] & child_ids and submitted["worker-b"] & child_ids, submitted
    assert (submitted["worker-a"] & submitted["worker-b"]) == set()
    assert child_ids <= submitted["worker-a"] | submitted["worker-b"]
    once = table_rows(shared, "release")
    assert len({(r["source"], r["scope"], r["period"]) for r in once}) == len(once) > 0  # each loaded once
    expected = create_warehouse_engine(reference_db)
    assert warehouse_content(shared) == warehouse_content(expected)
    shared.dispose()
    expected.dispose()


async def _backfill_through_workers(api: str) -> tuple[dict[Any, tuple[str, str]], list[str]]:
    """Run the backfill deployment; return its child runs as {flow run id: (source, month)}, and the
    parent's log lines."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterParentFlowRunId,
        LogFilter,
        LogFilterFlowRunId,
    )
    from prefect.deployments import arun_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api}):
        run = await arun_deployment(
            "backfill/backfill", timeout=600, parameters={"start_month": "2026-08", "end_month": "2026-09"}
        )
        assert run.state is not None and run.state.is_completed(), run.state
        async with get_client() as client:
            runs = await client.read_flow_runs(
                flow_run_filter=FlowRunFilter(parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[run.id]))
            )
            said: list[str] = []
            for _ in range(20):  # logs reach the API in batches: wait for the last ones
                logs = await client.read_logs(
                    log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run.id]))
                )
                said = [log.message for log in logs]
                if any("Finished in state" in line for line in said):
                    break
                await asyncio.sleep(0.5)
    assert all(r.state is not None and r.state.is_completed() for r in runs), [
        (r.name, r.state) for r in runs
    ]
    return {r.id: (r.parameters["source"], r.parameters["month"]) for r in runs}, said


# Runs that end Failed for a known reason, started as users start them: each must log its reason, in
# words, and no traceback (the engine that runs a deployment raised the Failed state's data, a list:
# "TypeError: Unexpected result for failed state: [] —— list cannot be resolved into an exception").
FAILING_RUNS = [
    ({"start_month": "2026-13", "end_month": "2026-09", "sources": ["kr_customs"]}, "start month '2026-13' is not a month"),
    ({"start_month": "2026-09", "end_month": "2026-08", "sources": ["kr_customs"]}, "end month 2026-08 is before start month 2026-09"),
    ({"start_month": "2026-08", "end_month": "2026-08", "sources": ["us_census"]}, "us_census 2026-08"),
]  # fmt: skip


async def _failing_runs_log_no_traceback(api: str, deployment: str) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.deployments import arun_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api}):
        async with get_client() as client:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                names = {d.name for d in await client.read_deployments()}
                if "backfill" in names:
                    break
                await asyncio.sleep(0.5)
            for parameters, reason in FAILING_RUNS:
                run = await arun_deployment(deployment, timeout=240, parameters=parameters)
                assert run.state is not None and run.state.is_failed(), (parameters, run.state)
                assert reason in str(run.state.message), (parameters, run.state.message)
                text = ""
                for _ in range(20):  # logs reach the API in batches: wait for the engine's last words
                    logs = await client.read_logs(
                        log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run.id]))
                    )
                    text = "\n".join(log.message for log in logs)
                    if reason in text and "Finished in state Failed" in text:
                        break
                    await asyncio.sleep(0.5)
                assert reason in text, (parameters, text[-3000:])
                assert "Traceback" not in text and "unexpected exception" not in text, (
                    parameters,
                    text[-3000:],
                )
                assert "cannot be resolved into an exception" not in text


def test_failed_runs_from_a_served_deployment_and_a_worker_log_no_traceback(
    prefect_api: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    api, base_env = prefect_api
    env = {
        **base_env,
        "PREFECT_API_URL": api,
        "PREFECT_LOGGING_LEVEL": "INFO",
        "PREFECT_WORKER_QUERY_SECONDS": "1",
        "TRADEFLOW_HOME": str(ROOT),
        "TRADEFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'warehouse.db'}",
        "TRADEFLOW_DATA_DIR": str(tmp_path / "data"),
        "TRADEFLOW_CONFIG": str(ROOT / "tests" / "flows.toml"),
        "TRADEFLOW_KR_CUSTOMS_SERVICE_KEY": "demo-key",
        # Census is unreachable (a closed port): its release fails, with a reason, after a short try.
        "TRADEFLOW_US_CENSUS_BASE_URL": f"http://127.0.0.1:{_free_port()}/intltrade",
        "TRADEFLOW_HTTP_MAX_RETRIES": "0",
        "TRADEFLOW_TASK_RETRIES": "0",
        "TRADEFLOW_MIN_INTERVAL_S": "{}",
    }
    serve = subprocess.Popen(
        [sys.executable, "-m", "flows", "serve"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        asyncio.run(_failing_runs_log_no_traceback(api, "backfill/backfill"))
    finally:
        serve.terminate()
        serve.wait(timeout=30)
    prefect = shutil.which("prefect", path=str(Path(sys.executable).parent)) or "prefect"
    for command in (
        [prefect, "work-pool", "create", "tradeflow", "--type", "process", "--overwrite"],
        [prefect, "--no-prompt", "deploy", "--all", "--prefect-file", "deploy/prefect.yaml"],
    ):
        done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-2000:])
    worker = _start_worker("worker-failing", env, tmp_path / "worker.log")
    try:
        asyncio.run(_failing_runs_log_no_traceback(api, "backfill/backfill"))
    finally:
        worker.terminate()
        worker.wait(timeout=60)
