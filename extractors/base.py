"""The publisher contract: what the flows, CLI, settings, planning, status and views iterate over.

A publisher is one package under `extractors/<id>/` (or in any installed distribution) exposing an object
that satisfies `Publisher`, registered under the entry-point group `tradeflow.publishers`. It says:
- how it is configured (`settings_model`, a `PublisherSettings`: watchlist fields, base URL, key);
- when it publishes (`calendar`, a `ReleaseCalendar`);
- what a month is fetched in (`scopes`, typed values whose text is what the database stores);
- how a month of one scope is fetched (`fetch`), parsed into its own raw rows (`parse`) and turned into
  canonical rows (`normalize`, pure pandas);
- what "the same payload" means for the skip of unchanged releases (`payload_digest`).
It never touches the database and never reads the environment.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel, ConfigDict, SecretStr, field_validator

from extractors.errors import TradeflowError
from transforms.months import Month, add_months, parse_month

if TYPE_CHECKING:  # the contract is read by commands that never parse (`--help`, `status`): no pandas
    import pandas as pd

    from extractors.http import HttpSession


@dataclass(frozen=True)
class Payload:
    """One answer from a publisher (or one local file), exactly as received."""

    source: str
    content: bytes
    url: str  # secrets removed
    ext: str  # json, xml, html, csv
    period: dt.date | None = None
    scope: str = ""
    fetched_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    published_at: dt.datetime | None = None
    status: int = 200

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    def error(self, cls: type[TradeflowError], message: str, **kw: Any) -> TradeflowError:
        return cls(message, source=self.source, period=self.period, url=self.url, **kw)


@dataclass(frozen=True)
class ProbeResult:
    """What a probe found: whether the release is out (None: the probe cannot tell, and the release is
    fetched), in words, and when the publisher says it was published, where it says so."""

    published: bool | None
    detail: str
    url: str = ""
    published_at: dt.datetime | None = None


class Scope(Protocol):
    """A unit a month is fetched in (one call, or one page). `str(scope)` is what the database stores
    in `release.scope` and `ingest_status.scope`; the publisher's `scope(text)` reads it back."""

    def __str__(self) -> str: ...


class PublisherSettings(BaseModel):
    """One publisher's settings: `[watchlist.<id>]` in tradeflow.toml, overridden field by field by the
    environment variable `TRADEFLOW_<ID>_<FIELD>` (e.g. TRADEFLOW_KR_CUSTOMS_BASE_URL). Countries are ISO
    3166-1 alpha-3 (`WLD` = world). A publisher subclasses it with its own fields and defaults."""

    model_config = ConfigDict(extra="forbid")

    base_url: str
    reporters: list[str] = []
    partners: list[str] = []
    commodities: list[str] = []
    first_month: str = "2024-01"

    # What the publisher declares about itself (class attributes, not settings).
    key_field: ClassVar[str | None] = None  # the field holding its key, if it takes one
    key_required: ClassVar[bool] = False  # without a key the publisher is skipped by the nightly
    secret_block: ClassVar[str | None] = None  # a Prefect Secret block that stands in for an unset key
    min_interval_s: ClassVar[float] = 0.0  # default spacing of this process's calls
    concurrency: ClassVar[int] = 1  # default size of the cross-worker concurrency limit
    env_aliases: ClassVar[dict[str, str]] = {}  # field -> an older environment variable also read

    @field_validator("first_month")
    @classmethod
    def _a_month(cls, value: str) -> str:
        parse_month(value)
        return value

    @field_validator("base_url")
    @classmethod
    def _an_http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"must be an http:// or https:// URL, not {value!r}")
        return value.rstrip("/")

    @property
    def first(self) -> Month:
        return parse_month(self.first_month)

    def key(self) -> str | None:
        """The key's value, or None (no key field, or unset)."""
        if self.key_field is None:
            return None
        secret = getattr(self, self.key_field)
        return secret.get_secret_value() if isinstance(secret, SecretStr) else None


@dataclass(frozen=True)
class ReleaseMoment:
    """When one release of month `period` is expected: on a day from `first` to `last` (the publisher's
    local dates), at `time` local time in `timezone` (None: the publisher states no time of day). A month
    released in parts (Korea's days 1-10, 1-20, the month) has a moment per part, `days` saying which."""

    period: Month
    first: dt.date
    last: dt.date
    time: dt.time | None
    timezone: str
    days: int = 0  # 0: the whole month; N: the figures for days 1 to N
    weekdays_only: bool = False  # the publisher never releases on a Saturday or Sunday

    @property
    def earliest(self) -> dt.datetime:
        """The first instant the release can be out (aware)."""
        return dt.datetime.combine(self.first, self.time or dt.time(0), tzinfo=_zone(self.timezone))

    def label(self) -> str:
        return f"{self.period:%Y-%m}" + (f" days 1-{self.days}" if self.days else "")


def _zone(name: str) -> dt.tzinfo:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


