"""Payloads -> validated canonical rows: parse, normalise, check against the data contract.

Every failure here is a ParseError naming the source, the month and the URL, so nothing half-understood
reaches the warehouse.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pandas as pd

from extractors.base import Payload, Publisher
from extractors.errors import ParseError
from transforms.areas import is_unmapped
from transforms.months import last_month_covered
from transforms.schema import SchemaError, empty_canonical, validate_canonical


def payload_rows(publisher: Publisher[Any], payload: Payload) -> pd.DataFrame:
    """One payload's canonical rows, checked against the contract."""
    try:
        return validate_canonical(publisher.normalize(publisher.parse(payload)))
    except SchemaError as exc:
        raise payload.error(ParseError, f"normalised rows break the data contract: {exc}") from exc
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        # A layout the parser did not foresee: still an error naming source, month and URL.
        raise payload.error(ParseError, f"unexpected content ({type(exc).__name__}: {exc})") from exc


def check_release_period(rows: pd.DataFrame, period: dt.date, payload: Payload) -> None:
    """Every figure must belong to the requested month (a month figure) or end with it (a cumulative one)."""
    if rows.empty:
        return
    ends = {last_month_covered(p, int(m)) for p, m in zip(rows["period"], rows["period_months"], strict=True)}
    wrong = sorted(e for e in ends if e != period)
    if wrong:
        raise payload.error(
            ParseError,
            f"release holds figures for {[w.strftime('%Y-%m') for w in wrong]}, not the requested month",
        )


def release_rows(publisher: Publisher[Any], payloads: list[Payload], period: dt.date | None) -> pd.DataFrame:
    """Every payload of a release as one frame of canonical rows (a release split over several calls
    must not hold the same figure twice)."""
    frames = []
    for payload in payloads:
        frame = payload_rows(publisher, payload)
        if period is not None:
            check_release_period(frame, period, payload)
        if not frame.empty:
            frames.append(frame)
    if not frames:
        return empty_canonical()
    try:
        return validate_canonical(pd.concat(frames, ignore_index=True))
    except SchemaError as exc:
        raise payloads[0].error(ParseError, f"parts of the release overlap: {exc}") from exc


def unmapped_areas(rows: pd.DataFrame) -> list[str]:
    """Publisher codes that could not be mapped to an area: kept in the rows, and reported."""
    codes = set(rows["reporter"]) | set(rows["partner"])
    return sorted(c for c in codes if is_unmapped(c))


def release_digest(publisher: Publisher[Any], payloads: list[Payload]) -> str:
    """The payload digest of a release: what the publisher says identifies each payload, with whether its
    month was final by the calendar when it was fetched, digested in order. Equal digests mean the release
    is the one last loaded, and need not be parsed again; the same bytes fetched once a month has become
    final are another release, whose load clears the provisional flag."""
    digest = hashlib.sha256()
    for payload in payloads:
        final = publisher.calendar.is_final(payload.period, payload.fetched_at.date())
        marker = b"" if final is None else b"\x00final" if final else b"\x00provisional"
        digest.update(hashlib.sha256(publisher.payload_digest(payload) + marker).digest())
    return digest.hexdigest()
