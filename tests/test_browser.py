"""The backfill form as a person meets it, in a real browser: Playwright driving Debian's chromium against a
Prefect server with its UI, `tradeflow serve` and the replay server. It clicks through Deployments >
backfill > Run > Custom run, types the months (a stray Enter included), removes two sources, submits,
waits for Completed, checks the warehouse and the grid artifact; then types a month that is not one and
reads the message the run page shows. Screenshots of a failure are kept in the test's tmp folder."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from demo.replay import ReplayServer
from tests.conftest import IN_CI, ROOT
from tests.helpers import table_rows
from warehouse.engine import create_warehouse_engine

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        if IN_CI:
            pytest.fail(f"{CHROMIUM} is missing under CI=true (make test installs Debian's chromium)")
        pytest.skip("Debian's chromium is not installed (`apt-get install chromium`)")


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def ui(tmp_path: Path, releases: Path) -> Iterator[dict[str, Any]]:
    """A Prefect server with its UI, and `tradeflow serve` against it and the replay server."""
    require_chromium()
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    processes: list[subprocess.Popen[bytes]] = []
    with ReplayServer(releases) as replay:
        env = {
            **os.environ,
            "PREFECT_HOME": str(tmp_path / "prefect"),
            "PREFECT_API_URL": api,
            "PREFECT_UI_API_URL": api,
            **replay.base_urls(),
            "TRADEFLOW_CONFIG": str(ROOT / "tests" / "flows.toml"),
            "TRADEFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'warehouse.db'}",
            "TRADEFLOW_DATA_DIR": str(tmp_path / "data"),
            "TRADEFLOW_KR_CUSTOMS_SERVICE_KEY": "browser-test-key",
            "TRADEFLOW_MIN_INTERVAL_S": "{}",
            "TRADEFLOW_SOURCE_CONCURRENCY": "{}",
        }
        try:
            processes.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "prefect",
                        "server",
                        "start",
                        "--host",
                        "127.0.0.1",
                        "--port",
                        str(port),
                    ],
                    env=env,
                    stdout=(tmp_path / "prefect.log").open("wb"),
                    stderr=subprocess.STDOUT,
                )
            )
            _wait(lambda: httpx.get(f"{api}/health", timeout=2).status_code == 200, 180, "the Prefect server")
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "flows", "serve"],
                    env=env,
                    cwd=ROOT,
                    stdout=(tmp_path / "serve.log").open("wb"),
                    stderr=subprocess.STDOUT,
                )
            )
            _wait(
                lambda: _deployments(api) >= {"backfill", "backfill-month"},
                180,
                "tradeflow serve's deployments",
            )
            yield {
                "url": f"http://127.0.0.1:{port}",
                "api": api,
                "db": env["TRADEFLOW_DATABASE_URL"],
                "tmp": tmp_path,
            }
        finally:
            for process in reversed(processes):
                process.terminate()
            for process in reversed(processes):
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    process.kill()  # its state is a temporary folder: nothing to shut down cleanly
                    process.wait()


def _wait(ready: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if ready():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{what} not ready in {seconds:.0f} s")


def _deployments(api: str) -> set[str]:
    answer = httpx.post(f"{api}/deployments/filter", json={}, timeout=5)
    return {d["name"] for d in answer.json()} if answer.status_code == 200 else set()


def _open_custom_run(page: Any, url: str) -> None:
    page.goto(f"{url}/deployments", wait_until="networkidle")
    page.get_by_role("link", name="backfill", exact=True).first.click()
    page.wait_for_url("**/deployments/deployment/**")
    page.get_by_role("button", name="Run", exact=True).click()
    page.get_by_text("Custom run", exact=True).click()
    page.wait_for_url("**/run**")
    page.wait_for_load_state("networkidle")


def _field(page: Any, title: str) -> Any:
    """The text box under a form field's title."""
    label = page.locator("span.schema-form-property__label", has_text=title)
    return page.locator("div.schema-form-property").filter(has=label).locator("textarea").first


def _submit_and_wait(page: Any, api: str, final: str) -> str:
    """Submit, then do what a person does next: the deployment page lists the new run; open it by its
    name and watch its state."""
    before = set(_backfill_runs(api))
    page.get_by_role("button", name="Submit").click()
    page.wait_for_url("**/deployments/deployment/**", timeout=30_000)
    new: list[str] = []
    _wait(lambda: bool(new.extend(set(_backfill_runs(api)) - before) or new), 30, "the submitted run")
    # A run is listed under a random name until it starts and names itself ("backfill 2026-08..2026-09"):
    # wait for that, then open it by the name the page shows (clicking the random one raced the rename).
    _wait(lambda: _state(api, new[0]) not in ("SCHEDULED", "PENDING"), 120, "the submitted run to start")
    name = _run_name(api, new[0])
    page.reload(wait_until="networkidle")
    page.get_by_role("link", name=name, exact=True).first.click()
    page.wait_for_url(f"**/runs/flow-run/{new[0]}**", timeout=30_000)
    page.get_by_text(final, exact=True).first.wait_for(timeout=240_000)
    return new[0]


def _backfill_runs(api: str) -> dict[str, str]:
    """id -> name of the runs of the backfill flow (only those: `serve` also schedules the watch's runs
    every 10 minutes, a hundred ahead, which filled the API's page of runs)."""
    runs = httpx.post(
        f"{api}/flow_runs/filter",
        json={
            "flows": {"name": {"any_": ["backfill"]}},
            "flow_runs": {"parent_task_run_id": {"is_null_": True}},
        },
        timeout=10,
    )
    return {r["id"]: r["name"] for r in runs.json() if r["name"] and not r.get("parent_task_run_id")}