class ReleaseCalendar:
    """When a publisher's months come out and when they are revised. Month M is normally out in month
    M + `lag_months`, from day `first_day` on; the defaults describe a publisher with no revisions.

    Subclasses override what differs (a revision window, bulk refreshes, months never published alone,
    release days of their own).
    """

    lag_months: int = 1
    first_day: int = 1  # the earliest day of month M + lag on which month M can be out
    late_after_day: int | None = None  # month M is late once this day has passed (None: no calendar)
    note: str = ""  # one line for people, stored in the source_calendar reference table
    timezone: str = "UTC"  # the publisher's own clock
    release_time: dt.time | None = None  # the local time of day releases come out (None: not stated)
    weekdays_only: bool = False  # releases never fall on a Saturday or Sunday

    def release_moments(self, period: Month) -> list[ReleaseMoment]:
        """When month `period` is expected, from the day rule: from `first_day` to `late_after_day` of
        month M + lag, at `release_time`. Empty for a publisher with no calendar (no `late_after_day`)."""
        if self.late_after_day is None or not self.publishes_alone(period):
            return []
        month = add_months(period, self.lag_months)
        first = month.replace(day=self.first_day)
        while self.weekdays_only and first.weekday() >= 5:
            first += dt.timedelta(days=1)
        last = max(first, month.replace(day=self.late_after_day))
        return [
            ReleaseMoment(
                period, first, last, self.release_time, self.timezone, weekdays_only=self.weekdays_only
            )
        ]

    def next_release(self, after: dt.datetime) -> ReleaseMoment | None:
        """The first release expected after the instant `after`, or one whose possible days are not over
        yet (it may still come today or later); None: the publisher has no calendar."""
        start = add_months(after.date().replace(day=1), -self.lag_months - 1)
        for k in range(15):
            for moment in self.release_moments(add_months(start, k)):
                ends = dt.datetime.combine(moment.last, dt.time(23, 59), tzinfo=_zone(moment.timezone))
                if moment.earliest > after or (moment.last > moment.first and ends > after):
                    return moment
        return None

    def latest_month(self, today: dt.date) -> Month:
        """The latest month whose release could be out on `today`."""
        lag = self.lag_months if today.day >= self.first_day else self.lag_months + 1
        return add_months(today.replace(day=1), -lag)

    def revision_window(self, settings: PublisherSettings) -> int:
        """How many months back from the latest one the publisher revises (0: none)."""
        return 0

    def last_refresh(self, today: dt.date) -> dt.date | None:
        """When the publisher last re-issued past months in bulk (None: it does not)."""
        return None

    def recheck_days(self, settings: PublisherSettings) -> int | None:
        """Re-check the revision window every this many days, refresh or not (None: only after one)."""
        return None

    def publishes_alone(self, month: Month) -> bool:
        """False for a month that only ever comes inside another month's release."""
        return True

    def final_from(self, period: Month) -> dt.date | None:
        """The day from which month `period`'s figures are final by the calendar alone (the provisional
        flag of a figure the payload does not flag itself), or None where time never changes it. Part of
        what makes a payload "the same": identical bytes fetched before and after that day are two
        releases, and the second one clears the flag."""
        return None

    def is_final(self, period: Month | None, as_of: dt.date) -> bool | None:
        """Whether `period` is past `final_from` on `as_of` (None: the calendar does not say)."""
        final_from = self.final_from(period) if period is not None else None
        return None if final_from is None else as_of >= final_from


SettingsT = TypeVar("SettingsT", bound=PublisherSettings, contravariant=True)


@runtime_checkable
class Publisher(Protocol[SettingsT]):
    """One publisher. Implementations are plain objects; see the module docstring."""

    id: str
    title: str
    settings_model: type[PublisherSettings]
    calendar: ReleaseCalendar

    def scopes(self, settings: SettingsT) -> Sequence[Scope]:
        """The units a month is fetched in, from the watchlist."""
        ...

    def scope(self, text: str) -> Scope:
        """A scope back from the text the database holds (ValueError if it is not one of ours)."""
        ...

    def fetch(self, http: HttpSession, settings: SettingsT, period: Month, scope: Scope) -> list[Payload]:
        """Fetch one month of one scope. Raises NotPublished when the month is not out yet."""
        ...

    def parse(self, payload: Payload) -> pd.DataFrame:
        """Raw rows of one payload (publisher's own fields). Raises ParseError / PublisherError."""
        ...

    def normalize(self, raw: pd.DataFrame) -> pd.DataFrame:
        """Raw rows -> canonical rows (pure pandas)."""
        ...

    def payload_digest(self, payload: Payload) -> bytes:
        """What identifies "the same payload" for the skip of unchanged releases (usually the bytes). The
        month's finality by the calendar (`ReleaseCalendar.final_from`) is added by the caller."""
        ...


@runtime_checkable
class Probing(Protocol[SettingsT]):
    """A publisher that can tell cheaply whether a release is out (optional: `watch` fetches the release
    of one that cannot). A probe makes the smallest request that answers, never writes, and raises the
    publisher's errors like a fetch (unreachable, refused)."""

    def probe(self, http: HttpSession, settings: SettingsT, moment: ReleaseMoment) -> ProbeResult: ...


@dataclass(frozen=True)
class Concordance:
    """A table mapping one commodity code system into another, registered under the entry-point group
    `tradeflow.concordances` (e.g. Korea's HSK lines into the MTI industries its trade news counts). A
    `[groups]` entry of tradeflow.toml can be every code a concordance maps into a target code."""

    id: str
    title: str
    code_system: str  # what it maps, e.g. "HSK" (10-digit lines)
    target_system: str  # what it maps into, e.g. "MTI"
    read: Any  # () -> dict[code, target code], read once (a callable: the table loads only when used)
    table: Path | None = None  # the file it is read from: its bytes are its digest, read without parsing

    def mapping(self) -> dict[str, str]:
        table: dict[str, str] = self.read()
        return table

    def digest(self) -> str:
        """What identifies this version of the table: the file's SHA-256, else the mapping's."""
        if self.table is not None:
            return hashlib.sha256(self.table.read_bytes()).hexdigest()
        text = "\n".join(f"{c}\t{t}" for c, t in sorted(self.mapping().items()))
        return hashlib.sha256(text.encode()).hexdigest()
