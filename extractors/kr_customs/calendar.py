"""When Korea Customs publishes: month M on the 1st of M+1 (provisional), then every month around the
15th all data through the previous month is refreshed, which makes M final (as of 2026-06)."""

from __future__ import annotations

import datetime as dt

from extractors.base import PublisherSettings, ReleaseCalendar
from transforms.months import Month, add_months


def refresh_date(period: Month) -> dt.date:
    """The mid-month refresh after which month `period`'s figures are final: the 15th of M+1."""
    return add_months(period, 1).replace(day=15)


class KrCustomsCalendar(ReleaseCalendar):
    lag_months = 1
    first_day = 1
    late_after_day = 1
    note = "month M on the 1st of M+1, 09:00 KST; all months refreshed around the 15th"
    timezone = "Asia/Seoul"
    release_time = dt.time(9, 0)  # as of 2026-12: with the ministry's monthly trade release, 09:00 KST

    def revision_window(self, settings: PublisherSettings) -> int:
        return 12  # the refresh re-issues the past year; older months are not seen to change

    def final_from(self, period: Month) -> dt.date:
        return refresh_date(period)

    def last_refresh(self, today: dt.date) -> dt.date:
        this_15th = today.replace(day=15)
        return this_15th if today >= this_15th else add_months(today.replace(day=1), -1).replace(day=15)
