"""UN Comtrade API v1: monthly goods trade by HS code, any reporter and partner, JSON. See README.md."""

from __future__ import annotations

import pandas as pd

from extractors.base import Payload
from extractors.http import HttpSession
from extractors.un_comtrade import fetch as _fetch
from extractors.un_comtrade import normalize as _normalize
from extractors.un_comtrade import parse as _parse
from extractors.un_comtrade.calendar import UnComtradeCalendar
from extractors.un_comtrade.fetch import ReporterScope
from extractors.un_comtrade.settings import UnComtradeSettings
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
        return _fetch.fetch(http, settings, period, scope)

    def parse(self, payload: Payload) -> pd.DataFrame:
        return _parse.parse_answer(payload)

    def normalize(self, raw: pd.DataFrame) -> pd.DataFrame:
        return _normalize.normalize(raw)

    def payload_digest(self, payload: Payload) -> bytes:
        return _parse.payload_digest(payload)


PUBLISHER = UnComtrade()
