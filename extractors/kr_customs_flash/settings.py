"""Settings: `[watchlist.kr_customs_flash]`, TRADEFLOW_KR_CUSTOMS_FLASH_*.

The key is the data.go.kr service key Korea Customs' monthly statistics use (`kr_customs`): read from
TRADEFLOW_KR_CUSTOMS_FLASH_SERVICE_KEY, else TRADEFLOW_KR_CUSTOMS_SERVICE_KEY, else the same Prefect
Secret block. Each of the four services must be approved for that key on data.go.kr.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import SecretStr, field_validator

from extractors.base import PublisherSettings
from extractors.kr_customs_flash.scopes import SERVICES, FlashScope


class KrCustomsFlashSettings(PublisherSettings):
    base_url: str = "https://apis.data.go.kr/1220000"
    service_key: SecretStr | None = None
    reporters: list[str] = ["KOR"]
    # Which of the four services to call (each needs its own approval of the key).
    services: list[str] = [f"{table}:{flow}" for table, flow in SERVICES]
    first_month: str = "2025-01"

    @field_validator("services")
    @classmethod
    def _services(cls, value: list[str]) -> list[str]:
        return [str(FlashScope.parse(text)) for text in value]

    @field_validator("reporters")
    @classmethod
    def _korea(cls, value: list[str]) -> list[str]:
        if value != ["KOR"]:
            raise ValueError('Korea Customs reports for Korea alone: reporters must be ["KOR"]')
        return value

    @field_validator("partners", "commodities")
    @classmethod
    def _fixed(cls, value: list[str]) -> list[str]:
        if value:
            raise ValueError(
                "the preliminary figures come as fixed lists of ten items and ten partners: choose the"
                " services instead (items:export, items:import, partners:export, partners:import)"
            )
        return value

    key_field: ClassVar[str | None] = "service_key"
    key_required: ClassVar[bool] = True
    secret_block: ClassVar[str | None] = "tradeflow-kr-customs-service-key"
    min_interval_s: ClassVar[float] = 0.2
    concurrency: ClassVar[int] = 2
    env_aliases: ClassVar[dict[str, str]] = {"service_key": "TRADEFLOW_KR_CUSTOMS_SERVICE_KEY"}
