"""Settings: the one place that reads the environment and `tradeflow.toml`.

Precedence, highest first: `TRADEFLOW_*` environment variables, the TOML file (`TRADEFLOW_CONFIG`,
default `./tradeflow.toml`), then the defaults. Each publisher's settings are its own model (its package's
`settings.py`): `[watchlist.<id>]` in the file, `TRADEFLOW_<ID>_<FIELD>` in the environment. Anything
unknown or out of range is refused at start, naming the setting and what it accepts.
"""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from extractors import concordance_ids, get_publisher, publisher_ids
from extractors.base import PublisherSettings
from extractors.rates import rate_source_ids
from extractors.redaction import redact_text
from transforms.groups import ConcordanceGroup

CONFIG_VARIABLE = "TRADEFLOW_CONFIG"


class SettingsError(ValueError):
    """Settings that cannot be used; the message names the setting and what it accepts."""


def config_file() -> Path:
    return Path(os.environ.get(CONFIG_VARIABLE, "tradeflow.toml"))


class ConcordanceGroupSetting(BaseModel):
    """`NAME = { concordance = "hsk_mti_2026", into = ["831"], label = "semiconductor" }` in `[groups]`."""

    model_config = ConfigDict(extra="forbid")
    concordance: str
    into: list[str]
    label: str = ""

    @field_validator("label")
    @classmethod
    def _a_label(cls, value: str) -> str:
        if value and not re.fullmatch(r"\w[\w ,'-]{0,39}", value):
            raise ValueError(f"label {value!r}: up to 40 letters, digits, spaces, - , and ', from a letter")
        return value


def default_groups() -> dict[str, list[str] | ConcordanceGroupSetting]:
    """HS 8541 + 8542, and semiconductors as Korea's trade statistics count them (MTI 831)."""
    return {
        "semiconductors": ["8541", "8542"],
        "semiconductors_mti": ConcordanceGroupSetting(
            concordance="hsk_mti_2026", into=["831"], label="semiconductor"
        ),
    }


