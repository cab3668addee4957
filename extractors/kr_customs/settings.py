"""Korea Customs Service settings: `[watchlist.kr_customs]`, TRADEFLOW_KR_CUSTOMS_*."""

from __future__ import annotations

import re
from typing import ClassVar

from pydantic import SecretStr, field_validator

from extractors.base import PublisherSettings


class KrCustomsSettings(PublisherSettings):
    base_url: str = "https://apis.data.go.kr/1220000"
    service_key: SecretStr | None = None  # TRADEFLOW_KR_CUSTOMS_SERVICE_KEY: a free data.go.kr key
    reporters: list[str] = ["KOR"]
    partners: list[str] = ["WLD", "CHN"]
    commodities: list[str] = ["8541", "8542"]

    @field_validator("commodities")
    @classmethod
    def _codes(cls, value: list[str]) -> list[str]:
        for code in value:
            if code != "TOTAL" and not re.fullmatch(r"\d{2,10}", code):
                raise ValueError(
                    f"{code!r} is neither a commodity code (2 to 10 digits, or TOTAL) nor a [groups] name"
                )
        return value

    key_field: ClassVar[str | None] = "service_key"
    key_required: ClassVar[bool] = True
    secret_block: ClassVar[str | None] = "tradeflow-kr-customs-service-key"
    min_interval_s: ClassVar[float] = 0.2
    concurrency: ClassVar[int] = 2
