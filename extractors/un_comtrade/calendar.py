"""UN Comtrade has no release calendar: each reporter's months appear, and are revised, at any time (as of
2026-11). The past `window_months` are re-checked every `recheck_days`."""

from __future__ import annotations

from extractors.base import PublisherSettings, ReleaseCalendar
from extractors.un_comtrade.settings import UnComtradeSettings


class UnComtradeCalendar(ReleaseCalendar):
    lag_months = 1
    first_day = 1
    late_after_day = None  # no calendar: never late
    note = "no calendar: each reporter's months appear at any time"

    def revision_window(self, settings: PublisherSettings) -> int:
        return settings.window_months if isinstance(settings, UnComtradeSettings) else 12

    def recheck_days(self, settings: PublisherSettings) -> int | None:
        return settings.recheck_days if isinstance(settings, UnComtradeSettings) else 7
