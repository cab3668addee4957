"""China GACC English site: the preliminary monthly release tables, scraped from HTML. See README.md."""

from __future__ import annotations

from typing import TYPE_CHECKING

from extractors.cn_customs.calendar import CnCustomsCalendar
from extractors.cn_customs.scopes import GaccScope
from extractors.cn_customs.settings import CnCustomsSettings

if TYPE_CHECKING:  # fetching, parsing and normalising are imported when first used: `tradeflow --help`,
    # `status` and the settings never load pandas, lxml or requests for them
    import pandas as pd

    from extractors.base import Payload, ProbeResult, ReleaseMoment
    from extractors.http import HttpSession
    from transforms.months import Month


class CnCustoms:
    id = "cn_customs"
    title = "China GACC (English site, preliminary release)"
    settings_model = CnCustomsSettings
    calendar = CnCustomsCalendar()

    def scopes(self, settings: CnCustomsSettings) -> list[GaccScope]:
        return [GaccScope(table, settings.edition) for table in settings.tables]

    def scope(self, text: str) -> GaccScope:
        return GaccScope.parse(text)

    def fetch(
        self, http: HttpSession, settings: CnCustomsSettings, period: Month, scope: GaccScope
    ) -> list[Payload]:
        from extractors.cn_customs.fetch import fetch

        return fetch(http, settings, period, scope)

    def parse(self, payload: Payload) -> pd.DataFrame:
        from extractors.cn_customs.parse import parse_page

        return parse_page(payload)

    def normalize(self, raw: pd.DataFrame) -> pd.DataFrame:
        from extractors.cn_customs.normalize import normalize

        return normalize(raw)

    def payload_digest(self, payload: Payload) -> bytes:
        return payload.content  # published pages never change: the bytes identify the release

    def probe(self, http: HttpSession, settings: CnCustomsSettings, moment: ReleaseMoment) -> ProbeResult:
        from extractors.cn_customs.probe import probe

        return probe(http, settings, moment)


PUBLISHER = CnCustoms()
