"""Flow tests under one Prefect test server for the session, against the replay server."""

from __future__ import annotations

import datetime as dt
import subprocess
import threading
from pathlib import Path

import pytest
from prefect.artifacts import Artifact
from sqlalchemy import Engine

from demo.replay import ReplayServer
from flows.prefect_flows import backfill, nightly
from flows.runtime import reset_runtime, runtime
from tests.helpers import count, run_cli, snapshot, table_rows

pytestmark = pytest.mark.prefect
ROOT = Path(__file__).resolve().parents[1]
LATER = dt.date.today() + dt.timedelta(days=70)  # past the next Korean refresh and Comtrade's re-check


@pytest.fixture
def env(flow_env: dict[str, str]) -> dict[str, str]:
    return flow_env


@pytest.fixture
def engine(env: dict[str, str]) -> Engine:
    return runtime().engine


EXPECTED_ROWS = (
    8 * 3 + 6 * 3 + 20 * 3 + 2 * 4 + 8 * 2
)  # comtrade, kcs, gacc table 4 (20 a page), census, comext


def test_nightly_loads_then_skips_then_records_one_revision(engine: Engine, releases: Path) -> None:
    first = nightly(as_of=dt.date.today().isoformat())
    loaded = [o for o in first if o.state == "loaded"]
    assert len(loaded) == 15 and count(engine, "trade_flow") == EXPECTED_ROWS
    changes = str(Artifact.get("tradeflow-nightly-changes").data)  # type: ignore[union-attr]
    assert "- kr_customs 2026-09" in changes and "- us_census 2026-08" in changes
    assert count(engine, "trade_flow_revision") == 0
    headlines = str(Artifact.get("tradeflow-headlines").data)  # type: ignore[union-attr]
    assert (
        "| un_comtrade | KOR exports to the world | Oct 2026 | USD 60.0 bn | - | -, 10 months | "
        "new: Aug 2026, Sep 2026, Oct 2026 |" in headlines
    )  # no months before August: no year to date, no year earlier
    assert (
        "| cn_customs | CHN exports to KOR | Oct 2026 | USD 13.2 bn | - | USD 132.0 bn (-), 10 months | "
        "new: Aug 2026, Sep 2026, Oct 2026 |" in headlines
    )  # GACC's own January-to-October figure

    before = snapshot(engine)
    second = nightly(as_of=LATER.isoformat())
    assert {o.state for o in second} <= {"unchanged", "not_published"}
    assert {(o.source, o.month) for o in second if o.state == "unchanged"} >= {
        ("kr_customs", "2026-09"),
        ("un_comtrade", "2026-09"),
    }
    assert sum(o.inserted + o.revised for o in second) == 0
    after = snapshot(engine)
    assert after["trade_flow"] == before["trade_flow"] and after["trade_flow_revision"] == []
    assert after["release"] == before["release"]
    quiet = str(Artifact.get("tradeflow-headlines").data)  # type: ignore[union-attr]
    assert "new:" not in quiet and quiet.count("| no change |") == headlines.count("| new: ")

    page = releases / "kr_customs" / "nitemtrade_8542_CN_202609.xml"
    page.write_text(
        page.read_text(encoding="utf-8").replace(
            "<expDlr>5100000000</expDlr>", "<expDlr>5123456789</expDlr>"
        ),
        encoding="utf-8",
    )
    third = nightly(as_of=LATER.isoformat())
    revised = [o for o in third if o.revised]
    assert [(o.source, o.month, o.revised) for o in revised] == [("kr_customs", "2026-09", 1)]
    (revision,) = table_rows(engine, "trade_flow_revision")
    assert (revision["old_value"], revision["new_value"]) == (5_100_000_000, 5_123_456_789)
    assert count(engine, "trade_flow") == EXPECTED_ROWS
    summary = Artifact.get("tradeflow-nightly-summary")
    assert summary is not None and "854232" in str(summary.data) and "5,123,456,789" in str(summary.data)
    changes = str(Artifact.get("tradeflow-nightly-changes").data)  # type: ignore[union-attr]
    assert "KOR->CHN export 854232 2026-09: 5,100,000,000 -> 5,123,456,789 USD (+0.46%)" in changes
    grid = Artifact.get("tradeflow-nightly-grid")
    assert grid is not None and "kr_customs" in str(grid.data)


