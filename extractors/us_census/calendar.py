"""When the Census Bureau publishes: month M about five weeks after its end (early in M+2); each June the
annual revision re-issues the previous year's months, with the April release (as of 2026-11, early in
the month: 2025-06-06, 2024-06-07). A month is provisional until the annual revision after its year."""

from __future__ import annotations

import datetime as dt

from extractors.base import PublisherSettings, ReleaseCalendar
from transforms.months import Month

ANNUAL_REVISION = (6, 10)  # (month, day) by which the June annual revision is out


def annual_revision_date(period: Month) -> dt.date:
    """The annual revision that makes month `period` final: June of the following year."""
    return dt.date(period.year + 1, *ANNUAL_REVISION)


class UsCensusCalendar(ReleaseCalendar):
    lag_months = 2
    first_day = 3
    late_after_day = 7
    note = "month M about five weeks after its end, 08:30 Eastern; annual revision in June"
    timezone = "America/New_York"
    release_time = dt.time(8, 30)  # as of 2026-12: the FT-900 release comes out at 8:30 a.m. ET
    weekdays_only = True

    def revision_window(self, settings: PublisherSettings) -> int:
        return 13  # the annual revision covers the previous calendar year (up to 13 months back)

    def final_from(self, period: Month) -> dt.date:
        return annual_revision_date(period)

    def last_refresh(self, today: dt.date) -> dt.date:
        this_year = dt.date(today.year, *ANNUAL_REVISION)
        return this_year if today >= this_year else dt.date(today.year - 1, *ANNUAL_REVISION)
