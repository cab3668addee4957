"""US Census settings: `[watchlist.us_census]`, TRADEFLOW_US_CENSUS_*."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import SecretStr

from extractors.base import PublisherSettings


class UsCensusSettings(PublisherSettings):
    base_url: str = "https://api.census.gov/data/timeseries/intltrade"
    api_key: SecretStr | None = None  # optional: raises the API's daily limit
    reporters: list[str] = ["USA"]
    partners: list[str] = ["KOR", "CHN"]
    commodities: list[str] = ["85", "8541", "8542"]
    # General imports (all goods entering the country, GEN_VAL_MO) or imports for consumption (CON_VAL_MO).
    imports_basis: Literal["general", "consumption"] = "general"

    key_field: ClassVar[str | None] = "api_key"
    secret_block: ClassVar[str | None] = "tradeflow-us-census-api-key"
    min_interval_s: ClassVar[float] = 0.5
    concurrency: ClassVar[int] = 2
