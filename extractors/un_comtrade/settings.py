"""UN Comtrade settings: `[watchlist.un_comtrade]`, TRADEFLOW_UN_COMTRADE_*."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, SecretStr

from extractors.base import PublisherSettings


class UnComtradeSettings(PublisherSettings):
    base_url: str = "https://comtradeapi.un.org"
    api_key: SecretStr | None = None  # keyed data/v1/get; without it the keyless preview
    reporters: list[str] = ["KOR", "CHN"]
    partners: list[str] = ["WLD", "CHN", "KOR"]
    commodities: list[str] = ["TOTAL", "85", "8541", "8542"]
    window_months: int = Field(12, ge=0, le=120)  # months re-checked for revisions
    recheck_days: int = Field(7, ge=1)  # ... every this many days

    key_field: ClassVar[str | None] = "api_key"
    secret_block: ClassVar[str | None] = "tradeflow-un-comtrade-api-key"
    min_interval_s: ClassVar[float] = 1.1
    concurrency: ClassVar[int] = 1
    env_aliases: ClassVar[dict[str, str]] = {
        "window_months": "TRADEFLOW_COMTRADE_WINDOW_MONTHS",
        "recheck_days": "TRADEFLOW_COMTRADE_RECHECK_DAYS",
    }
