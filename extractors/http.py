"""The HTTP session every publisher is fetched through: timeouts, a deadline per answer, retries with
backoff (honouring Retry-After), a minimum interval per source, a size cap, a circuit breaker, and
URLs with their secrets removed on everything that leaves it.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import errno
import logging
import re
import socket
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import urlsplit

import requests
import urllib3.exceptions

from extractors.errors import PermanentFetchError, SourceUnavailable, TransientFetchError
from extractors.redaction import redact_text, redact_url

log = logging.getLogger("tradeflow.extractors")

USER_AGENT = "tradeflow/0.1 (+https://github.com/tradeflow; official trade statistics ingestion)"


@dataclass
class HttpPolicy:
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 60.0  # the longest wait for any one read from the socket
    total_timeout_s: float = 300.0  # the longest wait for a whole answer, however it trickles in
    max_retries: int = 4
    backoff_s: float = 2.0
    max_backoff_s: float = 120.0
    max_response_bytes: int = 200 * 1024 * 1024
    min_interval_s: Mapping[str, float] = field(default_factory=dict)
    # Consecutive connection failures (refused, unresolvable, unreachable) after which a source is
    # treated as down for the rest of the session.
    circuit_breaker_failures: int = 3


class _Transient(Exception):
    """One attempt failed in a way worth retrying; `delay` is what the publisher asked us to wait."""

    def __init__(self, problem: str, delay: float | None = None) -> None:
        self.problem = problem
        self.delay = delay
        super().__init__(problem)


class HttpSession:
    """One shared requests session: timeouts, retries with backoff, Retry-After, rate limits, size cap.

    Retries happen here for transient failures (timeouts, resets, 429, 5xx, an answer not complete by
    the deadline); permanent ones (other 4xx) raise at once. Secrets are stripped from every URL that
    leaves this class.
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

    def connect_failures(self, source: str) -> int:
        """Connections to this source that failed in a row (0 after any success)."""
        return self._connect_failures.get(source, 0)

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
        where: dict[str, Any] = {"source": source, "period": period, "url": safe_url}
        attempt = 0
        while True:
            attempt += 1
            failures = self._connect_failures.get(source, 0)
            if failures >= self.policy.circuit_breaker_failures:
                raise SourceUnavailable(
                    f"not tried: the last {failures} connections to this source failed",
                    attempted=False,
                    **where,
                )
            self._throttle(source)
            try:
                return self._attempt(prepared, ok, where)
            except _Transient as exc:
                problem, delay = exc.problem, exc.delay
            if attempt > self.policy.max_retries:
                raise TransientFetchError(f"gave up after {attempt} attempts: {problem}", **where)
            if delay is None:
                delay = self.policy.backoff_s * 2 ** (attempt - 1)
            delay = min(delay, self.policy.max_backoff_s)
            # A retry is on the way, not an outcome: the release's own line says how it ended (`-v` shows these).
            log.info("%s: %s; retry %d in %.1fs <%s>", source, problem, attempt, delay, safe_url)
            self.sleep(delay)

    def _attempt(
        self, prepared: requests.PreparedRequest, ok: set[int], where: dict[str, Any]
    ) -> tuple[requests.Response, bytes]:
        """One request: the response and its whole body, or _Transient / a permanent error."""
        source = where["source"]
        started = time.monotonic()
        try:
            response = self._session.send(
                prepared,
                timeout=(self.policy.connect_timeout_s, self.policy.read_timeout_s),
                stream=True,
                allow_redirects=True,
            )
        except requests.ConnectionError as exc:
            problem = redact_text(connection_problem(exc, prepared.url or ""), self.secrets)
            if not isinstance(exc, requests.ReadTimeout):
                with self._locks_guard:  # releases of one source fail side by side: count each once
                    failures = self._connect_failures.get(source, 0) + 1
                    self._connect_failures[source] = failures
                if failures >= self.policy.circuit_breaker_failures:
                    raise SourceUnavailable(
                        f"unreachable: {problem}; the last {failures} connections failed",
                        attempted=True,
                        **where,
                    ) from None
            raise _Transient(problem) from None
        except requests.Timeout as exc:
            raise _Transient(f"{type(exc).__name__}: {redact_text(str(exc), self.secrets)}") from None
        except requests.RequestException as exc:  # too many redirects, an invalid URL: no retry helps
            raise PermanentFetchError(
                f"{type(exc).__name__}: {redact_text(str(exc), self.secrets)}", **where
            ) from None
        self._connect_failures[source] = 0
        with response:
            status = response.status_code
            if status in ok:
                return response, self._read_body(response, started, where)
            snippet = self._snippet(response)
        if status in self.RETRY_STATUSES:
            raise _Transient(
                f"HTTP {status} {snippet}".strip(), _retry_after(response.headers.get("Retry-After"))
            )
        raise PermanentFetchError(f"HTTP {status} {snippet}".strip(), status=status, **where)

    def _read_body(self, response: requests.Response, started: float, where: dict[str, Any]) -> bytes:
        """The whole body, read as it arrives, within the size cap and the answer's deadline.

        A read waits at most the read timeout, and never past the deadline: the socket's timeout is set
        before each read to whichever comes first, so a publisher trickling a byte a second is cut off
        at the deadline rather than held for as long as it likes.
        """
        limit = self.policy.max_response_bytes
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise PermanentFetchError(f"response of {declared} bytes exceeds the {limit}-byte limit", **where)
        deadline = started + self.policy.total_timeout_s
        raw = response.raw
        connection = getattr(raw, "connection", None)
        sock = getattr(connection, "sock", None)
        chunks: list[bytes] = []
        size = 0
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _Transient(
                    f"the answer was not complete after {self.policy.total_timeout_s:g} s "
                    f"({size} bytes received; TRADEFLOW_HTTP_TOTAL_TIMEOUT_S)"
                )
            if sock is not None:
                sock.settimeout(min(self.policy.read_timeout_s, remaining))
            try:
                chunk = raw.read1(1 << 16, decode_content=True)
            except urllib3.exceptions.ReadTimeoutError:
                if time.monotonic() >= deadline:
                    continue  # reported as the deadline above
                raise _Transient(f"read timed out after {self.policy.read_timeout_s:g} s") from None
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                raise _Transient(
                    f"connection broken mid-answer: {redact_text(str(exc), self.secrets)}"
                ) from None
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > limit:
                raise PermanentFetchError(f"response exceeds the {limit}-byte limit", **where)
            chunks.append(chunk)

    def _snippet(self, response: requests.Response) -> str:
        try:
            head = next(response.iter_content(chunk_size=300), b"")
        except requests.RequestException:
            return ""
        text = re.sub(r"\s+", " ", head.decode("utf-8", "replace")).strip()
        return redact_text(text[:200], self.secrets)


