"""Korea Customs Service settings: `[watchlist.kr_customs]`, TRADEFLOW_KR_CUSTOMS_*."""

from __future__ import annotations

from typing import ClassVar

from pydantic import SecretStr

from extractors.base import PublisherSettings


class KrCustomsSettings(PublisherSettings):
    base_url: str = "https://apis.data.go.kr/1220000"
    service_key: SecretStr | None = None  # TRADEFLOW_KR_CUSTOMS_SERVICE_KEY: a free data.go.kr key
    reporters: list[str] = ["KOR"]
    partners: list[str] = ["WLD", "CHN"]
    commodities: list[str] = ["8541", "8542"]

    key_field: ClassVar[str | None] = "service_key"
    key_required: ClassVar[bool] = True
    secret_block: ClassVar[str | None] = "tradeflow-kr-customs-service-key"
    min_interval_s: ClassVar[float] = 0.2
    concurrency: ClassVar[int] = 2
