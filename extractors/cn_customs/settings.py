"""China GACC settings: `[watchlist.cn_customs]`, TRADEFLOW_CN_CUSTOMS_*."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import field_validator

from extractors.base import PublisherSettings

# The release tables tradeflow reads (as of 2026-04, GACC's numbering on the preliminary release index).
SUPPORTED_TABLES = {"4": "by country/region", "5": "major exports", "6": "major imports"}


class CnCustomsSettings(PublisherSettings):
    base_url: str = "http://english.customs.gov.cn"
    reporters: list[str] = ["CHN"]
    tables: list[str] = ["4", "5", "6"]  # (4) by country/region, (5) major exports, (6) major imports
    edition: Literal["USD", "CNY"] = "USD"

    min_interval_s: ClassVar[float] = 2.0
    concurrency: ClassVar[int] = 1

    @field_validator("tables")
    @classmethod
    def _supported(cls, value: list[str]) -> list[str]:
        unknown = [t for t in value if t not in SUPPORTED_TABLES]
        if unknown:
            known = ", ".join(f"{k} ({v})" for k, v in SUPPORTED_TABLES.items())
            raise ValueError(f"unsupported table(s) {unknown}; supported: {known}")
        return value
