"""When Korea Customs publishes its preliminary figures (as of 2026-12, from its press releases): days
1-10 of month M on the 11th of M, days 1-20 on the 21st, and the whole month M on the 1st of M+1, each
at 09:00 Asia/Seoul; a release day that falls on a weekend or a Korean public holiday moves to the next
working day. Every figure is a running total from the 1st and stays preliminary: the monthly statistics
(source `kr_customs`) replace it from the 15th of M+1.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Final

from extractors.base import PublisherSettings, ReleaseCalendar, ReleaseMoment
from transforms.months import Month, add_months

TIMEZONE: Final = "Asia/Seoul"
RELEASE_TIME: Final = dt.time(9, 0)
WINDOW_DAYS: Final = (10, 20, 0)  # days 1-10, days 1-20, the whole month (period_days 0)


@cache
def _holidays(year: int) -> frozenset[dt.date]:
    import holidays  # the `holidays` package: Korea's lunar and substitute holidays, year by year

    return frozenset(holidays.country_holidays("KR", years=year))


def working_day_from(day: dt.date) -> dt.date:
    """`day`, or the first day after it that is neither a weekend nor a Korean public holiday."""
    while day.weekday() >= 5 or day in _holidays(day.year):
        day += dt.timedelta(days=1)
    return day


def release_day(period: Month, days: int) -> dt.date:
    """The day window `days` of month `period` comes out (0: the whole month)."""
    nominal = {10: period.replace(day=11), 20: period.replace(day=21), 0: add_months(period, 1)}[days]
    return working_day_from(nominal)


def releases_of(period: Month) -> list[tuple[int, dt.date]]:
    """(window, release day) for the three releases of month `period`, in order."""
    return [(days, release_day(period, days)) for days in WINDOW_DAYS]


class KrCustomsFlashCalendar(ReleaseCalendar):
    lag_months = 0
    first_day = 11
    late_after_day = 14  # the 11th, moved by at most a weekend and a holiday
    note = "days 1-10 on the 11th, 1-20 on the 21st, the month on the 1st of M+1, 09:00 KST; working days"
    timezone = TIMEZONE
    release_time = RELEASE_TIME

    def release_moments(self, period: Month) -> list[ReleaseMoment]:
        return [
            ReleaseMoment(period, day, day, RELEASE_TIME, TIMEZONE, days) for days, day in releases_of(period)
        ]

    def latest_month(self, today: dt.date) -> Month:
        """This month once its days 1-10 are out, else the month before (whose later windows may be)."""
        this_month = today.replace(day=1)
        return this_month if today >= release_day(this_month, 10) else add_months(this_month, -1)

    def revision_window(self, settings: PublisherSettings) -> int:
        return 2  # a month's answer grows until its whole month is out, on the 1st of the next

    def last_refresh(self, today: dt.date) -> dt.date:
        """The last release day on or before `today`: every month in the window checked before it is due."""
        month = self.latest_month(today)
        days = [d for m in (add_months(month, -1), month) for _, d in releases_of(m) if d <= today]
        return max(days)
