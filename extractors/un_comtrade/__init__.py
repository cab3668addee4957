"""UN Comtrade API v1: monthly goods trade by HS code, any reporter and partner, JSON. See README.md."""

from __future__ import annotations

from typing import TYPE_CHECKING

from extractors.un_comtrade.calendar import UnComtradeCalendar
from extractors.un_comtrade.scopes import ReporterScope
from extractors.un_comtrade.settings import UnComtradeSettings

if TYPE_CHECKING:  # fetching, parsing and normalising are imported when first used: `tradeflow --help`,
    # `status` and the settings never load pandas, lxml or requests for them
    import pandas as pd

    from extractors.base import Payload, ProbeResult, ReleaseMoment
    from extractors.http import HttpSession
    from transforms.months import Month


class UnComtrade:
    id = "un_comtrade"
    title = "UN Comtrade API v1"
    settings_model = UnComtradeSettings
    calendar = UnComtradeCalendar()

    def scopes(self, settings: UnComtradeSettings) -> list[ReporterScope]:
        return [ReporterScope(r) for r in settings.reporters]

    def scope(self, text: str) -> ReporterScope:
        return ReporterScope.parse(text)

    def fetch(
        self, http: HttpSession, settings: UnComtradeSettings, period: Month, scope: ReporterScope
    ) -> list[Payload]:
        from extractors.un_comtrade.fetch import fetch

        return fetch(http, settings, period, scope)

    def parse(self, payload: Payload) -> pd.DataFrame:
        from extractors.un_comtrade.parse import parse_answer

        return parse_answer(payload)

    def normalize(self, raw: pd.DataFrame) -> pd.DataFrame:
        from extractors.un_comtrade.normalize import normalize

        return normalize(raw)

    def payload_digest(self, payload: Payload) -> bytes:
        from extractors.un_comtrade.parse import payload_digest

        return payload_digest(payload)

    def probe(self, http: HttpSession, settings: UnComtradeSettings, moment: ReleaseMoment) -> ProbeResult:
        from extractors.un_comtrade.probe import probe

        return probe(http, settings, moment)


PUBLISHER = UnComtrade()
