"""The nightly fetches the exchange rates its figures need (flows/rates.py), against the replay server;
a rate source that fails, or answers garbage, fails nothing and is asked again the next night."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine

from demo.replay import ReplayServer
from flows.prefect_flows import nightly
from flows.runtime import runtime
from tests.helpers import count, run_cli, table_rows
from warehouse.read import read_view

pytestmark = pytest.mark.prefect
EXR = "/service/data/EXR/"
TODAY = dt.date.today().isoformat()


@pytest.fixture
def engine(flow_env: dict[str, str]) -> Engine:
    return runtime().engine


def _eu_pairs(engine: Engine) -> set[tuple[str, str, str]]:
    mirror = read_view(engine, "mirror_flows")
    eu = mirror[(mirror["exporter"] == "EUU") | (mirror["importer"] == "EUU")]
    return {(r.exporter, r.importer, str(r.period)[:7]) for r in eu.itertuples()}


def test_the_nightly_fetches_the_rates_the_eu_rows_need_once(engine: Engine, replay: ReplayServer) -> None:
    nightly(as_of=TODAY)
    rates = table_rows(engine, "exchange_rate", order="period")
    assert [(r["currency"], str(r["period"])[:7], r["source"]) for r in rates] == [
        ("EUR", "2026-08", "ecb_exr"),
        ("EUR", "2026-09", "ecb_exr"),
    ]  # the months of Comext's euro figures, no more
    assert rates[0]["usd_per_unit"] == 1.16  # the demo answer's dollars per euro for August
    assert _eu_pairs(engine) == {
        ("CHN", "EUU", "2026-08"),
        ("CHN", "EUU", "2026-09"),
        ("EUU", "CHN", "2026-08"),
        ("EUU", "CHN", "2026-09"),
    }
    assert replay.count(EXR) == 1 and "M.USD.EUR.SP00.A" in next(r for r in replay.requests if EXR in r)
    nightly(as_of=TODAY)
    assert replay.count(EXR) == 1  # a month's average is not revised: not asked for again


def test_a_failing_rate_source_fails_nothing_and_is_asked_again(
    flow_env: dict[str, str], engine: Engine, replay: ReplayServer
) -> None:
    replay.faults[EXR] = ["status:503"] * 5  # the first attempt and its four retries
    first = run_cli(flow_env, "nightly", "--as-of", TODAY)
    assert first.returncode == 0, first.stderr[-2000:]
    said = first.stdout + first.stderr
    assert (
        "exchange rates not fetched, asked again next run: ecb_exr 2026-09: gave up after 5 attempts" in said
    )
    assert count(engine, "exchange_rate") == 0 and not _eu_pairs(engine)
    assert count(engine, "trade_flow") > 0 and {
        s["state"]
        for s in table_rows(engine, "ingest_status", order="source")
        if s["source"] == "eurostat_comext"
    } == {"loaded"}

    replay.faults[EXR] = ["html"]  # a proxy's error page where the CSV should be
    second = run_cli(flow_env, "nightly", "--as-of", TODAY)
    assert second.returncode == 0 and "not CSV: an HTML or XML document" in second.stdout + second.stderr
    assert count(engine, "exchange_rate") == 0

    third = run_cli(flow_env, "nightly", "--as-of", TODAY)
    assert third.returncode == 0
    assert "exchange rates: 2 monthly rates of EUR from ecb_exr" in third.stdout + third.stderr
    assert len(_eu_pairs(engine)) == 4


def test_no_rate_source_fetches_nothing_and_says_what_is_missing(
    flow_env: dict[str, str], engine: Engine, replay: ReplayServer
) -> None:
    result = run_cli({**flow_env, "TRADEFLOW_RATES_SOURCE": ""}, "nightly", "--as-of", TODAY)
    assert result.returncode == 0
    assert (
        "exchange rates: none fetched (TRADEFLOW_RATES_SOURCE is empty); missing EUR for 2026-08..2026-09"
        in (result.stdout + result.stderr)
    )
    assert replay.count(EXR) == 0 and count(engine, "exchange_rate") == 0


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # SQLite's write lock is the injected fault
def test_rates_that_cannot_be_written_are_reported_and_fetched_again(
    flow_env: dict[str, str], db_url: str, monkeypatch: pytest.MonkeyPatch, replay: ReplayServer
) -> None:
    """Another process holds SQLite's write lock when the rates are to be stored: the run says so in one
    line, nothing half-written; once the lock is gone the next refresh stores them."""
    import sqlite3

    from flows.rates import refresh_exchange_rates
    from flows.runtime import reset_runtime

    monkeypatch.setenv("TRADEFLOW_RATES_SOURCE", "")
    reset_runtime()
    nightly(as_of=TODAY)  # Comext's euro figures stored, no rate fetched
    monkeypatch.setenv("TRADEFLOW_RATES_SOURCE", "ecb_exr")
    monkeypatch.setenv("TRADEFLOW_SQLITE_BUSY_TIMEOUT_S", "0.5")
    reset_runtime()
    rt = runtime()
    holder = sqlite3.connect(db_url.removeprefix("sqlite:///"))
    holder.execute("BEGIN IMMEDIATE")
    try:
        line, warning = refresh_exchange_rates(rt) or ("", False)
    finally:
        holder.rollback()
        holder.close()
    assert warning and line.startswith("exchange rates fetched but not stored, asked again next run")
    assert count(rt.engine, "exchange_rate") == 0
    line, warning = refresh_exchange_rates(rt) or ("", True)
    assert (line, warning) == ("exchange rates: 2 monthly rates of EUR from ecb_exr", False)
    assert replay.count(EXR) == 2 and len(_eu_pairs(rt.engine)) == 4


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # what is read and said, not where it is stored
def test_months_the_rate_source_has_not_published_are_said_and_asked_again(
    flow_env: dict[str, str], engine: Engine, releases: Path, replay: ReplayServer
) -> None:
    from flows.rates import refresh_exchange_rates

    rates = releases / "ecb_exr" / "EXR_M.csv"
    recorded = rates.read_text(encoding="utf-8")
    rates.unlink()  # no rate out yet: HTTP 404
    nightly(as_of=TODAY)
    assert refresh_exchange_rates(runtime()) == (
        "exchange rates: ecb_exr has none yet for EUR for 2026-08..2026-09 (no monthly rates for "
        "2026-08..2026-09 yet (HTTP 404))",
        False,
    )
    rates.write_text("\n".join(line for line in recorded.splitlines() if ",2026-09," not in line) + "\n")
    assert refresh_exchange_rates(runtime()) == (
        "exchange rates: 1 monthly rates of EUR from ecb_exr; 1 month(s) still without a rate (EUR)",
        False,
    )  # August's rate is out, September's not yet
    assert [str(r["period"])[:7] for r in table_rows(engine, "exchange_rate", order="period")] == ["2026-08"]
    runtime().warehouse_down = "the write lock is held elsewhere"
    asked = replay.count(EXR)
    assert refresh_exchange_rates(runtime()) is None and replay.count(EXR) == asked  # not even asked
    runtime().warehouse_down = None
    rates.write_text(recorded, encoding="utf-8")
    assert refresh_exchange_rates(runtime()) == ("exchange rates: 1 monthly rates of EUR from ecb_exr", False)


def _euro_and_won_figures(engine: Engine) -> None:
    """Figures in euros for 2026-08 and in won for 2026-10, and a rate already stored for EUR 2026-10:
    the rates missing are EUR 2026-08 and KRW 2026-10, asked in one call covering 2026-08..2026-10."""
    from tests.helpers import load, row
    from warehouse.rates import upsert_exchange_rates

    aug, oct_ = dt.date(2026, 8, 1), dt.date(2026, 10, 1)
    load(
        engine,
        "eurostat_comext",
        aug,
        [row("eurostat_comext", "EUU", "KOR", "import", "TOTAL", aug, 5e9, "EUR")],
        "eu",
    )
    load(
        engine,
        "kr_customs",
        oct_,
        [row("kr_customs", "KOR", "DEU", "export", "TOTAL", oct_, 9e12, "KRW")],
        "kr",
    )
    upsert_exchange_rates(
        engine, pd.DataFrame({"currency": ["EUR"], "period": [oct_], "usd_per_unit": [1.0]}), "x"
    )


@pytest.mark.parametrize(
    "db_url", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_only_the_months_asked_are_stored_and_stored_rates_are_not_rewritten(
    flow_env: dict[str, str], engine: Engine, replay: ReplayServer
) -> None:
    """An answer covering a range holds rates of months nobody asked for (EUR 2026-09 and 2026-10, KRW
    2026-08 and 2026-09): they overwrote stored rates with no trace (a past mirror value moved 8.6x)."""
    from flows.rates import refresh_exchange_rates
    from warehouse.rates import missing_rates

    _euro_and_won_figures(engine)
    assert missing_rates(engine) == {"EUR": [dt.date(2026, 8, 1)], "KRW": [dt.date(2026, 10, 1)]}
    line, warning = refresh_exchange_rates(runtime()) or ("", True)
    assert (line, warning) == ("exchange rates: 2 monthly rates of EUR, KRW from ecb_exr", False)
    stored = {
        (r["currency"], str(r["period"])[:7]): r["usd_per_unit"]
        for r in table_rows(engine, "exchange_rate", order="currency")
    }
    assert stored == {
        ("EUR", "2026-08"): 1.16,
        ("EUR", "2026-10"): 1.0,
        ("KRW", "2026-10"): pytest.approx(1.1693 / 1627.92),
    }
    assert count(engine, "exchange_rate_revision") == 0


@pytest.mark.parametrize(
    "db_url", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_a_rate_that_crosses_into_infinity_is_refused(
    flow_env: dict[str, str], engine: Engine, releases: Path, replay: ReplayServer
) -> None:
    """KRW at 1e-320 per euro passed the positive-and-finite check, crossed to an infinite dollar rate,
    was stored, and mirror_flows printed bare Infinity: the whole answer is now refused, nothing stored."""
    from flows.rates import refresh_exchange_rates

    rates = releases / "ecb_exr" / "EXR_M.csv"
    rates.write_text(rates.read_text(encoding="utf-8").replace("2026-10,1627.92", "2026-10,1e-320"))
    _euro_and_won_figures(engine)
    line, warning = refresh_exchange_rates(runtime()) or ("", False)
    assert warning and line.startswith("exchange rates not fetched, asked again next run: ecb_exr")
    assert "KRW 2026-10: inf US dollars per unit is not a plausible rate (expected 1e-08 to 10000)" in line
    assert count(engine, "exchange_rate") == 1  # the one stored before
    rates.write_text(rates.read_text(encoding="utf-8").replace("2026-10,1e-320", "2026-10,1627.92"))
    assert refresh_exchange_rates(runtime()) == (
        "exchange rates: 2 monthly rates of EUR, KRW from ecb_exr",
        False,
    )
