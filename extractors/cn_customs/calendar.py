"""When GACC publishes its preliminary release: month M on the 8th-10th of M+1; January only together
with February; published pages never change (as of 2026-04)."""

from __future__ import annotations

import datetime as dt

from extractors.base import ReleaseCalendar
from transforms.months import Month


class CnCustomsCalendar(ReleaseCalendar):
    lag_months = 1
    first_day = 7
    late_after_day = 10
    note = "month M on the 8th-10th of M+1 (January with February), late morning Beijing time"
    timezone = "Asia/Shanghai"
    release_time = dt.time(11, 0)  # as of 2026-12: the preliminary release comes out late morning

    def publishes_alone(self, month: Month) -> bool:
        return month.month != 1  # January comes inside the February page (period_months 2)
