"""What a run is asked to do: the releases due tonight, or those of a month range, for the chosen
sources (planning applied to the settings and the status grid)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from extractors import get_publisher, publisher_ids
from flows.planning import CellState, Planned, plan_backfill, plan_source
from flows.runtime import Runtime
from flows.settings import Settings
from transforms.months import Month
from warehouse.status import read_status


def scopes_of(settings: Settings, source: str) -> list[str]:
    publisher = get_publisher(source)
    return [str(s) for s in publisher.scopes(settings.publisher(source))]


def grid_of(rt: Runtime, source: str) -> dict[tuple[str, Month], CellState]:
    return {
        (c.scope, c.period): CellState(c.state, c.last_checked, c.last_changed)
        for c in read_status(rt.engine, source)
    }


def plan_nightly(rt: Runtime, sources: list[str], today: dt.date) -> list[Planned]:
    planned: list[Planned] = []
    for source in sources:
        publisher = get_publisher(source)
        settings = rt.settings.publisher(source)
        scopes = scopes_of(rt.settings, source)
        planned += plan_source(source, publisher.calendar, settings, scopes, today, grid_of(rt, source))
    return planned


def plan_range(rt: Runtime, sources: list[str], start: Month, end: Month) -> list[Planned]:
    planned: list[Planned] = []
    for source in sources:
        planned += plan_backfill(
            source, get_publisher(source).calendar, scopes_of(rt.settings, source), start, end
        )
    return planned


def latest_month(sources: list[str], today: dt.date) -> Month:
    """The latest month any of these sources could have out today: a backfill's default end."""
    return max(get_publisher(s).calendar.latest_month(today) for s in sources)


def choose_sources(sources: list[str] | None, settings: Settings) -> list[str]:
    """The sources asked for, or every enabled one; ValueError naming any unknown."""
    chosen = list(dict.fromkeys(sources)) if sources else list(settings.sources)
    unknown = sorted(set(chosen) - set(publisher_ids()))
    if unknown:
        raise ValueError(f"unknown source(s) {unknown}; known: {publisher_ids()}")
    return chosen


def months_by_source(planned: list[Planned]) -> dict[str, list[Month]]:
    out: dict[str, list[Month]] = defaultdict(list)
    for p in planned:
        if p.period not in out[p.source]:
            out[p.source].append(p.period)
    return dict(out)
