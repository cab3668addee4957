"""Eurostat Comext: the EU's and its member states' monthly trade by partner and product (DS-045409),
through Comext's SDMX 2.1 REST service, as SDMX-CSV. See README.md."""

from __future__ import annotations

from typing import TYPE_CHECKING

from extractors.eurostat_comext.calendar import EurostatComextCalendar
from extractors.eurostat_comext.scopes import ComextScope
from extractors.eurostat_comext.settings import EurostatComextSettings

if TYPE_CHECKING:  # fetching, parsing and normalising load pandas and requests: imported when first used
    import pandas as pd

    from extractors.base import Payload, ProbeResult, ReleaseMoment
    from extractors.http import HttpSession
    from transforms.months import Month


class EurostatComext:
    id = "eurostat_comext"
    title = "Eurostat Comext (DS-045409, EU trade by HS2-4-6 and CN8)"
    settings_model = EurostatComextSettings
    calendar = EurostatComextCalendar()

    def scopes(self, settings: EurostatComextSettings) -> list[ComextScope]:
        if not settings.partners or not settings.commodities:
            return []
        return [ComextScope(reporter) for reporter in settings.reporters]

    def scope(self, text: str) -> ComextScope:
        return ComextScope.parse(text)

    def fetch(
        self, http: HttpSession, settings: EurostatComextSettings, period: Month, scope: ComextScope
    ) -> list[Payload]:
        from extractors.eurostat_comext.fetch import fetch

        return fetch(http, settings, period, scope)

    def parse(self, payload: Payload) -> pd.DataFrame:
        from extractors.eurostat_comext.parse import parse_answer

        return parse_answer(payload)

    def normalize(self, raw: pd.DataFrame) -> pd.DataFrame:
        from extractors.eurostat_comext.normalize import normalize

        return normalize(raw)

    def payload_digest(self, payload: Payload) -> bytes:
        from extractors.eurostat_comext.parse import payload_digest

        return payload_digest(payload)

    def probe(
        self, http: HttpSession, settings: EurostatComextSettings, moment: ReleaseMoment
    ) -> ProbeResult:
        from extractors.eurostat_comext.probe import probe

        return probe(http, settings, moment)


PUBLISHER = EurostatComext()
