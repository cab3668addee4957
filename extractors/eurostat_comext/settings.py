"""Eurostat Comext settings: `[watchlist.eurostat_comext]`, TRADEFLOW_EUROSTAT_COMEXT_*."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import field_validator

from extractors.base import PublisherSettings

Flow = Literal["import", "export"]


class EurostatComextSettings(PublisherSettings):
    """Reporters are EU member states (ISO alpha-3) or `EUU`, the EU aggregate (Comext's `EU27_2020`);
    partners ISO alpha-3; commodities HS2, HS4, HS6, CN8 or TOTAL."""

    base_url: str = "https://ec.europa.eu/eurostat/api/comext/dissemination/sdmx/2.1"
    reporters: list[str] = ["EUU"]
    partners: list[str] = ["KOR", "CHN"]
    commodities: list[str] = ["TOTAL", "8541", "8542"]
    flows: list[Flow] = ["import", "export"]

    min_interval_s: ClassVar[float] = 1.0  # a public service without a published rate limit: be gentle
    concurrency: ClassVar[int] = 1

    @field_validator("commodities")
    @classmethod
    def _codes(cls, value: list[str]) -> list[str]:
        for code in value:
            if code != "TOTAL" and not (code.isdigit() and len(code) in (2, 4, 6, 8)):
                raise ValueError(f"{code!r} is not TOTAL or an HS2/HS4/HS6/CN8 code")
        return value

    @field_validator("flows")
    @classmethod
    def _some_flow(cls, value: list[Flow]) -> list[Flow]:
        if not value:
            raise ValueError("choose import, export or both")
        return value
