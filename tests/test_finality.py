"""A month becoming final is a change, for every publisher: the same bytes fetched before and after the
calendar makes a month final are two payloads, and loading the second clears the provisional flag.

Until 2026-12 Comext's payload digest left finality out: a month that left its revision window was
reloaded as `unchanged` and stayed provisional forever (issue 26, item 3).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import Engine

from extractors import get_publisher
from extractors.base import Payload
from flows.parsing import release_digest
from flows.releases import load_payloads
from flows.runtime import Runtime
from flows.settings import Settings
from tests.helpers import count, table_rows
from tests.test_contract import CASES, _fetch_changed
from transforms.months import add_months

# Publishers whose figures turn final with time alone (the others flag nothing, or stay provisional).
REVISING = sorted(s for s in CASES if get_publisher(s).calendar.final_from(CASES[s]().period) is not None)


def _at(payloads: list[Payload], when: dt.date) -> list[Payload]:
    stamp = dt.datetime.combine(when, dt.time(12), tzinfo=dt.UTC)
    return [dataclasses.replace(p, fetched_at=stamp) for p in payloads]


def _flags(source: str, payloads: list[Payload]) -> tuple[bool, ...]:
    publisher = get_publisher(source)
    return tuple(bool(f) for p in payloads for f in publisher.normalize(publisher.parse(p))["provisional"])


def _days_after(period: dt.date) -> list[dt.date]:
    """Three years of days after the month: the 1st, 9th-11th, 14th-16th and 28th of each month."""
    return [
        add_months(period, m).replace(day=d) for m in range(1, 37) for d in (1, 9, 10, 11, 14, 15, 16, 28)
    ]


def test_the_publishers_that_revise_are_the_ones_expected() -> None:
    assert REVISING == ["eurostat_comext", "kr_customs", "us_census"]


@pytest.mark.parametrize("source", sorted(CASES))
def test_equal_digests_mean_equal_provisional_flags(source: str, httpserver: HTTPServer) -> None:
    """For every fetch day over three years, two fetches of the same bytes with the same digest give the
    same provisional flags: a digest never hides a flag that the load would change."""
    payloads = _fetch_changed(source, httpserver, lambda body: body)
    publisher = get_publisher(source)
    flags_by_digest: dict[str, set[tuple[bool, ...]]] = {}
    for day in _days_after(CASES[source]().period):
        fetched = _at(payloads, day)
        flags_by_digest.setdefault(release_digest(publisher, fetched), set()).add(_flags(source, fetched))
    assert all(len(flags) == 1 for flags in flags_by_digest.values()), flags_by_digest
    flags_seen = set().union(*flags_by_digest.values())
    # Not vacuous: a publisher that revises does turn final within three years, and one that does not never
    # changes its flags with time.
    assert len(flags_seen) == (2 if source in REVISING else 1)


@pytest.mark.parametrize("source", REVISING)
def test_the_same_bytes_fetched_once_the_month_is_final_clear_the_flag(
    source: str, httpserver: HTTPServer, db_url: str, tmp_path: Path
) -> None:
    payloads = _fetch_changed(source, httpserver, lambda body: body)
    period = CASES[source]().period
    scope = CASES[source]().scope
    final_from = get_publisher(source).calendar.final_from(period)
    assert final_from is not None
    settings = Settings(database_url=db_url, data_dir=tmp_path / "data")
    rt = Runtime.create(settings)
    engine: Engine = rt.engine
    try:
        day_before = final_from - dt.timedelta(days=1)
        first = load_payloads(
            rt, source, scope, period, _at(payloads, day_before), force=False, manifest=None
        )
        assert first.state == "loaded" and first.inserted > 0
        provisional = [r for r in table_rows(engine, "trade_flow") if r["provisional"]]
        assert provisional
        again = load_payloads(
            rt, source, scope, period, _at(payloads, day_before), force=False, manifest=None
        )
        assert again.state == "unchanged"

        final = load_payloads(
            rt, source, scope, period, _at(payloads, final_from), force=False, manifest=None
        )

        assert (final.state, final.revised) == ("loaded", len(provisional))
        assert not any(r["provisional"] for r in table_rows(engine, "trade_flow"))
        revisions = table_rows(engine, "trade_flow_revision")
        assert [(r["old_provisional"], r["new_provisional"]) for r in revisions] == [(True, False)] * len(
            provisional
        )
        assert all(r["old_value"] == r["new_value"] for r in revisions)
        # And final stays final: the same bytes again are unchanged.
        later = final_from + dt.timedelta(days=40)
        last = load_payloads(rt, source, scope, period, _at(payloads, later), force=False, manifest=None)
        assert last.state == "unchanged" and count(engine, "trade_flow_revision") == len(provisional)
    finally:
        rt.engine.dispose()
        rt.http.close()
