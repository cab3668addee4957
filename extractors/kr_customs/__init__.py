"""Korea Customs Service (data.go.kr): monthly trade by HS code and country, XML. See README.md."""

from __future__ import annotations

from typing import TYPE_CHECKING

from extractors.kr_customs.calendar import KrCustomsCalendar
from extractors.kr_customs.scopes import KcsScope
from extractors.kr_customs.settings import KrCustomsSettings

if TYPE_CHECKING:  # fetching, parsing and normalising are imported when first used: `tradeflow --help`,
    # `status` and the settings never load pandas, lxml or requests for them
    import pandas as pd

    from extractors.base import Payload, ProbeResult, ReleaseMoment
    from extractors.http import HttpSession
    from transforms.months import Month


class KrCustoms:
    id = "kr_customs"
    title = "Korea Customs Service (data.go.kr)"
    settings_model = KrCustomsSettings
    calendar = KrCustomsCalendar()

    def scopes(self, settings: KrCustomsSettings) -> list[KcsScope]:
        from extractors.kr_customs.scopes import scopes_of

        return scopes_of(settings)

    def scope(self, text: str) -> KcsScope:
        return KcsScope.parse(text)

    def fetch(
        self, http: HttpSession, settings: KrCustomsSettings, period: Month, scope: KcsScope
    ) -> list[Payload]:
        from extractors.kr_customs.fetch import fetch

        return fetch(http, settings, period, scope)

    def parse(self, payload: Payload) -> pd.DataFrame:
        from extractors.kr_customs.parse import parse_answer

        return parse_answer(payload)

    def normalize(self, raw: pd.DataFrame) -> pd.DataFrame:
        from extractors.kr_customs.normalize import normalize

        return normalize(raw)

    def payload_digest(self, payload: Payload) -> bytes:
        return payload.content  # the month's finality (the mid-month refresh) is the calendar's

    def probe(self, http: HttpSession, settings: KrCustomsSettings, moment: ReleaseMoment) -> ProbeResult:
        from extractors.kr_customs.probe import probe

        return probe(http, settings, moment)


PUBLISHER = KrCustoms()
