"""Fresh within minutes (issue 29): release moments, probes, the watch, fetch claims and the lag.

The watch's decisions are pure (flows/watching.py) and tested on a clock given to them; the flow runs
against the replay server on the demo's releases, at moments given with --as-of."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, text

from demo.replay import ReplayServer
from extractors import get_publisher
from extractors.base import Probing, ReleaseMoment
from extractors.errors import TradeflowError
from extractors.http import HttpPolicy, HttpSession
from flows.planning import CellState
from flows.runtime import reset_runtime, runtime
from flows.settings import load_settings
from flows.watching import due_releases, in_probe_window
from tests.helpers import empty_config, run_cli, table_rows
from warehouse.claims import claim_fetch

ROOT = Path(__file__).resolve().parents[1]
SEOUL = ZoneInfo("Asia/Seoul")
FLASH = get_publisher("kr_customs_flash").calendar
NOV = dt.date(2026, 11, 1)
NOV_20_DAYS = next(m for m in FLASH.release_moments(NOV) if m.days == 20)  # 2026-11-23 09:00 KST
SCOPES = ["items:export", "items:import", "partners:export", "partners:import"]


def at(text_: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text_)


# ---------------------------------------------------------------------------------------- the windows


def test_release_moments_state_the_publishers_time_and_zone() -> None:
    assert NOV_20_DAYS.earliest == dt.datetime(2026, 11, 23, 9, 0, tzinfo=SEOUL)  # the 21st a Saturday
    kr = get_publisher("kr_customs").calendar.release_moments(dt.date(2026, 10, 1))
    assert [(m.first, m.time, m.timezone) for m in kr] == [(dt.date(2026, 11, 1), dt.time(9), "Asia/Seoul")]
    census = get_publisher("us_census").calendar.release_moments(dt.date(2026, 10, 1))
    assert census[0].earliest.isoformat() == "2026-12-03T08:30:00-05:00" and census[0].last == dt.date(
        2026, 12, 7
    )
    assert get_publisher("cn_customs").calendar.release_moments(dt.date(2026, 1, 1)) == []  # with February
    assert get_publisher("un_comtrade").calendar.next_release(at("2026-12-06T00:00+00:00")) is None


@pytest.mark.parametrize(
    ("now", "inside"),
    [
        ("2026-11-23T09:00+09:00", True),
        ("2026-11-23T09:59+09:00", True),
        ("2026-11-23T00:05+00:00", True),  # the same instant written in UTC
        ("2026-11-23T08:59+09:00", False),
        ("2026-11-23T10:00+09:00", False),
        ("2026-11-25T09:30+09:00", True),  # late: the two days after the last expected one
        ("2026-11-26T09:30+09:00", False),
        ("2026-11-22T09:30+09:00", False),  # before the release day
    ],
)
def test_a_release_is_probed_only_inside_its_window(now: str, inside: bool) -> None:
    assert in_probe_window(NOV_20_DAYS, at(now), probe_minutes=60) is inside


def test_a_moment_without_a_time_of_day_is_never_probed() -> None:
    untimed = ReleaseMoment(NOV, dt.date(2026, 12, 1), dt.date(2026, 12, 1), None, "UTC")
    assert not in_probe_window(untimed, at("2026-12-01T00:10+00:00"), probe_minutes=24 * 60)


def test_due_releases_are_the_windows_open_now_with_a_scope_not_loaded_since() -> None:
    now = at("2026-11-23T09:05+09:00")
    due = due_releases(FLASH, SCOPES, {}, now, 60, first_month=dt.date(2025, 1, 1))
    assert [(d.moment.label(), d.scopes) for d in due] == [("2026-11 days 1-20", SCOPES)]
    after = NOV_20_DAYS.earliest + dt.timedelta(minutes=2)
    before = NOV_20_DAYS.earliest - dt.timedelta(days=1)  # the days 1-10 load: not this release
    cells = {
        ("items:export", NOV): CellState("loaded", after, after),
        ("items:import", NOV): CellState("unchanged", after + dt.timedelta(minutes=10), after),
        ("partners:export", NOV): CellState("loaded", before, before),
        # checked just after the moment and found as before: the window was not posted yet
        ("partners:import", NOV): CellState("unchanged", after, before),
    }
    (left,) = due_releases(FLASH, SCOPES, cells, now, 60, first_month=dt.date(2025, 1, 1))
    assert left.scopes == ["partners:export", "partners:import"]
    assert due_releases(FLASH, SCOPES, {}, now, 60, first_month=dt.date(2026, 12, 1)) == []
    assert due_releases(FLASH, SCOPES, {}, at("2026-11-23T11:00+09:00"), 60, dt.date(2025, 1, 1)) == []


# ---------------------------------------------------------------------------------------- the probes

PROBED = [  # (source, a month the demo's releases hold, one they do not yet)
    ("kr_customs", "2026-10", "2026-11", 0),
    ("kr_customs_flash", "2026-11", "2026-12", 20),
    ("cn_customs", "2026-10", "2026-11", 0),
    ("us_census", "2026-09", "2026-10", 0),
    ("eurostat_comext", "2026-09", "2026-10", 0),
    ("un_comtrade", "2026-10", "2026-11", 0),
]


def _probe(source: str, month: str, days: int) -> bool | None:
    """The publisher's probe for one release, with the settings of the environment."""
    publisher = get_publisher(source)
    assert isinstance(publisher, Probing)
    period = dt.date.fromisoformat(f"{month}-01")
    moment = ReleaseMoment(period, period, period, None, "UTC", days)
    http = HttpSession(HttpPolicy(max_retries=0, connect_timeout_s=2), secrets=["k"])
    return publisher.probe(http, load_settings().publisher(source), moment).published


