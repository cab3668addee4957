"""The error tree. Every error says which source, which month and which URL (secrets removed).

    TradeflowError                 source, period and URL on every instance
    ├── FetchError                 the publisher could not be read
    │   ├── TransientFetchError    timeouts, resets, 429, 5xx: worth retrying later
    │   │   └── SourceUnavailable  connections keep failing: the source is skipped for this run
    │   └── PermanentFetchError    other 4xx, oversize bodies: retrying will not help
    ├── NotPublished               the month is not out yet: a normal state, not a failure
    ├── PublisherError             the publisher answered with an error in the body (its code and message)
    └── ParseError                 the payload is not in the layout the parser knows; nothing is written

Catch the narrowest that fits.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

# Terminal escape sequences (CSI, OSC, and the two-character ones), then any other control character and
# the Unicode controls that reorder what is shown (bidi overrides and isolates).
_ESCAPES = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])|\x9b[0-?]*[ -/]*[@-~]"
)
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """Publisher text as an operator may safely see it: escape sequences removed (they can clear a screen
    and print a fake "ALL RELEASES LOADED OK"), other control characters as spaces, on one line."""
    return " ".join(_CONTROLS.sub(" ", _ESCAPES.sub("", text)).split())


class TradeflowError(Exception):
    """Base error: always says which source, which month and which URL (secrets removed)."""

    def __init__(self, message: str, *, source: str, period: dt.date | None = None, url: str = "") -> None:
        self.source = source
        self.period = period
        self.url = printable(url)
        self.message = message = printable(message)  # it carries publisher text to terminals and logs
        month = period.strftime("%Y-%m") if period else "-"
        where = f" <{self.url}>" if self.url else ""
        super().__init__(f"{source} {month}: {message}{where}")


class FetchError(TradeflowError):
    """The publisher could not be read."""


class TransientFetchError(FetchError):
    """Timeouts, connection resets, HTTP 429 and 5xx: the same call may succeed later."""


class SourceUnavailable(TransientFetchError):
    """Several calls in a row to this source could not even connect: the rest of the run does not try it
    (the next run does). `attempted` is False for a release that was not even tried."""

    def __init__(self, message: str, *, attempted: bool = True, **kw: Any) -> None:
        self.attempted = attempted
        super().__init__(message, **kw)


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
