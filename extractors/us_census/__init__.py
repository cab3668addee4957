"""US Census Bureau international trade API: US exports and imports by HS code and country, JSON.
See README.md."""

from __future__ import annotations

from typing import TYPE_CHECKING

from extractors.us_census.calendar import UsCensusCalendar
from extractors.us_census.scopes import SOURCE, CensusScope
from extractors.us_census.settings import UsCensusSettings

if TYPE_CHECKING:  # fetching, parsing and normalising are imported when first used: `tradeflow --help`,
    # `status` and the settings never load pandas, lxml or requests for them
    import pandas as pd

    from extractors.base import Payload, ProbeResult, ReleaseMoment
    from extractors.http import HttpSession
    from transforms.months import Month


class UsCensus:
    id = SOURCE
    title = "US Census Bureau international trade API"
    settings_model = UsCensusSettings
    calendar = UsCensusCalendar()

    def scopes(self, settings: UsCensusSettings) -> list[CensusScope]:
        return [CensusScope("exports"), CensusScope("imports")]

    def scope(self, text: str) -> CensusScope:
        return CensusScope.parse(text)

    def fetch(
        self, http: HttpSession, settings: UsCensusSettings, period: Month, scope: CensusScope
    ) -> list[Payload]:
        from extractors.us_census.fetch import fetch

        return fetch(http, settings, period, scope)

    def parse(self, payload: Payload) -> pd.DataFrame:
        from extractors.us_census.parse import parse_answer

        return parse_answer(payload)

    def normalize(self, raw: pd.DataFrame) -> pd.DataFrame:
        from extractors.us_census.normalize import normalize

        return normalize(raw)

    def payload_digest(self, payload: Payload) -> bytes:
        return payload.content  # the month's finality (the annual revision) is the calendar's

    def probe(self, http: HttpSession, settings: UsCensusSettings, moment: ReleaseMoment) -> ProbeResult:
        from extractors.us_census.probe import probe

        return probe(http, settings, moment)


PUBLISHER = UsCensus()
