"""Comext SDMX-CSV answers -> raw rows, one per observation (the publisher's own columns).

SDMX-CSV is flat: a header row, then one observation a row with every dimension spelled out, so it reads
without the data structure definition. As of 2026-12 the columns are DATAFLOW (`ESTAT:DS-045409(1.0)`),
LAST UPDATE (`15/09/26 11:00:00`, day/month/two-digit year), the dimensions freq, reporter, partner,
product, flow and indicators, then TIME_PERIOD (`2026-09`) and OBS_VALUE; an OBS_FLAG column comes where
an observation is flagged. A cell Comext keeps confidential has no value.
"""

from __future__ import annotations

import io
import re

import pandas as pd

from extractors.base import Payload
from extractors.errors import ParseError, PublisherError
from extractors.eurostat_comext.areas import from_comext, to_comext
from extractors.eurostat_comext.scopes import ComextScope
from extractors.http import html_page_title
from transforms.months import month_pattern

DIMENSIONS = ("freq", "reporter", "partner", "product", "flow", "indicators")
REQUIRED = (*DIMENSIONS, "TIME_PERIOD", "OBS_VALUE")
RAW_COLUMNS = (*REQUIRED, "OBS_FLAG", "LAST UPDATE", "fetched_at")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?")  # ASCII digits only


def _sdmx_error(text: str) -> str | None:
    """The message of an SDMX-ML error message (`<...:Error>` with `<...:Text>`), if the body is one."""
    if not re.search(r"<(\w+:)?Error\b", text):
        return None
    messages = re.findall(r"<(?:\w+:)?Text[^>]*>(.*?)</(?:\w+:)?Text>", text, re.S)
    return " ".join(" ".join(m.split()) for m in messages) or "an SDMX error message with no text"


def parse_answer(payload: Payload) -> pd.DataFrame:
    text = payload.content.decode("utf-8-sig", "replace")
    if not text.strip():
        raise payload.error(ParseError, "empty answer: expected SDMX-CSV with a header row")
    title = html_page_title(payload.content)
    if title is not None:
        raise payload.error(ParseError, f"not SDMX-CSV: an HTML page ({title!r})")
    if text.lstrip().startswith("<"):
        message = _sdmx_error(text)
        if message is not None:
            raise payload.error(PublisherError, f"Comext error: {message}", code="sdmx-error")
        raise payload.error(ParseError, "not SDMX-CSV: an XML document (was format=SDMX-CSV dropped?)")
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise payload.error(ParseError, f"malformed SDMX-CSV: {' '.join(str(exc).split())}") from None
    frame.columns = [c.strip() for c in frame.columns]
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise payload.error(
            ParseError, f"SDMX-CSV columns {missing} missing (columns: {list(frame.columns)})"
        )
    if "DATAFLOW" in frame.columns:
        other = frame.loc[~frame["DATAFLOW"].str.startswith("ESTAT:DS-045409"), "DATAFLOW"]
        if len(other):
            raise payload.error(ParseError, f"dataflow {other.iloc[0]!r}, not ESTAT:DS-045409")
    for column in REQUIRED:
        frame[column] = frame[column].str.strip()
    monthly = frame["freq"] == "M"
    bad_time = monthly & ~frame["TIME_PERIOD"].str.fullmatch(month_pattern("-"))
    if bad_time.any():
        raise payload.error(
            ParseError, f"TIME_PERIOD {frame['TIME_PERIOD'][bad_time].iloc[0]!r} is not YYYY-MM"
        )
    values = frame["OBS_VALUE"]
    bad_value = (values != "") & ~values.str.fullmatch(_NUMBER)
    if bad_value.any():
        raise payload.error(ParseError, f"OBS_VALUE {values[bad_value].iloc[0]!r} is not a number")
    _check_keys_and_reporter(payload, frame)
    frame = frame[monthly]  # annual rows (freq A) are not asked for; a month's release is its months
    out = pd.DataFrame({c: frame[c] for c in REQUIRED})
    out["OBS_FLAG"] = frame["OBS_FLAG"].str.strip() if "OBS_FLAG" in frame.columns else ""
    out["LAST UPDATE"] = frame["LAST UPDATE"] if "LAST UPDATE" in frame.columns else ""
    out["fetched_at"] = payload.fetched_at
    return out.reset_index(drop=True).loc[:, list(RAW_COLUMNS)]


def _check_keys_and_reporter(payload: Payload, frame: pd.DataFrame) -> None:
    """One observation per key, of the reporter the call asked for. An answer holding a key twice (with two
    values, which one holds?) or a series of another reporter (DE when EU27_2020 was asked) is refused:
    until 2026-12 the first of two values was kept and another reporter's series stored."""
    key = [*DIMENSIONS, "TIME_PERIOD"]
    twice = frame.duplicated(key, keep=False)
    if twice.any():
        first = frame.loc[twice, key].iloc[0]
        raise payload.error(ParseError, f"observation {'.'.join(first)} appears more than once in the answer")
    if payload.scope:
        asked = ComextScope.parse(payload.scope).reporter
        other = sorted({code for code in frame["reporter"].unique() if from_comext(code) != asked})
        if other:
            raise payload.error(
                ParseError,
                f"series of reporter {', '.join(other)}, not asked for: the call asked for {to_comext(asked)}",
            )


def payload_digest(payload: Payload) -> bytes:
    """The observations without LAST UPDATE: a re-dissemination that changes no figure is the same
    release (the column carries the dataset's last update time, which Eurostat moves whenever it re-disseminates
    the dataset, at most twice a day)."""
    lines = payload.content.decode("utf-8-sig", "replace").splitlines()
    if not lines:
        return payload.content
    header = [c.strip() for c in lines[0].split(",")]
    if "LAST UPDATE" not in header or any('"' in line for line in lines):
        return payload.content
    drop = header.index("LAST UPDATE")
    kept = [",".join(c for i, c in enumerate(line.split(",")) if i != drop) for line in lines]
    return "\n".join(kept).encode("utf-8")
