"""Korea Customs Service (data.go.kr): monthly trade by HS code and country, XML. See README.md."""

from __future__ import annotations

import pandas as pd

from extractors.base import Payload
from extractors.http import HttpSession
from extractors.kr_customs import fetch as _fetch
from extractors.kr_customs import normalize as _normalize
from extractors.kr_customs.calendar import KrCustomsCalendar, refresh_date
from extractors.kr_customs.fetch import KcsScope
from extractors.kr_customs.parse import parse_answer
from extractors.kr_customs.settings import KrCustomsSettings
from transforms.months import Month


class KrCustoms:
    id = "kr_customs"
    title = "Korea Customs Service (data.go.kr)"
    settings_model = KrCustomsSettings
    calendar = KrCustomsCalendar()

    def scopes(self, settings: KrCustomsSettings) -> list[KcsScope]:
        return _fetch.scopes_of(settings)

    def scope(self, text: str) -> KcsScope:
        return KcsScope.parse(text)

    def fetch(
        self, http: HttpSession, settings: KrCustomsSettings, period: Month, scope: KcsScope
    ) -> list[Payload]:
        return _fetch.fetch(http, settings, period, scope)

    def parse(self, payload: Payload) -> pd.DataFrame:
        return parse_answer(payload)

    def normalize(self, raw: pd.DataFrame) -> pd.DataFrame:
        return _normalize.normalize(raw)

    def payload_digest(self, payload: Payload) -> bytes:
        """The body, plus whether the month is still provisional: the same bytes fetched after the
        mid-month refresh are final figures, and must not be skipped as unchanged."""
        final = payload.period is not None and payload.fetched_at.date() >= refresh_date(payload.period)
        return payload.content + (b"\x00final" if final else b"\x00provisional")


PUBLISHER = KrCustoms()