def connection_problem(exc: BaseException, url: str) -> str:
    """What went wrong connecting, in a few words ("name resolution failed for comtradeapi.un.org"),
    instead of urllib3's 300-character chain of pools and retries."""
    host = urlsplit(url).hostname or "?"
    port = urlsplit(url).port
    where = f"{host}:{port}" if port else host
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        name = type(current).__name__
        if name == "NameResolutionError" or isinstance(current, socket.gaierror):
            return f"name resolution failed for {host}"
        if isinstance(current, ConnectionRefusedError):
            return f"connection refused by {where}"
        if name in ("ConnectTimeoutError", "ConnectTimeout") or isinstance(current, requests.ConnectTimeout):
            return f"connecting to {where} timed out"
        if isinstance(current, ConnectionResetError):
            return f"connection reset by {where}"
        if isinstance(current, OSError) and current.errno == errno.ENETUNREACH:
            return f"network unreachable for {where}"
        current = current.__cause__ or current.__context__ or _reason(current)
    return f"{type(exc).__name__} connecting to {where}"


def _reason(exc: BaseException) -> BaseException | None:
    """urllib3 keeps the underlying error in `reason` (MaxRetryError) and requests in its first argument."""
    reason = getattr(exc, "reason", None)
    if isinstance(reason, BaseException):
        return reason
    first = exc.args[0] if exc.args else None
    return first if isinstance(first, BaseException) else None


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
