"""Network faults, injected for real by the replay server, on SQLite and PostgreSQL.

Each scenario runs the real backfill flow over three months of two sources, with one release hit by the
fault, and asserts the exact warehouse afterwards.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from demo.replay import ReplayServer
from tests.reliability.harness import (
    assert_all_loaded,
    assert_failed_cleanly,
    engine_now,
    run_backfill,
)

pytestmark = pytest.mark.prefect

KR_SEP = "strtYymm=202609"
UN_SEP = "period=202609"
CN_SEP = "demo-table4-usd-2026-09"
ALWAYS = 4  # 1 try + TRADEFLOW_HTTP_MAX_RETRIES (3)

RECOVERS = {
    "stall past the read timeout, once": (KR_SEP, ["stall:1.5"], ["kr_customs", "cn_customs"]),
    "connection reset mid-body, once": (KR_SEP, ["reset"], ["kr_customs", "cn_customs"]),
    "body cut short (connection closed), once": (UN_SEP, ["truncate"], ["un_comtrade", "kr_customs"]),
    "500, 502, 503, then success": (
        KR_SEP,
        ["status:500", "status:502", "status:503"],
        ["kr_customs", "cn_customs"],
    ),
}

FAILS = {
    "stall past the read timeout, every time": (
        KR_SEP,
        ["stall:1.5"] * ALWAYS,
        ["kr_customs", "cn_customs"],
        "kr_customs",
        "timed out",
    ),
    "connection reset, every time": (
        KR_SEP,
        ["reset"] * ALWAYS,
        ["kr_customs", "cn_customs"],
        "kr_customs",
        "gave up after 4 attempts",
    ),
    "503 every time": (
        KR_SEP,
        ["status:503"] * ALWAYS,
        ["kr_customs", "cn_customs"],
        "kr_customs",
        "HTTP 503",
    ),
    "permanent 403": (KR_SEP, ["status:403"], ["kr_customs", "cn_customs"], "kr_customs", "HTTP 403"),
    "permanent 404": (CN_SEP, ["status:404"], ["cn_customs", "kr_customs"], "cn_customs", "HTTP 404"),
    "body cut short, every time": (
        UN_SEP,
        ["truncate"] * ALWAYS,
        ["un_comtrade", "kr_customs"],
        "un_comtrade",
        "gave up",
    ),
    "truncated JSON": (UN_SEP, ["cut"], ["un_comtrade", "kr_customs"], "un_comtrade", "not JSON"),
    "truncated XML": (KR_SEP, ["cut"], ["kr_customs", "un_comtrade"], "kr_customs", "not well-formed"),
    "truncated HTML": (CN_SEP, ["cut"], ["cn_customs", "kr_customs"], "cn_customs", "cn_customs 2026-09"),
    "HTML error page where JSON was expected": (
        UN_SEP,
        ["html"],
        ["un_comtrade", "kr_customs"],
        "un_comtrade",
        "not JSON",
    ),
    "HTML error page where XML was expected": (
        KR_SEP,
        ["html"],
        ["kr_customs", "un_comtrade"],
        "kr_customs",
        "an HTML page ('502 Bad Gateway')",
    ),
    "response larger than the size limit": (
        UN_SEP,
        ["huge:2000000"],
        ["un_comtrade", "kr_customs"],
        "un_comtrade",
        "exceeds the 1000000-byte limit",
    ),
}


@pytest.mark.parametrize("scenario", sorted(RECOVERS))
def test_transient_fault_recovers_with_exactly_one_load(
    scenario: str, rel_env: dict[str, str], replay: ReplayServer, releases: Path
) -> None:
    key, faults, sources = RECOVERS[scenario]
    replay.faults[key] = list(faults)
    outcomes = run_backfill(sources)
    assert replay.faults[key] == []  # every fault was served
    assert replay.count(key) == len(faults) + 1
    assert_all_loaded(engine_now(), releases, sources, outcomes)


def test_429_with_retry_after_is_honoured(
    rel_env: dict[str, str], replay: ReplayServer, releases: Path
) -> None:
    replay.faults[KR_SEP] = ["status:429:1"]
    outcomes = run_backfill(["kr_customs", "cn_customs"])
    times = [t for t, path in replay.request_times if KR_SEP in path]
    assert len(times) == 2 and times[1] - times[0] >= 1.0
    assert_all_loaded(engine_now(), releases, ["kr_customs", "cn_customs"], outcomes)


@pytest.mark.parametrize("scenario", sorted(FAILS))
def test_fault_fails_one_release_cleanly(
    scenario: str, rel_env: dict[str, str], replay: ReplayServer, releases: Path
) -> None:
    key, faults, sources, source, expect = FAILS[scenario]
    replay.faults[key] = list(faults)
    outcomes = run_backfill(sources)
    assert_failed_cleanly(engine_now(), releases, sources, source, "2026-09", outcomes, expect)
    if "permanent" in scenario:
        assert replay.count(key) == 1  # never retried


def test_task_retry_takes_over_when_http_retries_run_out(
    rel_env: dict[str, str], replay: ReplayServer, releases: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.runtime import reset_runtime

    monkeypatch.setenv("TRADEFLOW_TASK_RETRIES", "1")
    reset_runtime()
    replay.faults[KR_SEP] = ["status:503"] * ALWAYS  # the first task attempt gives up; its retry succeeds
    outcomes = run_backfill(["kr_customs", "cn_customs"])
    assert replay.count(KR_SEP) == ALWAYS + 1
    assert_all_loaded(engine_now(), releases, ["kr_customs", "cn_customs"], outcomes)
