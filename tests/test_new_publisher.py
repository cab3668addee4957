"""A fifth publisher is one package and one entry point: tests/wonderland, registered here through an
entry point in a distribution's metadata (as `pip install` would write it), runs end to end with no edit
to tradeflow: `sources` lists it, a nightly loads its figures from a local server, `status` shows its
column and the backfill form offers it."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from extractors import get_publisher, publisher_ids, reload_registry
from tests.helpers import table_rows
from warehouse.engine import create_warehouse_engine

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.prefect


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A distribution `tradeflow-wonderland` whose metadata registers tests.wonderland; the PYTHONPATH
    that makes a new process see it too."""
    site = tmp_path / "site"
    info = site / "tradeflow_wonderland-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: tradeflow-wonderland\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[tradeflow.publishers]\nwonderland = tests.wonderland:PUBLISHER\n"
    )
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    reload_registry()
    yield os.pathsep.join([str(site), str(ROOT), os.environ.get("PYTHONPATH", "")])
    monkeypatch.undo()
    reload_registry()


def _wonderland(server: HTTPServer) -> None:
    figures = {
        "2026-08": [
            ["2026-08", "KOR", "CHN", "X", "8542", "11000000000"],
            ["2026-08", "KOR", "CHN", "M", "8542", "5"],
        ],
        "2026-09": [["2026-09", "KOR", "CHN", "X", "8542", "12000000000"]],
    }

    def answer(request: Request) -> Response:
        month = request.args.get("month", "")
        if month not in figures:
            return Response("no such month", status=404)
        keys = ["month", "reporter", "partner", "flow", "hs", "usd"]
        return Response(
            json.dumps([dict(zip(keys, r, strict=True)) for r in figures[month]]),
            content_type="application/json",
        )

    server.expect_request("/trade").respond_with_handler(answer)


def test_a_publisher_from_another_distribution_runs_end_to_end(
    installed: str, flow_env: dict[str, str], httpserver: HTTPServer, tmp_path: Path
) -> None:
    assert "wonderland" in publisher_ids()
    assert get_publisher("wonderland").title.startswith("Statistics Wonderland")
    _wonderland(httpserver)
    env = {
        **os.environ,
        **flow_env,
        "PYTHONPATH": installed,
        "TRADEFLOW_WONDERLAND_BASE_URL": httpserver.url_for("/").rstrip("/"),
        # tests/flows.toml enables the built-in five by name; by default every registered one is enabled
        "TRADEFLOW_SOURCES": ",".join(publisher_ids()),
    }

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "flows", *args], env=env, capture_output=True, text=True, timeout=300
        )

    sources = cli("sources")
    assert sources.returncode == 0, sources.stderr
    listing = sources.stdout.split("\n\n", 1)[0]  # the sources; their next releases come below
    (line,) = [row for row in listing.splitlines() if row.startswith("wonderland")]
    assert line.split()[1:3] == ["yes", "not"] and httpserver.url_for("/").rstrip("/") in line

    nightly = cli("nightly", "--source", "wonderland", "--as-of", "2026-10-06")
    assert nightly.returncode == 0, nightly.stderr[-2000:]
    engine = create_warehouse_engine(flow_env["TRADEFLOW_DATABASE_URL"])
    try:
        figures = {(str(r["period"])[:7], r["flow"], r["value"]) for r in table_rows(engine, "trade_flow")}
        assert figures == {
            ("2026-08", "export", 11e9),
            ("2026-08", "import", 5.0),
            ("2026-09", "export", 12e9),
        }
        row = next(
            r for r in table_rows(engine, "source_calendar", order="source") if r["source"] == "wonderland"
        )
        assert (row["lag_months"], row["release_day"]) == (1, 20)  # the calendar the publisher declares
    finally:
        engine.dispose()

    status = cli("status")
    assert status.returncode == 0, status.stderr
    header = status.stdout.splitlines()[0].split()
    assert header[0] == "month" and "wonderland" in header
    rows = {line.split()[0]: line.split() for line in status.stdout.splitlines()[1:] if line[:4].isdigit()}
    assert rows["2026-08"][header.index("wonderland")] == "loaded"

    schema = subprocess.run(
        [
            sys.executable,
            "-c",
            # The schema Prefect builds the deployment's form from (RunnerDeployment sends it to the server).
            "import json; from flows.prefect_flows import backfill; print(json.dumps(backfill.parameters.model_dump()))",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert schema.returncode == 0, schema.stderr
    assert "wonderland" in json.dumps(json.loads(schema.stdout)["properties"]["sources"])
