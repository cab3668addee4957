"""Events for downstream (issue 29 item 4): releases that load new or revised figures, and releases that fail,
are Prefect events a real Prefect server receives."""

from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from demo.replay import ReplayServer
from flows.events import FAILED, LOADED, release_event
from flows.releases import Outcome

pytestmark = pytest.mark.prefect


def _events(api: str, since: dt.datetime, wanted: int, timeout_s: float = 30) -> list[dict[str, Any]]:
    """The server's tradeflow events since `since`, once at least `wanted` have arrived (events are sent in
    the background and reach the server a moment after the run)."""
    from prefect.events.worker import EventsWorker

    EventsWorker.drain_all()
    found: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        answer = httpx.post(
            f"{api}/events/filter",
            json={
                "filter": {
                    "event": {"prefix": ["tradeflow.release."]},
                    "occurred": {"since": since.isoformat()},
                },
                "limit": 50,
            },
            timeout=10,
        )
        answer.raise_for_status()
        found = answer.json()["events"]
        if len(found) >= wanted:
            break
        time.sleep(0.5)
    return found


def test_the_events_of_outcomes() -> None:
    loaded = Outcome("kr_customs", "nitemtrade:8542:CN", dt.date(2026, 9, 1), "loaded", 6, 2, 1,
                     "2 new, 1 revised, 3 unchanged; warning: a column names another month", 7)  # fmt: skip
    name, resource, payload = release_event(loaded)  # type: ignore[misc]
    assert name == LOADED
    assert resource["prefect.resource.id"] == "tradeflow.release.kr_customs.nitemtrade:8542:CN.2026-09"
    assert (resource["tradeflow.source"], resource["tradeflow.month"]) == ("kr_customs", "2026-09")
    assert payload == {"new": 2, "revised": 1, "unchanged": 3, "warnings": ["a column names another month"],
                       "release_id": 7}  # fmt: skip
    assert release_event(Outcome("kr_customs", "s", dt.date(2026, 9, 1), "loaded", 6, 0, 0)) is None
    assert release_event(Outcome("kr_customs", "s", dt.date(2026, 9, 1), "unchanged")) is None
    failed = release_event(
        Outcome("kr_customs", "s", dt.date(2026, 9, 1), "failed", message="kr_customs 2026-09 s: 502")
    )
    assert failed is not None and failed[0] == FAILED and failed[2] == {"message": "502"}


def test_a_real_prefect_server_receives_loaded_and_failed_releases(
    flow_env: dict[str, str], replay: ReplayServer, releases: Path
) -> None:
    from flows.prefect_flows import backfill

    api = flow_env["PREFECT_API_URL"]
    since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    replay.faults["period=202609"] = ["html"] * 10  # Comtrade's September: an error page, every time
    backfill(
        start_month="2026-08", end_month="2026-09", sources=["kr_customs", "un_comtrade"], return_state=True
    )
    events = _events(api, since, wanted=4)
    by_month = {(e["resource"]["tradeflow.source"], e["resource"]["tradeflow.month"]): e for e in events}
    assert {k: e["event"] for k, e in by_month.items()} == {
        ("kr_customs", "2026-08"): LOADED,
        ("kr_customs", "2026-09"): LOADED,
        ("un_comtrade", "2026-08"): LOADED,
        ("un_comtrade", "2026-09"): FAILED,
    }
    assert by_month[("kr_customs", "2026-09")]["payload"]["new"] == 6
    assert "not JSON" in by_month[("un_comtrade", "2026-09")]["payload"]["message"]
    # Loaded again unchanged: no event (downstream acts on new figures only).
    again = dt.datetime.now(dt.UTC)
    backfill(start_month="2026-08", end_month="2026-08", sources=["kr_customs"], return_state=True)
    assert _events(api, again, wanted=1, timeout_s=3) == []


def test_automations_run_a_downstream_deployment_and_call_a_webhook_when_new_figures_land(
    flow_env: dict[str, str], replay: ReplayServer
) -> None:
    """README's two automations, created on a real Prefect server: new kr_customs figures start a run of a
    downstream deployment and post to a webhook; Comtrade's figures do neither."""
    import asyncio
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from flows.prefect_flows import backfill

    api = flow_env["PREFECT_API_URL"]
    posted: list[str] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            posted.append(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode())
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    hook = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    deployment_id, block_id = asyncio.run(
        _downstream_and_webhook(api, f"http://127.0.0.1:{hook.server_address[1]}/hook")
    )
    automations = []
    for name, spec in _readme_automations().items():
        filled = spec.replace("DEPLOYMENT_ID", deployment_id).replace("BLOCK_ID", block_id)
        answer = httpx.post(f"{api}/automations/", json=yaml.safe_load(filled), timeout=10)
        assert answer.status_code == 201, (name, answer.text)
        automations.append(answer.json()["id"])
    try:
        backfill(
            start_month="2026-09",
            end_month="2026-09",
            sources=["kr_customs", "un_comtrade"],
            return_state=True,
        )
        deadline = time.monotonic() + 60
        runs: list[dict[str, Any]] = []
        while time.monotonic() < deadline and not (runs and posted):
            runs = httpx.post(
                f"{api}/flow_runs/filter",
                json={"deployments": {"id": {"any_": [deployment_id]}}},
                timeout=10,
            ).json()
            time.sleep(0.5)
        assert len(runs) == 1, runs  # one kr_customs release loaded new figures: one run
        assert runs[0]["parameters"] == {"month": "2026-09"}
        assert posted == ["kr_customs 2026-09: 6 new, 0 revised"], posted
    finally:
        for automation in automations:
            httpx.delete(f"{api}/automations/{automation}", timeout=10)
        hook.shutdown()


def _readme_automations() -> dict[str, str]:
    """The automations README shows, as `prefect automation create --from-file` takes them."""
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    found = dict(re.findall(r"<!-- automation: ([\w-]+) -->\n```yaml\n(.*?)```", text, re.S))
    assert set(found) == {"run-deployment", "call-webhook"}
    return found


async def _downstream_and_webhook(api: str, url: str) -> tuple[str, str]:
    from prefect.blocks.webhook import Webhook
    from prefect.client.orchestration import get_client

    async with get_client() as client:
        flow_id = await client.create_flow_from_name("dashboard")
        deployment_id = await client.create_deployment(flow_id, "refresh")
    block_id = await Webhook(method="POST", url=url).save("tradeflow-test-desk", overwrite=True)
    return str(deployment_id), str(block_id)


def test_an_event_that_cannot_be_sent_never_fails_the_release(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import prefect.events

    from flows.events import emit_release_event

    def refuse(**_: Any) -> None:
        raise ConnectionError("the events websocket is down")

    monkeypatch.setattr(prefect.events, "emit_event", refuse)
    loaded = Outcome("kr_customs", "s", dt.date(2026, 9, 1), "loaded", 6, 6, 0)
    emit_release_event(loaded)  # no exception
    assert (
        "tradeflow.release.loaded for kr_customs 2026-09 s not sent: the events websocket is down"
        in caplog.text
    )
