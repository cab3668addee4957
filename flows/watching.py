"""When `watch` probes a publisher, and what it then fetches (pure: the clock and the grid are given).

A release is due from its moment (`ReleaseCalendar.release_moments`). The watch probes it only inside its
probe window: on each of the release's possible days (and the two after the last, for a late one), from
the publisher's release time for `probe_minutes`. Outside every window it makes no call at all; a release
the windows miss is the nightly's, as before. Once a probe says the release is out, each scope not yet
loaded since the moment is fetched.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from extractors.base import ReleaseCalendar, ReleaseMoment
from flows.planning import CellState
from transforms.months import Month, add_months

LATE_DAYS = 2  # days after a release's last expected day on which the watch still probes for it


@dataclass(frozen=True)
class Due:
    moment: ReleaseMoment
    scopes: list[str]  # the scopes not loaded since the moment


def in_probe_window(moment: ReleaseMoment, now: dt.datetime, probe_minutes: int) -> bool:
    """Whether `now` is inside one of the moment's daily probe windows (never without a release time)."""
    if moment.time is None:
        return False
    local = now.astimezone(ZoneInfo(moment.timezone))
    day = local.date()
    if not moment.first <= day <= moment.last + dt.timedelta(days=LATE_DAYS):
        return False
    if moment.weekdays_only and day.weekday() >= 5:
        return False
    start = dt.datetime.combine(day, moment.time, tzinfo=local.tzinfo)
    return start <= local < start + dt.timedelta(minutes=probe_minutes)


def loaded_since(cell: CellState | None, since: dt.datetime) -> bool:
    """The release is in: a load since its moment wrote figures. (A check since then that found the
    payload unchanged is not enough: the publisher may post a few minutes after its time.)"""
    return cell is not None and cell.last_changed is not None and cell.last_changed > since


def due_releases(
    calendar: ReleaseCalendar,
    scopes: Sequence[str],
    cells: Mapping[tuple[str, Month], CellState],
    now: dt.datetime,
    probe_minutes: int,
    first_month: Month,
) -> list[Due]:
    """The releases to probe now: out by their moment, inside a probe window, some scope not loaded since."""
    local_month = now.astimezone(ZoneInfo(calendar.timezone)).date().replace(day=1)
    out: list[Due] = []
    for back in range(calendar.lag_months + 2, -1, -1):
        period = add_months(local_month, -back)
        if period < first_month:
            continue
        for moment in calendar.release_moments(period):
            if moment.earliest > now or not in_probe_window(moment, now, probe_minutes):
                continue
            missing = [s for s in scopes if not loaded_since(cells.get((s, period)), moment.earliest)]
            if missing:
                out.append(Due(moment, missing))
    return out