class Settings(BaseSettings):
    """Typed settings. Field names map to `TRADEFLOW_<NAME>` environment variables."""

    model_config = SettingsConfigDict(env_prefix="TRADEFLOW_", extra="forbid")

    database_url: str = "sqlite:///data/tradeflow.db"
    # PostgreSQL: a login that may only read the warehouse, for `tradeflow query`; unset, queries run as
    # the reader role `tradeflow db upgrade` creates (warehouse/reader.py).
    query_database_url: str | None = None
    data_dir: Path = Path("data")
    sources: Annotated[list[str], NoDecode] = Field(default_factory=publisher_ids)

    http_connect_timeout_s: float = Field(10.0, gt=0)
    http_read_timeout_s: float = Field(60.0, gt=0)
    http_total_timeout_s: float = Field(300.0, gt=0)  # a whole answer, however slowly it arrives
    http_max_retries: int = Field(4, ge=0)
    http_backoff_s: float = Field(2.0, ge=0)
    http_max_response_bytes: int = Field(200 * 1024 * 1024, gt=0)
    # Per source, as JSON objects by source id; unset: each publisher's own default (its settings model).
    # Set, they replace those defaults: a source left out has no spacing, or no limit ({} = none at all).
    min_interval_s: dict[str, float] | None = None
    source_concurrency: dict[str, int] | None = None

    ingest_max_bytes: int = Field(1 << 30, gt=0)  # the largest file `ingest-file` and `parse` take

    # The warehouse's own deadlines.
    sqlite_busy_timeout_s: float = Field(60.0, gt=0)  # how long a write waits for another process's lock
    db_connect_timeout_s: float = Field(10.0, gt=0)
    db_statement_timeout_s: float = Field(900.0, gt=0)

    # `[watchlist.<id>]` sections, checked against each publisher's settings model.
    watchlist: dict[str, dict[str, Any]] = Field(default_factory=dict)
    # `[groups]`: commodity groups by name, usable wherever a commodity code is (headline, chart, export): a
    # list of codes, or every code a concordance maps into target codes (transforms/groups.py).
    groups: dict[str, list[str] | ConcordanceGroupSetting] = Field(default_factory=lambda: default_groups())
    # Exchange rates for mirror_flows: a registered rate source (`tradeflow.rates`); "" fetches none.
    rates_source: str = Field(default_factory=lambda: next(iter(rate_source_ids()), ""))
    rates_base_url: str | None = None  # unset: the rate source's own

    # Scheduling and orchestration.
    nightly_cron: str = "30 2 * * *"
    nightly_timezone: str = "Asia/Seoul"
    max_parallel_releases: int = Field(4, ge=1)
    task_retries: int = Field(2, ge=0)
    task_retry_delay_s: float = Field(60.0, ge=0)
    revision_alert_pct: float = Field(1.0, ge=0)  # revisions at least this large (in %) are listed nightly
    # The watch deployment (README "Fresh within minutes"): its schedule, and how long after each
    # publisher's release time it keeps probing for a release that is due.
    watch_interval_min: int = Field(10, ge=1, le=60)
    watch_probe_minutes: int = Field(20, ge=1, le=720)

    # Scaling out (README "Scaling out").
    task_runner: Literal["thread", "dask"] = "thread"
    dask_address: str | None = None  # an existing Dask scheduler (tcp://host:8786); empty: a local cluster
    dask_workers: int = Field(2, ge=1)
    # A backfill started from its deployment hands its months to child runs only from this many releases:
    # each child is a process of its own (seconds to start), which pays only when a long backfill is
    # shared by several workers. Below it, the parent loads them itself, as `tradeflow backfill` does.
    fan_out_min_releases: int = Field(48, ge=1)

    _publishers: dict[str, PublisherSettings] = PrivateAttr(default_factory=dict)

    @field_validator("sources", mode="before")
    @classmethod
    def _split_sources(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("sources")
    @classmethod
    def _known_sources(cls, value: list[str]) -> list[str]:
        known = publisher_ids()
        if not value:
            raise ValueError(f"no source enabled; name one or more of {known}")
        unknown = sorted(set(value) - set(known))
        if unknown:
            raise ValueError(f"unknown source id(s) {unknown}; known: {known}")
        return value

    @field_validator("database_url")
    @classmethod
    def _a_database(cls, value: str) -> str:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        from extractors.redaction import redact_userinfo

        shown = redact_userinfo(value, keep_user=True)  # the password never reaches a message
        try:
            url = make_url(value)
            port = url.port  # a port that is not a number fails here
        except (ArgumentError, ValueError):
            raise ValueError(
                f"not a database URL: {shown!r} (sqlite:///path/to/file.db or "
                "postgresql+psycopg://user@host:5432/db)"
            ) from None
        backend = url.get_backend_name()
        if backend not in ("sqlite", "postgresql"):
            raise ValueError(f"{backend!r} is not supported: use sqlite:///... or postgresql+psycopg://...")
        if backend == "postgresql" and url.drivername not in ("postgresql", "postgresql+psycopg"):
            raise ValueError(f"driver {url.drivername!r}: use postgresql+psycopg:// (psycopg 3 is installed)")
        if backend == "postgresql" and not url.database:
            raise ValueError(f"no database name in {shown!r}")
        del port
        return value

    @field_validator("query_database_url")
    @classmethod
    def _a_reader_database(cls, value: str | None) -> str | None:
        if not value:
            return None
        checked = cls._a_database(value)
        if not checked.startswith("postgresql"):
            raise ValueError(
                "a PostgreSQL URL (postgresql+psycopg://reader@host/db): SQLite is read read-only"
            )
        return checked

    @field_validator("groups", mode="before")
    @classmethod
    def _group_shapes(cls, value: Any) -> Any:
        """Each group a list of codes or a concordance table, said in words (not the union's two errors)."""
        if not isinstance(value, dict):
            return value
        shaped: dict[str, Any] = {}
        for name, group in value.items():
            if isinstance(group, dict):
                try:
                    shaped[name] = ConcordanceGroupSetting(**group)
                except ValidationError as exc:
                    first = exc.errors()[0]
                    where = ".".join(str(part) for part in first["loc"])
                    raise ValueError(
                        f"group {name!r}: {where + ': ' if where else ''}{first['msg']}"
                    ) from None
            elif isinstance(group, list | ConcordanceGroupSetting):
                shaped[name] = group
            else:
                raise ValueError(
                    f'group {name!r}: a list of commodity codes (["8541", "8542"]) or a concordance table '
                    '({ concordance = "hsk_mti_2026", into = ["831"], label = "semiconductor" })'
                )
        return shaped

    @field_validator("groups")
    @classmethod
    def _groups(
        cls, value: dict[str, list[str] | ConcordanceGroupSetting]
    ) -> dict[str, list[str] | ConcordanceGroupSetting]:
        for name, codes in value.items():
            if not re.fullmatch(r"[a-z][a-z0-9_-]*", name):
                raise ValueError(
                    f"group {name!r}: a name is lowercase letters, digits, - and _, from a letter"
                )
            if isinstance(codes, ConcordanceGroupSetting):
                known = concordance_ids()
                if codes.concordance not in known:
                    raise ValueError(
                        f"group {name!r}: unknown concordance {codes.concordance!r}; known: {known}"
                    )
                if not codes.into or not all(re.fullmatch(r"[0-9A-Za-z]+", t) for t in codes.into):
                    raise ValueError(f'group {name!r}: `into` lists target codes, e.g. into = ["831"]')
            elif not codes or len(set(codes)) != len(codes) or not all(c.strip() for c in codes):
                raise ValueError(f'group {name!r}: a list of distinct commodity codes, e.g. ["8541", "8542"]')
        return value

    @property
    def code_groups(self) -> dict[str, list[str]]:
        """The groups that are lists of codes."""
        return {name: codes for name, codes in self.groups.items() if isinstance(codes, list)}

    def concordance_group(self, name: str) -> ConcordanceGroup | None:
        """The group `name` when a concordance defines it."""
        found = self.groups.get(name)
        if not isinstance(found, ConcordanceGroupSetting):
            return None
        return ConcordanceGroup(name, found.concordance, tuple(found.into), found.label)

    @field_validator("rates_source")
    @classmethod
    def _a_rate_source(cls, value: str) -> str:
        known = rate_source_ids()
        if value and value not in known:
            raise ValueError(f"unknown exchange-rate source {value!r}; known: {known}, or empty for none")
        return value

    @field_validator("rates_base_url")
    @classmethod
    def _a_rates_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError(f"must be an http:// or https:// URL, not {value!r}")
        return value.rstrip("/") if value else value

    @field_validator("nightly_timezone")
    @classmethod
    def _a_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"not a timezone: {value!r} (an IANA name, e.g. Asia/Seoul)") from None
        return value

    @model_validator(mode="after")
    def _watch_windows(self) -> Settings:
        if self.watch_probe_minutes < self.watch_interval_min:
            raise ValueError(
                f"watch_probe_minutes ({self.watch_probe_minutes}) is shorter than watch_interval_min "
                f"({self.watch_interval_min}): a release's probe window could fall between two watch runs"
            )
        return self

    @model_validator(mode="after")
    def _publisher_settings(self) -> Settings:
        known = publisher_ids()
        for name, table in (
            ("watchlist", self.watchlist),
            ("min_interval_s", self.min_interval_s or {}),
            ("source_concurrency", self.source_concurrency or {}),
        ):
            unknown = sorted(set(table) - set(known))
            if unknown:
                raise ValueError(f"{name}: unknown source(s) {unknown}; known: {known}")
        for source in known:
            self._publishers[source] = _publisher_settings(source, self.watchlist.get(source, {}), self)
        for source in self.sources:
            if not get_publisher(source).scopes(self._publishers[source]):
                raise ValueError(
                    f"[watchlist.{source}] has nothing to fetch (no reporters, partners or commodities "
                    "that make a call); fill it in, or leave the source out of TRADEFLOW_SOURCES"
                )
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=config_file())
        return (init_settings, env_settings, toml, file_secret_settings)

    # ------------------------------------------------------------------------------ per publisher

    def publisher(self, source: str) -> PublisherSettings:
        return self._publishers[source]

    def with_publisher(self, source: str, settings: PublisherSettings) -> Settings:
        """A copy with one publisher's settings replaced (a key filled in from a Secret block)."""
        copy = self.model_copy()
        copy._publishers = {**self._publishers, source: settings}
        return copy

    def base_url(self, source: str) -> str:
        return self.publisher(source).base_url

    def api_key(self, source: str) -> str | None:
        return self.publisher(source).key()

    def min_interval(self, source: str) -> float:
        if self.min_interval_s is None:
            return self.publisher(source).min_interval_s
        return self.min_interval_s.get(source, 0.0)

    def concurrency(self, source: str) -> int | None:
        """The size of the source's cross-worker limit, or None for no limit."""
        if self.source_concurrency is None:
            return self.publisher(source).concurrency
        return self.source_concurrency.get(source)

    def secrets(self) -> list[str]:
        """Every configured secret value, for redaction: keys, and passwords in the base URLs and the
        warehouse URL."""
        from extractors.redaction import url_secrets

        keys = [key for source in self._publishers if (key := self.api_key(source))]
        databases = [self.database_url, self.query_database_url or ""]
        services = [self.rates_base_url or "", *(self.base_url(s) for s in self._publishers)]
        found = [s for url in databases for s in url_secrets(url, token_users=False)]
        found += [s for url in services for s in url_secrets(url)]
        return list(dict.fromkeys([*keys, *found]))

    def engine_options(self) -> dict[str, float]:
        """The warehouse engine's deadlines (`warehouse.engine.create_warehouse_engine`'s keywords)."""
        return {
            "sqlite_busy_timeout_s": self.sqlite_busy_timeout_s,
            "connect_timeout_s": self.db_connect_timeout_s,
            "statement_timeout_s": self.db_statement_timeout_s,
        }