def test_one_failing_source_does_not_stop_the_others(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, replay: ReplayServer
) -> None:
    monkeypatch.setenv("TRADEFLOW_US_CENSUS_BASE_URL", f"{replay.url}/gone")
    reset_runtime()
    state = nightly(as_of=dt.date.today().isoformat(), return_state=True)
    assert state.is_failed()
    rt = runtime()
    statuses = table_rows(rt.engine, "ingest_status", order="source, scope, period")
    failed = [s for s in statuses if s["state"] == "failed"]
    assert {s["source"] for s in failed} == {"us_census"}
    assert all("HTTP 404" in str(s["message"]) and "/gone/" in str(s["message"]) for s in failed)
    assert {s["source"] for s in statuses if s["state"] == "loaded"} == {
        "un_comtrade",
        "kr_customs",
        "cn_customs",
        "eurostat_comext",
    }
    assert "us_census 2026-08 exports" in str(state.message)


def test_keys_come_from_prefect_secret_blocks_when_unset(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, replay: ReplayServer
) -> None:
    from prefect.blocks.system import Secret

    Secret(value="kcs-key-from-block").save("tradeflow-kr-customs-service-key", overwrite=True)
    try:
        monkeypatch.delenv("TRADEFLOW_KR_CUSTOMS_SERVICE_KEY")
        reset_runtime()
        outcomes = backfill(start_month="2026-08", end_month="2026-08", sources=["kr_customs"])
        assert [o.state for o in outcomes] == ["loaded"]
        assert any("serviceKey=kcs-key-from-block" in r for r in replay.requests)
        statuses = table_rows(runtime().engine, "release")
        assert all("kcs-key-from-block" not in str(r["url"]) for r in statuses)
    finally:
        Secret.delete("tradeflow-kr-customs-service-key")


def test_backfill_dry_run_writes_nothing(engine: Engine) -> None:
    before = snapshot(engine)
    listing = backfill(
        start_month="2026-08", end_month="2026-10", sources=["kr_customs", "cn_customs"], dry_run=True
    )
    assert [(o.source, o.month) for o in listing] == [
        ("kr_customs", "2026-08"),
        ("kr_customs", "2026-09"),
        ("kr_customs", "2026-10"),
        ("cn_customs", "2026-08"),
        ("cn_customs", "2026-09"),
        ("cn_customs", "2026-10"),
    ]
    assert all("never checked" in o.state for o in listing)
    assert snapshot(engine) == before


def test_backfill_range_and_force(engine: Engine) -> None:
    outcomes = backfill(start_month="2026-08", end_month="2026-09", sources=["kr_customs"])
    assert [(o.month, o.state) for o in sorted(outcomes, key=lambda o: o.period)] == [
        ("2026-08", "loaded"),
        ("2026-09", "loaded"),
    ]
    again = backfill(start_month="2026-08", end_month="2026-09", sources=["kr_customs"])
    assert {o.state for o in again} == {"unchanged"}
    forced = backfill(start_month="2026-08", end_month="2026-09", sources=["kr_customs"], force=True)
    assert {o.state for o in forced} == {"unchanged"} and count(engine, "trade_flow_revision") == 0


def test_backfill_refuses_what_is_not_a_range_in_words_and_takes_a_stray_newline(
    env: dict[str, str], engine: Engine
) -> None:
    """What a person types in the form: a month that is not one, an end before the start, no source;
    each ends the run at once, Failed, with one line in words; a trailing newline or spaces are fine."""
    for asked, message in (
        (
            {"start_month": "2026-13"},
            "start month '2026-13' is not a month: write it as YYYY-MM, e.g. 2026-03",
        ),
        ({"start_month": "2026-08", "end_month": "26-09"}, "end month '26-09' is not a month"),
        (
            {"start_month": "2026-09", "end_month": "2026-08"},
            "end month 2026-08 is before start month 2026-09",
        ),
        ({"start_month": "2026-08", "sources": []}, "no source chosen"),
    ):
        state = backfill(**asked, return_state=True)
        assert state.is_failed() and message in str(state.message), (asked, state.message)
        assert "Traceback" not in str(state.message)
    assert count(engine, "ingest_status") == 0  # refused before any work
    outcomes = backfill(start_month=" 2026-08\n", end_month="2026-08\n", sources=["kr_customs"])
    assert [(o.month, o.state) for o in outcomes] == [("2026-08", "loaded")]