@pytest.mark.parametrize(("source", "out", "not_yet", "days"), PROBED, ids=[p[0] for p in PROBED])
def test_each_probe_tells_out_not_yet_and_unreachable(
    source: str, out: str, not_yet: str, days: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRADEFLOW_CONFIG", str(ROOT / "demo" / "tradeflow.toml"))
    monkeypatch.setenv("TRADEFLOW_KR_CUSTOMS_SERVICE_KEY", "k")
    with ReplayServer() as replay:
        for name, url in replay.base_urls().items():
            monkeypatch.setenv(name, url)
        assert _probe(source, out, days) is True
        assert _probe(source, not_yet, days) is False
        # the smallest request: one call each (GACC's index pages: this year's, then the current one)
        assert len(replay.requests) <= (4 if source == "cn_customs" else 2), replay.requests
        assert not any("MmUtPrvi" in r and "numOfRows=100" not in r for r in replay.requests)
    for name, url in replay.base_urls().items():  # the server is gone: nothing listens there any more
        monkeypatch.setenv(name, url)
    with pytest.raises(TradeflowError):
        _probe(source, out, days)


# ---------------------------------------------------------------------------------------- the watch


@pytest.fixture
def watching(flow_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The flow settings on the demo's watchlist (Korea Customs' preliminary figures included)."""
    monkeypatch.setenv("TRADEFLOW_CONFIG", str(ROOT / "demo" / "tradeflow.toml"))
    reset_runtime()
    return {**flow_env, "TRADEFLOW_CONFIG": str(ROOT / "demo" / "tradeflow.toml")}


def _run_watch(as_of: str) -> list[object]:
    from flows.watch import watch

    result = watch(as_of=as_of)
    assert isinstance(result, list), result
    return result


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the database plays no part here
@pytest.mark.parametrize(
    "as_of",
    [
        "2026-11-23T12:00+09:00",  # Korea's window of the morning is over
        "2026-11-25T03:00+00:00",  # the middle of the night everywhere a publisher is
        "2026-12-06T15:30+00:00",
    ],
)
def test_outside_every_window_the_watch_makes_no_call(
    watching: dict[str, str], replay: ReplayServer, as_of: str
) -> None:
    assert _run_watch(as_of) == []
    assert replay.requests == []


def test_a_release_is_loaded_minutes_after_its_moment(watching: dict[str, str], replay: ReplayServer) -> None:
    outcomes = _run_watch("2026-11-23T09:05+09:00")
    assert sorted((o.scope, o.month, o.state) for o in outcomes) == [  # type: ignore[attr-defined]
        (scope, "2026-11", "loaded") for scope in SCOPES
    ]
    services = Counter(r.split("?")[0].rsplit("/", 1)[-1] for r in replay.requests)
    # one probe (the first service watched), then each service once
    assert services == {
        "getPrlstMmUtPrviExpAcrs": 2,
        "getPrlstMmUtPrviImpAcrs": 1,
        "getCntyMmUtPrviExpAcrs": 1,
        "getCntyMmUtPrviImpAcrs": 1,
    }
    # A run at another moment (--as-of) is a rehearsal: no publication time is claimed for what it saw.
    flash = [r for r in table_rows(runtime().engine, "release") if r["source"] == "kr_customs_flash"]
    assert len(flash) == 4 and all(r["published_at"] is None for r in flash)
    # The next run, ten minutes later: loaded since its moment, so not even probed.
    replay.requests.clear()
    assert _run_watch("2026-11-23T09:15+09:00") == []
    assert replay.requests == []


def test_the_lag_from_a_probe_seeing_a_release_to_its_load_is_kept_and_shown(
    watching: dict[str, str], replay: ReplayServer
) -> None:
    """A probe that sees a release out records when (the watch's real clock); the view and `tradeflow
    status` show how long the figures took from then to the warehouse."""
    import logging

    from flows.releases import ingest_release
    from flows.watch import plan_watch

    rt = runtime()
    seen = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=7)  # as if the probe had answered 7 minutes ago
    planned = plan_watch(rt, at("2026-11-23T09:05+09:00"), "test", logging.getLogger("test"), observed=seen)
    assert {p.published_at for p in planned} == {seen} and len(planned) == 4
    for p in planned:
        assert ingest_release(rt, p.source, p.period, p.scope, published_at=p.published_at).state == "loaded"
    with rt.engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT latest_published_at, latest_loaded_at, lag_minutes FROM source_freshness"
                " WHERE source = 'kr_customs_flash'"
            )
        ).one()
    published, loaded = _instant(row.latest_published_at), _instant(row.latest_loaded_at)
    assert published == seen
    assert abs(float(row.lag_minutes) - (loaded - published).total_seconds() / 60) < 0.01
    assert 7 <= float(row.lag_minutes) < 9
    # `tradeflow status`, as a person reads it: the lag beside the source, under its heading.
    status = run_cli(watching, "status")
    assert status.returncode == 0, status.stderr
    lines = status.stdout.splitlines()
    (line,) = [ln for ln in lines if ln.startswith("kr_customs_flash ") and "2026-11" in ln]
    assert f" {float(row.lag_minutes):.0f} min " in line, status.stdout
    assert " lag " in lines[lines.index(line) - 1]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the database plays no part here
def test_a_release_not_out_yet_is_probed_and_nothing_is_written(
    watching: dict[str, str], replay: ReplayServer
) -> None:
    assert _run_watch("2026-12-11T09:05+09:00") == []  # days 1-10 of December: not in the releases
    assert len(replay.requests) == 1 and "strtYymm=202612" in replay.requests[0]
    assert table_rows(runtime().engine, "ingest_status", order="source") == []  # a probe writes nothing


def _instant(value: object) -> dt.datetime:
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return moment.astimezone(dt.UTC)


def test_two_watch_runs_at_once_fetch_each_release_once(
    watching: dict[str, str], replay: ReplayServer
) -> None:
    """Two processes, as two overlapping scheduled runs are: both probe; each release is fetched once."""
    replay.latency_s = 1.0  # a distant publisher: both runs are probing before either has loaded
    env = {**watching}
    args = [sys.executable, "-m", "flows", "watch", "--as-of", "2026-11-23T09:05+09:00"]
    import os

    runs = [subprocess.Popen(args, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for _ in range(2)]  # fmt: skip
    results = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], results
    fetched = Counter(r.split("?")[0].rsplit("/", 1)[-1] for r in replay.requests)
    assert fetched["getPrlstMmUtPrviImpAcrs"] == fetched["getCntyMmUtPrviExpAcrs"] == 1, replay.requests
    assert fetched["getCntyMmUtPrviImpAcrs"] == 1 and fetched["getPrlstMmUtPrviExpAcrs"] <= 3
    releases = Counter(
        r["scope"] for r in table_rows(runtime().engine, "release") if r["source"] == "kr_customs_flash"
    )
    assert releases == dict.fromkeys(SCOPES, 1)


def test_a_claim_is_won_by_one_of_many_at_once(engine: Engine) -> None:
    since = at("2026-11-23T09:00+09:00")
    now = at("2026-11-23T09:05+09:00")
    won: list[str] = []

    def claim(holder: str) -> None:
        if claim_fetch(engine, "kr_customs_flash", "items:export", NOV, since=since, holder=holder, now=now):
            won.append(holder)

    threads = [threading.Thread(target=claim, args=(f"run-{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1
    again = claim_fetch(engine, "kr_customs_flash", "items:export", NOV, since=since, holder=won[0], now=now)
    assert again  # the holder keeps it
    later = now + dt.timedelta(minutes=31)  # a run that died mid-fetch holds nothing for long
    assert claim_fetch(
        engine, "kr_customs_flash", "items:export", NOV, since=since, holder="other", now=later
    )
    next_release = at("2026-12-01T09:00+09:00")  # a claim made before a release's moment is free for it
    assert claim_fetch(engine, "kr_customs_flash", "items:export", NOV, since=next_release, holder="x",
                       now=next_release + dt.timedelta(minutes=1))  # fmt: skip


def test_sources_tells_each_next_release_in_your_time_and_the_publishers(tmp_path: Path) -> None:
    env = {"TZ": "America/Los_Angeles", "TRADEFLOW_CONFIG": empty_config(tmp_path)}
    before = dt.datetime.now(dt.UTC)
    out = run_cli(env, "sources")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[lines.index("") + 1].split()[:3] == ["source", "next", "release"]
    pacific = ZoneInfo("America/Los_Angeles")
    for source in ("kr_customs_flash", "cn_customs", "us_census"):
        moment = get_publisher(source).calendar.next_release(before)
        assert moment is not None
        (line,) = [ln for ln in lines if ln.startswith(f"{source} ") and moment.label() in ln]
        mine = moment.earliest.astimezone(pacific)
        assert f"{mine:%a %Y-%m-%d %H:%M} {mine.tzname()}" in line  # yours: PST or PDT
        assert f"{moment.earliest:%a %Y-%m-%d %H:%M %Z} {moment.timezone}" in line  # the publisher's
    (comtrade,) = [ln for ln in lines if ln.startswith("un_comtrade ") and "calendar" in ln]
    assert "no release calendar" in comtrade


def test_a_publisher_that_never_releases_on_weekends_is_not_probed_on_one() -> None:
    census = get_publisher("us_census").calendar
    (moment,) = census.release_moments(dt.date(2026, 11, 1))  # due from Monday 2027-01-04 (the 3rd: Sunday)
    assert moment.first == dt.date(2027, 1, 4)
    assert in_probe_window(moment, at("2027-01-04T08:40-05:00"), 60)
    assert not in_probe_window(moment, at("2027-01-09T08:40-05:00"), 60)  # a Saturday, late days


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the database plays no part here
def test_the_watch_command_runs_at_the_current_moment_without_as_of(
    watching: dict[str, str], replay: ReplayServer
) -> None:
    """`tradeflow watch` as a person types it: one pass now (it failed on its own empty default)."""
    result = run_cli(watching, "watch")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    for odd in ("tomorrow", "9999-12-31T23:59+09:00"):
        refused = run_cli(watching, "watch", "--as-of", odd)
        assert refused.returncode == 2 and "is not a moment of the years 1900-2999" in refused.stderr


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the database plays no part here
def test_a_keyed_source_without_its_key_is_said_skipped(
    watching: dict[str, str], replay: ReplayServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import logging

    from flows.watch import plan_watch

    monkeypatch.delenv("TRADEFLOW_KR_CUSTOMS_SERVICE_KEY")
    reset_runtime()
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    log = logging.getLogger("test.watch.keys")
    log.addHandler(Keep())
    assert plan_watch(runtime(), at("2026-11-23T09:05+09:00"), "t", log) == []
    assert replay.requests == []
    assert "kr_customs_flash skipped: it needs a key (TRADEFLOW_KR_CUSTOMS_FLASH_SERVICE_KEY)" in records


def test_a_probe_window_shorter_than_the_watch_interval_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.settings import SettingsError

    monkeypatch.setenv("TRADEFLOW_CONFIG", empty_config(tmp_path))
    monkeypatch.setenv("TRADEFLOW_WATCH_INTERVAL_MIN", "30")
    monkeypatch.setenv("TRADEFLOW_WATCH_PROBE_MINUTES", "5")
    with pytest.raises(SettingsError, match=r"shorter than watch_interval_min \(30\)"):
        load_settings()


def test_probe_refuses_a_window_the_publisher_does_not_publish(tmp_path: Path) -> None:
    env = {"TRADEFLOW_CONFIG": empty_config(tmp_path)}
    for args, says in (
        (
            ("--source", "kr_customs", "--month", "2026-10", "--days", "10"),
            "kr_customs publishes no figures for days 1-10",
        ),
        (
            ("--source", "kr_customs_flash", "--month", "2026-11", "--days", "15"),
            "its releases: 2026-11 days 1-10",
        ),
        (("--source", "kr_customs_flash", "--month", "9999-12"), "not a month tradeflow can ask for"),
    ):
        result = run_cli(env, "probe", *args)
        assert result.returncode == 1 and says in result.stderr, result.stderr
        assert "Traceback" not in result.stderr


def test_the_next_release_is_one_still_open_or_the_first_to_come() -> None:
    """Census' October may still come on 3-7 December: on the 6th it is the next release, not November's."""
    census = get_publisher("us_census").calendar
    open_one = census.next_release(at("2026-12-06T22:00+00:00"))
    assert open_one is not None and open_one.label() == "2026-10"
    after = census.next_release(at("2026-12-08T06:00+00:00"))  # the 7th is over in New York
    assert after is not None and after.label() == "2026-11"
    flash = FLASH.next_release(at("2026-12-06T22:00+00:00"))  # one-day releases: the first to come
    assert flash is not None and flash.label() == "2026-12 days 1-10"
