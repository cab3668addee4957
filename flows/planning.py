"""Which (source, scope, month) releases are due: pure functions of the date and the status grid.

Release rhythms (README, "Sources"):
- kr_customs: month M is out on the 1st of M+1 (provisional) and all data through M is refreshed around the
  15th of M+1 and every month after: the past 12 months are re-checked once after each mid-month refresh.
- cn_customs: month M is out on the 8th-10th of M+1; January only with February; pages never change, so
  only months without a loaded page are fetched.
- us_census: month M is out about 5 weeks after its end; the annual revision in June revises the past
  13 months, which are re-checked once after it.
- un_comtrade: no calendar; the past `comtrade_window_months` are re-checked every `comtrade_recheck_days`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

LOADED_STATES = frozenset({"loaded", "unchanged"})


@dataclass(frozen=True)
class CellState:
    state: str
    last_checked: dt.datetime


@dataclass(frozen=True)
class Planned:
    source: str
    scope: str
    period: dt.date
    reason: str


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    out: list[dt.date] = []
    month = first.replace(day=1)
    while month <= last:
        out.append(month)
        month = add_months(month, 1)
    return out


def latest_publishable(source: str, today: dt.date) -> dt.date:
    """The latest month whose release could be out on `today` (on the publisher's usual calendar)."""
    this_month = today.replace(day=1)
    if source == "cn_customs":
        return add_months(this_month, -1 if today.day >= 7 else -2)
    if source == "us_census":
        return add_months(this_month, -2 if today.day >= 3 else -3)
    return add_months(this_month, -1)


def last_refresh(source: str, today: dt.date) -> dt.date | None:
    """When the publisher last re-issued past months in bulk (None: it does not)."""
    if source == "kr_customs":
        this_15th = today.replace(day=15)
        return this_15th if today >= this_15th else add_months(today.replace(day=1), -1).replace(day=15)
    if source == "us_census":
        june = dt.date(today.year, 6, 10)
        return june if today >= june else dt.date(today.year - 1, 6, 10)
    return None


REVISION_WINDOW = {"kr_customs": 12, "us_census": 13}


def plan_source(
    source: str,
    scopes: list[str],
    today: dt.date,
    first_month: dt.date,
    cells: Mapping[tuple[str, dt.date], CellState],
    *,
    comtrade_window_months: int = 12,
    comtrade_recheck_days: int = 7,
) -> list[Planned]:
    """Releases due for one source on `today`, each with the reason it is due."""
    latest = latest_publishable(source, today)
    months = months_between(first_month, latest)
    if source == "cn_customs":
        months = [m for m in months if m.month != 1]  # January comes inside the February page
    refresh = last_refresh(source, today)
    window = REVISION_WINDOW.get(source, comtrade_window_months if source == "un_comtrade" else 0)
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
            elif source == "un_comtrade" and (today - checked).days >= comtrade_recheck_days:
                out.append(
                    Planned(source, scope, month, f"revision window: last checked {checked.isoformat()}")
                )
    return out


def plan_backfill(source: str, scopes: list[str], start: dt.date, end: dt.date) -> list[Planned]:
    months = months_between(start, end)
    if source == "cn_customs":
        months = [m for m in months if m.month != 1]
    return [Planned(source, scope, m, "backfill") for scope in scopes for m in months]