def test_nightly_and_backfill_at_once_in_two_processes(env: dict[str, str], engine: Engine) -> None:
    """Two processes load the same months at the same time: no duplicate figures or revisions."""
    results: dict[str, subprocess.CompletedProcess[str]] = {}

    def run(name: str, *args: str) -> None:
        results[name] = run_cli(env, *args)

    threads = [
        threading.Thread(target=run, args=("nightly", "nightly", "--as-of", dt.date.today().isoformat())),
        threading.Thread(
            target=run, args=("backfill", "backfill", "--start", "2026-08", "--end", "2026-10", "--force")
        ),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for name, result in results.items():
        assert result.returncode == 0, (name, result.stderr[-2000:])
        assert "database is locked" not in result.stderr
    assert count(engine, "trade_flow") == EXPECTED_ROWS
    assert count(engine, "trade_flow_revision") == 0
    keys = {
        (
            r["source"],
            r["reporter"],
            r["partner"],
            r["flow"],
            r["commodity_code"],
            r["period"],
            r["period_months"],
        )
        for r in table_rows(engine, "trade_flow")
    }
    assert len(keys) == EXPECTED_ROWS
    releases = table_rows(engine, "release")
    assert len({(r["source"], r["scope"], r["period"], r["sha256"]) for r in releases}) == len(releases)


def test_offline_backfill_rebuilds_from_the_archive(env: dict[str, str], tmp_path: Path) -> None:
    nightly(as_of=dt.date.today().isoformat())
    original = {k: v for k, v in snapshot(runtime().engine).items() if k == "trade_flow"}
    rebuilt_env = {
        **env,
        "TRADEFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'rebuilt.db'}",
        "TRADEFLOW_UN_COMTRADE_BASE_URL": "http://127.0.0.1:9/unreachable",
    }
    result = run_cli(rebuilt_env, "backfill", "--offline", "--start", "2026-01", "--end", "2026-12")
    assert result.returncode == 0, result.stderr[-2000:]
    from warehouse.engine import create_warehouse_engine

    rebuilt = create_warehouse_engine(rebuilt_env["TRADEFLOW_DATABASE_URL"])
    fields = ("source", "reporter", "partner", "flow", "commodity_code", "period_months", "value")
    assert sorted(tuple(str(r[f]) for f in fields) for r in table_rows(rebuilt, "trade_flow")) == sorted(
        tuple(str(r[f]) for f in fields) for r in original["trade_flow"]
    )
    rebuilt.dispose()


def _revise(releases: Path, step: int) -> None:
    """Move every Korean export value and every Comtrade value of the replayed months by `step`."""
    import re

    for page in (releases / "kr_customs").glob("*.xml"):
        text = re.sub(
            r"<expDlr>(\d+)</expDlr>", lambda m: f"<expDlr>{int(m[1]) + step}</expDlr>", page.read_text()
        )
        page.write_text(text, encoding="utf-8")
    for page in (releases / "un_comtrade").glob("*.json"):
        text = re.sub(
            r'"primaryValue": ?(\d+)', lambda m: f'"primaryValue": {int(m[1]) + step}', page.read_text()
        )
        page.write_text(text, encoding="utf-8")


def test_offline_rebuild_ends_where_the_live_warehouse_did_after_a_reverted_revision(
    env: dict[str, str], engine: Engine, releases: Path, tmp_path: Path
) -> None:
    """A publisher revises (A, then B) and takes the revision back (A again): the live warehouse ends on
    A, and so must a rebuild from the archive, which replays every fetch in order."""
    sources = ["kr_customs", "un_comtrade"]
    backfill(start_month="2026-08", end_month="2026-10", sources=sources)
    first = {
        (r["source"], r["commodity_code"], r["period"], r["flow"], r["partner"]): r["value"]
        for r in table_rows(engine, "trade_flow")
    }
    _revise(releases, 1000)
    assert all(
        o.state == "loaded" for o in backfill(start_month="2026-08", end_month="2026-10", sources=sources)
    )
    _revise(releases, -1000)
    assert all(
        o.state == "loaded" for o in backfill(start_month="2026-08", end_month="2026-10", sources=sources)
    )
    live = table_rows(engine, "trade_flow")
    fields = ("source", "reporter", "partner", "flow", "commodity_code", "period", "period_months", "value")
    assert {
        (r["source"], r["commodity_code"], r["period"], r["flow"], r["partner"]): r["value"] for r in live
    } == first
    revised_twice = count(engine, "trade_flow_revision")
    assert revised_twice > 2 * 12  # every export value of both sources went to B and back

    rebuilt_url = f"sqlite:///{tmp_path / 'rebuilt.db'}"
    result = run_cli(
        {**env, "TRADEFLOW_DATABASE_URL": rebuilt_url},
        "backfill",
        "--offline",
        "--start",
        "2026-08",
        "--end",
        "2026-10",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    from warehouse.engine import create_warehouse_engine

    rebuilt = create_warehouse_engine(rebuilt_url)
    try:
        assert sorted(tuple(str(r[f]) for f in fields) for r in table_rows(rebuilt, "trade_flow")) == sorted(
            tuple(str(r[f]) for f in fields) for r in live
        )
        assert count(rebuilt, "trade_flow_revision") == revised_twice
    finally:
        rebuilt.dispose()


def test_an_unreachable_source_is_one_line_and_its_untried_releases_keep_their_state(
    env: dict[str, str], engine: Engine
) -> None:
    """Comtrade refusing every connection over a year of months: the terminal gets one line for it, not
    two per release; the releases never tried are `skipped` and leave no failed cell; status says since
    when the source is unreachable."""
    broken = {
        **env,
        "TRADEFLOW_UN_COMTRADE_BASE_URL": "http://127.0.0.1:9",
        "TRADEFLOW_HTTP_MAX_RETRIES": "2",  # retried, and no retry is told: the outcome is (`make run` offline)
    }
    result = run_cli(
        broken,
        "backfill",
        "--start",
        "2025-10",
        "--end",
        "2026-10",
        "--source",
        "un_comtrade",
        "--source",
        "kr_customs",
    )
    assert result.returncode == 1
    import re

    failed = [line for line in result.stderr.splitlines() if line.startswith("FAILED")]
    assert len(failed) == 1, result.stderr[-3000:]
    found = re.fullmatch(
        r"FAILED un_comtrade: unreachable \(connection refused by 127\.0\.0\.1:9\); (\d+) releases not tried",
        failed[0],
    )
    assert found, failed
    said = (result.stdout + result.stderr).splitlines()
    # One line for the source, and the summary once: no retry warnings, no per-release line of the source,
    # no closing "Finished in state Failed(...)" repeating it (`make run` offline printed ~25 and three).
    plan = [line for line in said if "26 releases of un_comtrade, kr_customs, 2025-10..2026-10:" in line]
    assert len(plan) == 1  # what the run will do, said once before it starts
    about = [line for line in said if "un_comtrade" in line and line not in plan]
    assert about == failed, result.stderr[-3000:]
    assert not [line for line in said if "retry" in line or "Finished in state Failed" in line]
    statuses = [
        s for s in table_rows(engine, "ingest_status", order="source") if s["source"] == "un_comtrade"
    ]
    # The releases that found it out failed: three connections trip the breaker, and the releases already
    # connecting side by side when it trips (up to max_parallel_releases - 1 more) fail too. The others were
    # never tried (a task retry of a failed one included) and have no cell of their own.
    assert {s["state"] for s in statuses} == {"failed"} and 1 <= len(statuses) <= 3 + 4 - 1
    assert 13 - len(statuses) <= int(found[1]) <= 12
    assert all("connection refused by 127.0.0.1:9" in str(s["message"]) for s in statuses)
    status = run_cli(broken, "status")
    (row,) = [line for line in status.stdout.splitlines() if line.startswith("un_comtrade ")]
    assert "unreachable since" in row
