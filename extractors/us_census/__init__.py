"""US Census Bureau international trade API: US exports and imports by HS code and country, JSON.
See README.md."""

from __future__ import annotations

import pandas as pd

from extractors.base import Payload
from extractors.http import HttpSession
from extractors.us_census import fetch as _fetch
from extractors.us_census import normalize as _normalize
from extractors.us_census import parse as _parse
from extractors.us_census.calendar import UsCensusCalendar
from extractors.us_census.fetch import CensusScope
from extractors.us_census.settings import UsCensusSettings
from transforms.months import Month


class UsCensus:
    id = "us_census"
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
        return _fetch.fetch(http, settings, period, scope)

    def parse(self, payload: Payload) -> pd.DataFrame:
        return _parse.parse_answer(payload)

    def normalize(self, raw: pd.DataFrame) -> pd.DataFrame:
        return _normalize.normalize(raw)

    def payload_digest(self, payload: Payload) -> bytes:
        return _parse.payload_digest(payload)


PUBLISHER = UsCensus()
