"""Settings: the one place that reads the environment and `tradeflow.toml`.

Precedence, highest first: explicit arguments, `TRADEFLOW_*` environment variables, the TOML file
(`TRADEFLOW_CONFIG`, default `./tradeflow.toml`), then the defaults below.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

SOURCE_IDS: tuple[str, ...] = ("un_comtrade", "kr_customs", "cn_customs", "us_census")

DEFAULT_BASE_URLS: dict[str, str] = {
    "un_comtrade": "https://comtradeapi.un.org",
    "kr_customs": "https://apis.data.go.kr/1220000",
    "cn_customs": "http://english.customs.gov.cn",
    "us_census": "https://api.census.gov/data/timeseries/intltrade",
}


class Watch(BaseModel):
    """What to follow for one source. Countries are ISO 3166-1 alpha-3 (`WLD` = world)."""

    reporters: list[str] = Field(default_factory=list)
    partners: list[str] = Field(default_factory=list)
    commodities: list[str] = Field(default_factory=list)
    first_month: str = "2024-01"
    tables: list[str] = Field(default_factory=list)
    edition: str = "USD"
    imports_basis: str = "general"  # us_census: "general" (GEN_VAL_MO) or "consumption" (CON_VAL_MO)


def _default_watchlist() -> dict[str, Watch]:
    semis = ["TOTAL", "85", "8541", "8542"]
    return {
        "un_comtrade": Watch(reporters=["KOR", "CHN"], partners=["WLD", "CHN", "KOR"], commodities=semis),
        "kr_customs": Watch(reporters=["KOR"], partners=["WLD", "CHN"], commodities=["8541", "8542"]),
        "cn_customs": Watch(reporters=["CHN"], tables=["4", "5", "6"], edition="USD"),
        "us_census": Watch(
            reporters=["USA"],
            partners=["KOR", "CHN"],
            commodities=["85", "8541", "8542"],
            imports_basis="general",
        ),
    }


def _config_file() -> Path:
    return Path(os.environ.get("TRADEFLOW_CONFIG", "tradeflow.toml"))


class Settings(BaseSettings):
    """Typed settings. Field names map to `TRADEFLOW_<NAME>` environment variables."""

    model_config = SettingsConfigDict(env_prefix="TRADEFLOW_", extra="ignore")

    database_url: str = "sqlite:///data/tradeflow.db"
    data_dir: Path = Path("data")
    sources: Annotated[list[str], NoDecode] = Field(default_factory=lambda: list(SOURCE_IDS))

    un_comtrade_base_url: str = DEFAULT_BASE_URLS["un_comtrade"]
    kr_customs_base_url: str = DEFAULT_BASE_URLS["kr_customs"]
    cn_customs_base_url: str = DEFAULT_BASE_URLS["cn_customs"]
    us_census_base_url: str = DEFAULT_BASE_URLS["us_census"]

    un_comtrade_api_key: SecretStr | None = None
    kr_customs_service_key: SecretStr | None = None
    us_census_api_key: SecretStr | None = None

    http_connect_timeout_s: float = 10.0
    http_read_timeout_s: float = 60.0
    http_max_retries: int = 4
    http_backoff_s: float = 2.0
    http_max_response_bytes: int = 200 * 1024 * 1024
    # The warehouse's own deadlines (README, Configuration).
    sqlite_busy_timeout_s: float = 60.0  # how long a write waits for another process's write lock
    db_connect_timeout_s: float = 10.0
    db_statement_timeout_s: float = 900.0
    min_interval_s: dict[str, float] = Field(
        default_factory=lambda: {"un_comtrade": 1.1, "kr_customs": 0.2, "cn_customs": 2.0, "us_census": 0.5}
    )

    watchlist: dict[str, Watch] = Field(default_factory=_default_watchlist)

    # Scheduling and orchestration.
    nightly_cron: str = "30 2 * * *"
    nightly_timezone: str = "Asia/Seoul"
    comtrade_window_months: int = 12
    comtrade_recheck_days: int = 7
    max_parallel_releases: int = 4
    task_retries: int = 2
    task_retry_delay_s: float = 60.0
    revision_alert_pct: float = 1.0  # revisions at least this large (in %) are listed in the nightly changes

    # Scaling out (README "Scaling out").
    task_runner: Literal["thread", "dask"] = "thread"
    dask_address: str | None = None  # an existing Dask scheduler (tcp://host:8786); empty: a local cluster
    dask_workers: int = 2  # workers of the local cluster when no address is given
    # Fetches in flight per source across every worker (Prefect global concurrency limits
    # `tradeflow-source-<id>`, created with these values when missing; tune them in the Prefect UI).
    source_concurrency: dict[str, int] = Field(
        default_factory=lambda: {"un_comtrade": 1, "kr_customs": 2, "cn_customs": 1, "us_census": 2}
    )

    @field_validator("sources", mode="before")
    @classmethod
    def _split_sources(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("sources")
    @classmethod
    def _known_sources(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(SOURCE_IDS))
        if unknown:
            raise ValueError(f"unknown source id(s) {unknown}; known: {list(SOURCE_IDS)}")
        return value

    @field_validator("watchlist", mode="after")
    @classmethod
    def _fill_watchlist(cls, value: dict[str, Watch]) -> dict[str, Watch]:
        """A TOML file that names one source keeps the defaults of the others."""
        merged = _default_watchlist()
        merged.update(value)
        return merged

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=_config_file())
        return (init_settings, env_settings, toml, file_secret_settings)

    def engine_options(self) -> dict[str, float]:
        """The warehouse engine's deadlines (`warehouse.engine.create_warehouse_engine`'s keywords)."""
        return {
            "sqlite_busy_timeout_s": self.sqlite_busy_timeout_s,
            "connect_timeout_s": self.db_connect_timeout_s,
            "statement_timeout_s": self.db_statement_timeout_s,
        }

    def base_url(self, source: str) -> str:
        return str(getattr(self, f"{source}_base_url")).rstrip("/")

    def api_key(self, source: str) -> str | None:
        field = {
            "un_comtrade": self.un_comtrade_api_key,
            "kr_customs": self.kr_customs_service_key,
            "us_census": self.us_census_api_key,
        }.get(source)
        return field.get_secret_value() if field is not None else None

    def secrets(self) -> list[str]:
        """Every configured secret value, for redaction."""
        return [key for source in SOURCE_IDS if (key := self.api_key(source))]


# Prefect Secret blocks that stand in for unset key settings (create them in the UI: Blocks > Secret).
SECRET_BLOCKS: dict[str, str] = {
    "un_comtrade_api_key": "tradeflow-un-comtrade-api-key",
    "kr_customs_service_key": "tradeflow-kr-customs-service-key",
    "us_census_api_key": "tradeflow-us-census-api-key",
}


def with_prefect_secrets(settings: Settings) -> Settings:
    """Fill unset keys from Prefect Secret blocks, when a Prefect API is configured.

    Environment variables and tradeflow.toml win; a missing block is not an error.
    """
    missing = {field: block for field, block in SECRET_BLOCKS.items() if getattr(settings, field) is None}
    if not missing:
        return settings
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        return settings
    from prefect.blocks.system import Secret

    found: dict[str, SecretStr] = {}
    for field, block in missing.items():
        try:
            secret: Any = Secret.load(block)
            found[field] = SecretStr(str(secret.get()))
        except Exception:  # noqa: S112 - no such block (or no server): the setting stays unset
            continue
    return settings.model_copy(update=found) if found else settings


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
