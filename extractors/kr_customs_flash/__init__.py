"""Korea Customs Service's preliminary figures (data.go.kr): days 1-10, 1-20 and the whole month, by
major item and by major partner, XML. See README.md."""

from __future__ import annotations

from typing import TYPE_CHECKING

from extractors.kr_customs_flash.calendar import KrCustomsFlashCalendar
from extractors.kr_customs_flash.scopes import FlashScope
from extractors.kr_customs_flash.settings import KrCustomsFlashSettings

if TYPE_CHECKING:
    import pandas as pd

    from extractors.base import Payload, ProbeResult, ReleaseMoment
    from extractors.http import HttpSession
    from transforms.months import Month


class KrCustomsFlash:
    id = "kr_customs_flash"
    title = "Korea Customs Service, preliminary 10-day figures (data.go.kr)"
    settings_model = KrCustomsFlashSettings
    calendar = KrCustomsFlashCalendar()

    def scopes(self, settings: KrCustomsFlashSettings) -> list[FlashScope]:
        return [FlashScope.parse(text) for text in settings.services]

    def scope(self, text: str) -> FlashScope:
        return FlashScope.parse(text)

    def fetch(
        self, http: HttpSession, settings: KrCustomsFlashSettings, period: Month, scope: FlashScope
    ) -> list[Payload]:
        from extractors.kr_customs_flash.fetch import fetch

        return fetch(http, settings, period, scope)

    def parse(self, payload: Payload) -> pd.DataFrame:
        from extractors.kr_customs_flash.parse import parse_answer

        return parse_answer(payload)

    def normalize(self, raw: pd.DataFrame) -> pd.DataFrame:
        from extractors.kr_customs_flash.normalize import normalize

        return normalize(raw)

    def payload_digest(self, payload: Payload) -> bytes:
        return payload.content

    def probe(
        self, http: HttpSession, settings: KrCustomsFlashSettings, moment: ReleaseMoment
    ) -> ProbeResult:
        from extractors.kr_customs_flash.probe import probe

        return probe(http, settings, moment)


PUBLISHER = KrCustomsFlash()
