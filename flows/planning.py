"""Which (source, scope, month) releases are due: pure functions of the date, the publisher's calendar,
its settings and the status grid.

A month is due when it was never loaded (from the watchlist's first month to the latest month that could
be out), when its last check was not a load, or when it is in the publisher's revision window and the
publisher re-issued it since it was last checked (a bulk refresh), or it was last checked more than the
calendar's re-check interval ago.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from extractors.base import PublisherSettings, ReleaseCalendar
from transforms.months import Month, add_months, months_between

LOADED_STATES = frozenset({"loaded", "unchanged"})


@dataclass(frozen=True)
class CellState:
    state: str
    last_checked: dt.datetime
    last_changed: dt.datetime | None = None  # when its figures last changed (a load that wrote some)


@dataclass(frozen=True)
class Planned:
    source: str
    scope: str
    period: Month
    reason: str
    published_at: dt.datetime | None = None  # when a probe saw the release out (the watch's releases)


def publishable_months(calendar: ReleaseCalendar, first: Month, last: Month) -> list[Month]:
    """The months from `first` to `last` that the publisher releases on their own."""
    return [m for m in months_between(first, last) if calendar.publishes_alone(m)]


def plan_source(
    source: str,
    calendar: ReleaseCalendar,
    settings: PublisherSettings,
    scopes: Sequence[str],
    today: dt.date,
    cells: Mapping[tuple[str, Month], CellState],
) -> list[Planned]:
    """Releases due for one source on `today`, each with the reason it is due."""
    latest = calendar.latest_month(today)
    months = publishable_months(calendar, settings.first, latest)
    refresh = calendar.last_refresh(today)
    recheck = calendar.recheck_days(settings)
    window = calendar.revision_window(settings)
    window_start = add_months(latest, -(window - 1)) if window else None
    out: list[Planned] = []
    for scope in scopes:
        for month in months:
            cell = cells.get((scope, month))
            if cell is None or cell.state not in LOADED_STATES:
                reason = "never checked" if cell is None else f"last state {cell.state}"
                out.append(Planned(source, scope, month, reason))
                continue
            if window_start is None or month < window_start:
                continue
            checked = cell.last_checked.date()
            if refresh is not None and checked < refresh:
                out.append(
                    Planned(source, scope, month, f"revision window: refreshed on {refresh.isoformat()}")
                )
            elif recheck is not None and (today - checked).days >= recheck:
                out.append(
                    Planned(source, scope, month, f"revision window: last checked {checked.isoformat()}")
                )
    return out


def plan_backfill(
    source: str, calendar: ReleaseCalendar, scopes: Sequence[str], start: Month, end: Month
) -> list[Planned]:
    return [
        Planned(source, scope, m, "backfill")
        for scope in scopes
        for m in publishable_months(calendar, start, end)
    ]
