"""What every source shares: the error tree, payloads, the Extractor protocol and the HTTP session.

Error tree (catch the narrowest that fits):

    TradeflowError                 source, period and URL (secrets removed) on every instance
    ├── FetchError                 the publisher could not be read
    │   ├── TransientFetchError    timeouts, resets, 429, 5xx: worth retrying later
    │   │   └── SourceUnavailable  connections keep failing: the source is skipped for this run
    │   └── PermanentFetchError    other 4xx, oversize bodies: retrying will not help
    ├── NotPublished               the month is not out yet: a normal state, not a failure
    ├── PublisherError             the publisher answered with an error in the body (its code and message)
    └── ParseError                 the payload is not in the layout the parser knows; nothing is written
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import logging
import re
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, runtime_checkable
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import pandas as pd
import requests

log = logging.getLogger("tradeflow.extractors")

USER_AGENT = "tradeflow/0.1 (+https://github.com/tradeflow; official trade statistics ingestion)"

_SECRET_PARAMS = frozenset({"servicekey", "key", "subscription-key", "api_key", "apikey", "token"})


# --------------------------------------------------------------------------------------------- errors


class TradeflowError(Exception):
    """Base error: always says which source, which month and which URL (secrets removed)."""

    def __init__(self, message: str, *, source: str, period: dt.date | None = None, url: str = "") -> None:
        self.source = source
        self.period = period
        self.url = url
        self.message = message
        month = period.strftime("%Y-%m") if period else "-"
        where = f" <{url}>" if url else ""
        super().__init__(f"{source} {month}: {message}{where}")


class FetchError(TradeflowError):
    """The publisher could not be read."""


class TransientFetchError(FetchError):
    """Timeouts, connection resets, HTTP 429 and 5xx: the same call may succeed later."""


class SourceUnavailable(TransientFetchError):
    """Several calls in a row to this source could not even connect: the rest of the run fails fast
    instead of waiting out every retry (the next run tries again)."""


class PermanentFetchError(FetchError):
    """A 4xx (other than 429), an oversized body, a redirect loop: retrying will not help."""

    def __init__(self, message: str, *, status: int | None = None, **kw: Any) -> None:
        self.status = status
        super().__init__(message, **kw)


class NotPublished(TradeflowError):
    """The month is not published yet (or has no data): recorded as `not_published`, not a failure."""


class PublisherError(TradeflowError):
    """An error the publisher reported inside the body (Korea's resultCode, Comtrade's `error`, ...)."""

    def __init__(self, message: str, *, code: str = "", **kw: Any) -> None:
        self.code = code
        super().__init__(message, **kw)


class ParseError(TradeflowError):
    """A payload whose layout the parser does not recognise. Says what was expected."""


# ------------------------------------------------------------------------------------------ redaction


def redact_url(url: str, secrets: Iterable[str] = ()) -> str:
    """Remove secrets from a URL: known key parameters are masked, and any secret value anywhere."""
    parts = urlsplit(url)
    query = [
        (k, "***" if k.lower() in _SECRET_PARAMS else v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    cleaned = urlunsplit(
        (parts.scheme, parts.netloc, parts.path, urlencode(query, safe=",*:"), parts.fragment)
    )
    return redact_text(cleaned, secrets)


def redact_text(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
            encoded = quote(secret, safe="")
            if encoded != secret:
                text = text.replace(encoded, "***")
    return text


# ------------------------------------------------------------------------------------------- payloads


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
class SourceConfig:
    """What an extractor needs from the settings, handed in so extractors never read the environment."""

    base_url: str
    api_key: str | None = None
    reporters: tuple[str, ...] = ()
    partners: tuple[str, ...] = ()
    commodities: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()
    edition: str = "USD"
    imports_basis: str = "general"


@runtime_checkable
class Extractor(Protocol):
    """A source: plans its scopes, fetches a month of one scope, parses payloads into raw rows."""

    source_id: ClassVar[str]
    payload_ext: ClassVar[str]

    def scopes(self, config: SourceConfig) -> list[str]:
        """The units a month is fetched in (one call or one page each), from the watchlist."""
        ...

    def fetch(self, http: HttpSession, config: SourceConfig, period: dt.date, scope: str) -> list[Payload]:
        """Fetch one month of one scope. Raises NotPublished when the month is not out yet."""
        ...

    def parse(self, payload: Payload) -> pd.DataFrame:
        """Raw rows of one payload (publisher's own fields). Raises ParseError / PublisherError."""
        ...

    def normalize(self, raw: pd.DataFrame) -> pd.DataFrame:
        """Raw rows -> canonical rows (pure; lives in transforms/)."""
        ...


# ---------------------------------------------------------------------------------------- HTTP session


@dataclass
class HttpPolicy:
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 60.0
    max_retries: int = 4
    backoff_s: float = 2.0
    max_backoff_s: float = 120.0
    max_response_bytes: int = 200 * 1024 * 1024
    min_interval_s: Mapping[str, float] = field(default_factory=dict)
    # Consecutive connection failures (refused, unresolvable, unreachable) after which a source is
    # treated as down for the rest of the session.
    circuit_breaker_failures: int = 3


class HttpSession:
    """One shared requests session: timeouts, retries with backoff, Retry-After, rate limits, size cap.

    Retries happen here for transient failures (timeouts, resets, 429, 5xx); permanent ones (other 4xx)
    raise at once. Secrets are stripped from every URL that leaves this class.
    """

    RETRY_STATUSES: ClassVar[frozenset[int]] = frozenset({429, 500, 502, 503, 504})

    def __init__(self, policy: HttpPolicy | None = None, secrets: Iterable[str] = ()) -> None:
        self.policy = policy or HttpPolicy()
        self.secrets = [s for s in secrets if s]
        self._session = requests.Session()
        self._session.headers["User-Agent"] = USER_AGENT
        self._last_call: dict[str, float] = {}
        self._connect_failures: dict[str, int] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self.sleep = time.sleep  # replaceable in tests that count delays

    def close(self) -> None:
        self._session.close()

    def _throttle(self, source: str) -> None:
        interval = self.policy.min_interval_s.get(source, 0.0)
        if interval <= 0:
            return
        with self._locks_guard:
            lock = self._locks.setdefault(source, threading.Lock())
        with lock:
            wait = self._last_call.get(source, 0.0) + interval - time.monotonic()
            if wait > 0:
                self.sleep(wait)
            self._last_call[source] = time.monotonic()

    def get(
        self,
        url: str,
        *,
        source: str,
        period: dt.date | None = None,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
        ok_statuses: Iterable[int] = (200,),
    ) -> tuple[requests.Response, bytes]:
        """GET with retries; returns the response and its body (read up to the size cap)."""
        ok = set(ok_statuses)
        prepared = requests.Request("GET", url, params=params, headers=dict(headers or {})).prepare()
        safe_url = redact_url(prepared.url or url, self.secrets)
        attempt = 0
        while True:
            attempt += 1
            failures = self._connect_failures.get(source, 0)
            if failures >= self.policy.circuit_breaker_failures:
                raise SourceUnavailable(
                    f"skipped: the last {failures} connections to this source failed",
                    source=source,
                    period=period,
                    url=safe_url,
                )
            self._throttle(source)
            delay: float | None = None
            try:
                response = self._session.send(
                    prepared,
                    timeout=(self.policy.connect_timeout_s, self.policy.read_timeout_s),
                    stream=True,
                    allow_redirects=True,
                )
                self._connect_failures[source] = 0
                try:
                    if response.status_code in ok:
                        body = self._read_capped(response, source, period, safe_url)
                        return response, body
                    status = response.status_code
                    snippet = self._snippet(response)
                finally:
                    response.close()
                if status in self.RETRY_STATUSES:
                    problem = f"HTTP {status} {snippet}".strip()
                    delay = _retry_after(response.headers.get("Retry-After"))
                else:
                    raise PermanentFetchError(
                        f"HTTP {status} {snippet}".strip(),
                        status=status,
                        source=source,
                        period=period,
                        url=safe_url,
                    )
            except (
                requests.Timeout,
                requests.ConnectionError,
                requests.exceptions.ChunkedEncodingError,
            ) as exc:
                problem = f"{type(exc).__name__}: {redact_text(str(exc), self.secrets)}"
                if isinstance(exc, requests.ConnectionError) and not isinstance(exc, requests.ReadTimeout):
                    failures = self._connect_failures.get(source, 0) + 1
                    self._connect_failures[source] = failures
                    if failures >= self.policy.circuit_breaker_failures:
                        raise SourceUnavailable(
                            f"the last {failures} connections to this source failed ({problem})",
                            source=source,
                            period=period,
                            url=safe_url,
                        ) from None
            if attempt > self.policy.max_retries:
                raise TransientFetchError(
                    f"gave up after {attempt} attempts: {problem}", source=source, period=period, url=safe_url
                )
            if delay is None:
                delay = self.policy.backoff_s * 2 ** (attempt - 1)
            delay = min(delay, self.policy.max_backoff_s)
            log.warning("%s: %s; retry %d in %.1fs <%s>", source, problem, attempt, delay, safe_url)
            self.sleep(delay)

    def _read_capped(
        self, response: requests.Response, source: str, period: dt.date | None, url: str
    ) -> bytes:
        limit = self.policy.max_response_bytes
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise PermanentFetchError(
                f"response of {declared} bytes exceeds the {limit}-byte limit",
                source=source,
                period=period,
                url=url,
            )
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(chunk_size=1 << 16):
            size += len(chunk)
            if size > limit:
                raise PermanentFetchError(
                    f"response exceeds the {limit}-byte limit", source=source, period=period, url=url
                )
            chunks.append(chunk)
        return b"".join(chunks)

    def _snippet(self, response: requests.Response) -> str:
        try:
            head = next(response.iter_content(chunk_size=300), b"")
        except requests.RequestException:
            return ""
        text = re.sub(r"\s+", " ", head.decode("utf-8", "replace")).strip()
        return redact_text(text[:200], self.secrets)


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


_HTML_START = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!doctype\s+html|<html)", re.IGNORECASE)
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def html_page_title(content: bytes) -> str | None:
    """If the body is an HTML page (a proxy's or gateway's error page), its title; else None."""
    if not _HTML_START.match(content[:512]):
        return None
    match = _TITLE.search(content[:4096])
    title = match.group(1).decode("utf-8", "replace") if match else ""
    return " ".join(title.split())[:120] or "untitled"


def month_pattern(separator: str) -> str:
    """A regular expression for a month as publishers write it, year then month: a real month only
    (2026.13, 2026.00 or year 0 are not; they would reach `datetime.date` and fail there)."""
    return rf"[1-9]\d{{3}}{re.escape(separator)}(?:0[1-9]|1[0-2])"


def parse_month(text: str) -> dt.date:
    """'YYYY-MM' (or 'YYYYMM', 'YYYY.MM') -> the first day of that month."""
    month = text.strip()
    if not any(re.fullmatch(month_pattern(separator), month) for separator in ("-", ".", "")):
        raise ValueError(f"not a month: {text!r} (expected YYYY-MM)")
    return dt.date(int(month[:4]), int(month[-2:]), 1)