def _state(api: str, run_id: str) -> str:
    state = httpx.get(f"{api}/flow_runs/{run_id}", timeout=10).json().get("state") or {}
    return str(state.get("type", ""))


def _run_name(api: str, run_id: str) -> str:
    return str(httpx.get(f"{api}/flow_runs/{run_id}", timeout=10).json()["name"])


def test_a_backfill_from_the_form_loads_and_a_bad_month_is_told_in_words(ui: dict[str, Any]) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1300, "height": 1600})
        failed_requests: list[str] = []
        page.on("requestfailed", lambda request: failed_requests.append(request.url))
        try:
            # The nightly's schedule, where the deployment page shows it, says its timezone (it read "At
            # 02:30 AM every day" beside "Next run" in the browser's time).
            page.goto(f"{ui['url']}/deployments", wait_until="networkidle")
            page.get_by_role("link", name="nightly", exact=True).first.click()
            page.wait_for_url("**/deployments/deployment/**")
            card = page.locator(".deployment-schedule-card").first
            card.wait_for(timeout=30_000)
            assert "Every day at 02:30, Asia/Seoul time" in card.inner_text(), card.inner_text()

            _open_custom_run(page, ui["url"])
            _field(page, "Start month").click()
            page.keyboard.type("2026-08")
            page.keyboard.press("Enter")  # a person's Enter: a newline in the text box, which is ignored
            _field(page, "End month").click()
            page.keyboard.type("2026-09")
            for unwanted in ("cn_customs", "us_census", "eurostat_comext"):
                page.locator("span.p-tag", has_text=unwanted).locator("button.p-tag__dismiss").click()
            run_id = _submit_and_wait(page, ui["api"], "Completed")
            page.screenshot(path=str(ui["tmp"] / "completed.png"), full_page=True)
            assert _run_name(ui["api"], run_id) == "backfill 2026-08..2026-09"

            engine = create_warehouse_engine(ui["db"])
            try:
                loaded = {(r["source"], str(r["period"])[:7]) for r in table_rows(engine, "trade_flow")}
            finally:
                engine.dispose()
            assert loaded == {(s, m) for s in ("kr_customs", "un_comtrade") for m in ("2026-08", "2026-09")}
            grid = _artifact(ui["api"], run_id, "tradeflow-backfill-grid")
            assert [row["month"] for row in grid] == ["2026-08", "2026-09"]
            assert all(set(row) == {"month", "kr_customs", "un_comtrade"} for row in grid)
            assert all(row["kr_customs"].startswith("loaded (6 figures") for row in grid), grid
            # Four releases are not worth child runs (a process each): the run loads them itself, says so
            # from its first second, and gives each release one progress line.
            assert _children(ui["api"], run_id) == []
            logs = _logs(ui["api"], run_id)
            started = _started_at(ui["api"], run_id)
            plan = [(t, m) for t, m in logs if m.startswith("4 releases of kr_customs, un_comtrade")]
            assert plan and "loading them in this run" in plan[0][1], logs
            assert (plan[0][0] - started).total_seconds() < 2, (started, plan)
            progress = [m.split(" done: ", 1)[1] for _, m in logs if " done: " in m]
            assert len(progress) == len(set(progress)) == 4, progress

            _open_custom_run(page, ui["url"])
            _field(page, "Start month").click()
            page.keyboard.type("2026-13")
            _submit_and_wait(page, ui["api"], "Failed")
            page.get_by_text(
                "start month '2026-13' is not a month: write it as YYYY-MM, e.g. 2026-03"
            ).first.wait_for(timeout=60_000)
            # blob: and data: URLs are the page's own (a worker, a download the page aborted), never the network
            outside = [u for u in failed_requests if not u.startswith((ui["url"], "blob:", "data:"))]
            assert not outside, failed_requests
        except Exception:
            page.screenshot(path=str(ui["tmp"] / "failure.png"), full_page=True)
            raise
        finally:
            browser.close()


def _artifact(api: str, run_id: str, key: str) -> list[dict[str, str]]:
    import json

    answer = httpx.post(
        f"{api}/artifacts/filter",
        json={"artifacts": {"key": {"any_": [key]}, "flow_run_id": {"any_": [run_id]}}},
        timeout=10,
    ).json()
    assert answer, f"no artifact {key} for run {run_id}"
    data = answer[0]["data"]
    return list(json.loads(data) if isinstance(data, str) else data)


def _logs(api: str, run_id: str) -> list[tuple[dt.datetime, str]]:
    """(time, message) of the run's log lines, oldest first, once its last line has reached the API."""
    lines: list[tuple[dt.datetime, str]] = []
    for _ in range(20):
        answer = httpx.post(
            f"{api}/logs/filter",
            json={"logs": {"flow_run_id": {"any_": [run_id]}}, "sort": "TIMESTAMP_ASC", "limit": 200},
            timeout=10,
        ).json()
        lines = [(dt.datetime.fromisoformat(x["timestamp"]), x["message"]) for x in answer]
        if any("Finished in state" in m for _, m in lines):
            break
        time.sleep(0.5)
    return lines


def _started_at(api: str, run_id: str) -> dt.datetime:
    return dt.datetime.fromisoformat(httpx.get(f"{api}/flow_runs/{run_id}", timeout=10).json()["start_time"])


def _children(api: str, run_id: str) -> list[str]:
    runs = httpx.post(
        f"{api}/flow_runs/filter", json={"flow_runs": {"parent_flow_run_id": {"any_": [run_id]}}}, timeout=10
    ).json()
    return [r["name"] for r in runs]