def _with_group_codes(section: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """A watchlist's `commodities` with each group name replaced by the codes to fetch for it: a list
    group's codes; for a concordance group, each HS6 code wholly in it and the group's own lines under an
    HS6 code only partly in it (transforms/groups.py)."""
    asked = section.get("commodities")
    if not isinstance(asked, list) or not any(isinstance(c, str) and c in settings.groups for c in asked):
        return section
    from extractors import get_concordance
    from transforms.groups import Members, fetch_plan

    codes: list[str] = []
    for code in asked:
        group = settings.concordance_group(code) if isinstance(code, str) else None
        if group is not None:
            codes += fetch_plan(Members(get_concordance(group.concordance).mapping(), group.into))
        else:
            codes += settings.code_groups.get(code, [code])
    return {**section, "commodities": list(dict.fromkeys(codes))}


def _publisher_settings(
    source: str, section: dict[str, Any], settings: Settings | None = None
) -> PublisherSettings:
    """One publisher's settings: its `[watchlist.<id>]` section, then `TRADEFLOW_<ID>_<FIELD>` (and the
    older variable names it declares) over it."""
    model = get_publisher(source).settings_model
    values = dict(section)
    for field, info in model.model_fields.items():
        names = [f"TRADEFLOW_{source.upper()}_{field.upper()}"]
        if field in model.env_aliases:
            names.append(model.env_aliases[field])
        for name in names:
            if name in os.environ:
                values[field] = _from_environment(os.environ[name], info.annotation)
                break
    if settings is not None:
        values = _with_group_codes(values, settings)
    try:
        return model(**values)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ValueError(f"[watchlist.{source}] {where}: {first['msg']}") from None


def _from_environment(text: str, annotation: Any) -> Any:
    """An environment variable's text as the field takes it: lists comma separated or JSON."""
    if getattr(annotation, "__origin__", None) is list:
        stripped = text.strip()
        if stripped.startswith("["):
            return json.loads(stripped)
        return [part.strip() for part in stripped.split(",") if part.strip()]
    return text


def describe_error(exc: Exception) -> str:
    """One line naming the setting and what is wrong with it."""
    if isinstance(exc, ValidationError):
        parts = []
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"]) or "settings"
            message = redact_text(str(error["msg"]).removeprefix("Value error, "), ())
            if error["type"] == "extra_forbidden":
                message = "not a tradeflow setting"
            variable = f"TRADEFLOW_{str(error['loc'][0]).upper()}" if error["loc"] else ""
            parts.append(f"{where} ({variable}): {message}" if variable else f"{where}: {message}")
        return "; ".join(parts)
    return redact_text(" ".join(str(exc).split()), ())


def load_settings() -> Settings:
    """The settings, or SettingsError saying in one line what is wrong."""
    path = config_file()
    if CONFIG_VARIABLE in os.environ and not path.is_file():
        raise SettingsError(f"{CONFIG_VARIABLE}={path}: no such file")
    try:
        return Settings()
    except (ValidationError, ValueError) as exc:
        raise SettingsError(describe_error(exc)) from None


def with_prefect_secrets(settings: Settings) -> Settings:
    """Fill unset keys from the publishers' Prefect Secret blocks, when a Prefect API is configured.

    Environment variables and tradeflow.toml win; a missing block is not an error.
    """
    missing = [
        source
        for source in publisher_ids()
        if (model := settings.publisher(source)).key_field and model.secret_block and model.key() is None
    ]
    if not missing:
        return settings
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        return settings
    from prefect.blocks.system import Secret

    for source in missing:
        current = settings.publisher(source)
        assert current.secret_block is not None
        assert current.key_field is not None
        try:
            secret: Any = Secret.load(current.secret_block)
        except Exception:  # noqa: S112 - no such block (or no server): the key stays unset
            continue
        filled = current.model_copy(update={current.key_field: SecretStr(str(secret.get()))})
        settings = settings.with_publisher(source, filled)
    return settings


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
