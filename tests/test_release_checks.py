"""A release that reads oddly is stored with its warnings where people look: the release's status message,
the run's line for it, `tradeflow status` and the CLI's ingest-file output (flows.checks)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli.status import render_status
from extractors.base import Payload
from flows.releases import Outcome, load_payloads
from flows.runtime import Runtime, reset_runtime, runtime
from tests.conftest import FIXTURES, ROOT
from tests.helpers import table_rows

GACC = FIXTURES / "cn_customs"
MAY, JUNE = dt.date(2025, 5, 1), dt.date(2025, 6, 1)
SCOPE = "table4:USD"


@pytest.fixture
def rt(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Runtime]:
    monkeypatch.setenv("TRADEFLOW_CONFIG", str(ROOT / "tests" / "flows.toml"))
    monkeypatch.setenv("TRADEFLOW_DATABASE_URL", db_url)
    monkeypatch.setenv("TRADEFLOW_DATA_DIR", str(tmp_path / "data"))
    reset_runtime()
    yield runtime()
    reset_runtime()


def _load(rt: Runtime, name: str, period: dt.date) -> Outcome:
    page = Payload(
        "cn_customs", (GACC / name).read_bytes(), f"https://gacc.test/{name}", "html", period=period
    )
    return load_payloads(rt, "cn_customs", SCOPE, period, [page], force=False, manifest=None)


def _status_message(rt: Runtime, period: dt.date) -> str:
    (cell,) = [
        s
        for s in table_rows(rt.engine, "ingest_status", order="period")
        if str(s["period"])[:10] == period.isoformat()
    ]
    return str(cell["message"])


def test_a_header_naming_another_month_is_stored_under_the_title_with_a_warning(rt: Runtime) -> None:
    assert _load(rt, "table4_by_country_2025-05_usd.html", MAY).warnings == []
    june = _load(rt, "table4_by_country_2025-06_usd_headers_name_may.html", JUNE)
    assert june.state == "loaded"
    (warning,) = june.warnings  # the headers' month only: the figures themselves add up
    assert warning.startswith("column headers name month 5 but the title and the index link name June 2025")
    assert warning in _status_message(rt, JUNE) and f"warning: {warning}" in june.line()
    stored = {(str(r["period"])[:10], r["period_months"]) for r in table_rows(rt.engine, "trade_flow")}
    # Cumulative figures are stored from January, over period_months months.
    assert stored == {("2025-05-01", 1), ("2025-01-01", 5), ("2025-06-01", 1), ("2025-01-01", 6)}

    again = _load(rt, "table4_by_country_2025-06_usd_headers_name_may.html", JUNE)
    assert again.state == "unchanged" and again.warnings == [warning]  # a reload does not forget it

    text = render_status(rt.engine, "text")
    assert "stored with warnings (1):" in text
    assert f"  cn_customs 2025-06 {SCOPE}: {warning}" in text
    assert '"warnings": 1' in render_status(rt.engine, "json")


def test_a_month_whose_cumulative_does_not_add_up_is_stored_with_a_warning(rt: Runtime) -> None:
    """June's page carrying May's figures again (a publisher's copy-paste): every figure is plausible
    alone; only January-to-June against January-to-May plus June shows it."""
    _load(rt, "table4_by_country_2025-05_usd.html", MAY)
    june = _load(rt, "table4_by_country_2025-06_usd_may_figures.html", JUNE)
    assert june.state == "loaded" and june.rows > 0  # stored: the publisher's figures are the record
    (warning,) = june.warnings
    assert warning.startswith("January-to-N not January-to-(N-1) plus month N: ")
    assert "Jan-Jun 2025" in warning and "Jan-May 2025" in warning
    assert warning in _status_message(rt, JUNE)
    assert _status_message(rt, MAY).count("warning") == 0


def test_june_loaded_before_may_is_checked_when_may_arrives(rt: Runtime) -> None:
    _load(rt, "table4_by_country_2025-06_usd_may_figures.html", JUNE)
    may = _load(rt, "table4_by_country_2025-05_usd.html", MAY)
    (warning,) = may.warnings
    assert warning.startswith("January-to-N not January-to-(N-1) plus month N: ")


def test_ingest_file_prints_the_warnings(rt: Runtime, tmp_path: Path) -> None:
    env = {**os.environ, "TRADEFLOW_DATA_DIR": str(tmp_path / "cli-data")}
    pages = [
        GACC / "table4_by_country_2025-05_usd.html",
        GACC / "table4_by_country_2025-06_usd_headers_name_may.html",
    ]
    run = subprocess.run(
        [sys.executable, "-m", "flows", "ingest-file", "--source", "cn_customs", *map(str, pages)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].startswith("loaded    cn_customs table4_by_country_2025-05_usd.html: ")
    assert lines[1].startswith("loaded    cn_customs table4_by_country_2025-06_usd_headers_name_may.html: ")
    assert lines[2].startswith("          warning: column headers name month 5 but the title names June 2025")
    assert len(lines) == 3, run.stdout
