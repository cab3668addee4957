"""A fifth publisher defined entirely inside the tests: Statistics Wonderland's (made-up) trade API.

It answers `GET <base>/trade?month=YYYY-MM` with a JSON list of records, or 404 for a month not out yet.
Registered through an entry point by tests/test_new_publisher.py, never by tradeflow itself.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import ClassVar

import pandas as pd

from extractors.base import Payload, PublisherSettings, ReleaseCalendar
from extractors.errors import NotPublished, ParseError, PermanentFetchError
from extractors.http import HttpSession
from transforms.schema import coerce_canonical, empty_canonical


class WonderlandSettings(PublisherSettings):
    base_url: str = "https://stats.wonderland.example"
    reporters: list[str] = ["KOR"]  # noqa: RUF012 - pydantic copies defaults
    first_month: str = "2026-08"

    min_interval_s: ClassVar[float] = 0.0
    concurrency: ClassVar[int] = 3


class WonderlandCalendar(ReleaseCalendar):
    lag_months = 1
    first_day = 5
    late_after_day = 20
    note = "month M on the 5th-20th of M+1"


@dataclass(frozen=True)
class WonderlandScope:
    reporter: str

    def __str__(self) -> str:
        return f"all:{self.reporter}"

    @classmethod
    def parse(cls, text: str) -> WonderlandScope:
        if not text.startswith("all:"):
            raise ValueError(f"not a wonderland scope: {text!r}")
        return cls(text.removeprefix("all:"))


class Wonderland:
    id = "wonderland"
    title = "Statistics Wonderland (a test publisher)"
    settings_model = WonderlandSettings
    calendar = WonderlandCalendar()

    def scopes(self, settings: WonderlandSettings) -> list[WonderlandScope]:
        return [WonderlandScope(r) for r in settings.reporters]

    def scope(self, text: str) -> WonderlandScope:
        return WonderlandScope.parse(text)

    def fetch(
        self, http: HttpSession, settings: WonderlandSettings, period: dt.date, scope: WonderlandScope
    ) -> list[Payload]:
        url = f"{settings.base_url}/trade"
        try:
            response, body = http.get(url, source=self.id, period=period, params={"month": f"{period:%Y-%m}"})
        except PermanentFetchError as exc:
            if exc.status == 404:
                raise NotPublished("not out yet", source=self.id, period=period, url=exc.url) from None
            raise
        return [Payload(self.id, body, response.url or url, "json", period=period, scope=str(scope))]

    def parse(self, payload: Payload) -> pd.DataFrame:
        try:
            records = json.loads(payload.content)
        except ValueError:
            raise payload.error(ParseError, "not JSON; expected a list of records") from None
        return pd.DataFrame(records, columns=["month", "reporter", "partner", "flow", "hs", "usd"])

    def normalize(self, raw: pd.DataFrame) -> pd.DataFrame:
        if raw.empty:
            return empty_canonical()
        return coerce_canonical(
            pd.DataFrame(
                {
                    "source": self.id,
                    "reporter": raw["reporter"],
                    "partner": raw["partner"],
                    "flow": raw["flow"].map({"X": "export", "M": "import"}),
                    "commodity_system": "HS",
                    "commodity_code": raw["hs"],
                    "period": [dt.date(int(m[:4]), int(m[5:7]), 1) for m in raw["month"]],
                    "period_months": 1,
                    "value": raw["usd"],
                    "currency": "USD",
                }
            )
        )

    def payload_digest(self, payload: Payload) -> bytes:
        return payload.content


PUBLISHER = Wonderland()
