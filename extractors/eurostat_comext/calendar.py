"""When Comext publishes: month M about 45 days after its end, in the middle of M+2 (as of 2026-12, the
release calendar's dates fall between the 13th and the 20th). Each monthly release revises the months of
the current and the previous year, so those are re-checked every month."""

from __future__ import annotations

import datetime as dt

from extractors.base import PublisherSettings, ReleaseCalendar
from transforms.months import Month


class EurostatComextCalendar(ReleaseCalendar):
    lag_months = 2
    first_day = 13
    late_after_day = 20
    note = "month M about 45 days after its end (mid M+2), 11:00 Luxembourg; revises two years"
    timezone = "Europe/Luxembourg"
    release_time = dt.time(11, 0)  # as of 2026-12: Comext's monthly update lands late morning CET
    weekdays_only = True

    def revision_window(self, settings: PublisherSettings) -> int:
        return 23  # from the latest month back to January of the previous year, at most

    def recheck_days(self, settings: PublisherSettings) -> int | None:
        return 28  # each monthly release may revise them

    def final_from(self, period: Month) -> dt.date:
        return final_from(period)


def final_from(period: Month) -> dt.date:
    """Releases revise the current and the previous year: a month is final once the year after its own
    is over (a 2025 month may change until 2026-12-31)."""
    return dt.date(period.year + 2, 1, 1)


def revisable(period: Month, as_of: dt.date) -> bool:
    """Whether the figure of `period` may still be revised by a later release, seen on `as_of`."""
    return as_of < final_from(period)
