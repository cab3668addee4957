"""US Census intltrade answers (JSON) -> raw rows.

The answer is a JSON array of arrays, header row first, every value a string; predicate variables are
echoed as columns (as of 2026-11).
"""

from __future__ import annotations

import json

import pandas as pd

from extractors.base import Payload
from extractors.errors import ParseError
from extractors.http import html_page_title
from extractors.us_census.fetch import VALUE_FIELDS
from transforms.months import month_pattern


def parse_answer(payload: Payload) -> pd.DataFrame:
    """The answer's rows, with the flow told by the commodity column and `fetched_at`."""
    if payload.status == 204 or not payload.content.strip():
        return pd.DataFrame(
            columns=[
                "flow",
                "time",
                "CTY_CODE",
                "CTY_NAME",
                "commodity",
                "description",
                "COMM_LVL",
                "value",
                "SUMMARY_LVL",
            ]
        )
    title = html_page_title(payload.content)
    if title is not None:
        raise payload.error(ParseError, f"not JSON: an HTML page ({title!r}) where Census JSON was expected")
    try:
        doc = json.loads(payload.content)
    except (UnicodeDecodeError, json.JSONDecodeError):
        snippet = payload.content[:120].decode("utf-8", "replace")
        raise payload.error(
            ParseError, f"not JSON (starts {snippet!r}); expected an array of arrays"
        ) from None
    except RecursionError:  # the decoder stops at Python's recursion limit, so memory stays bounded
        raise payload.error(
            ParseError, "JSON nested deeper than any answer; expected an array of arrays"
        ) from None
    if (
        not isinstance(doc, list)
        or not doc
        or not all(isinstance(r, list) for r in doc)
        or not all(isinstance(h, str) for h in doc[0])
    ):
        raise payload.error(ParseError, "expected a JSON array of arrays with a header row first")
    header = doc[0]
    width = len(header)
    if any(len(r) != width for r in doc[1:]):
        raise payload.error(ParseError, "rows differ in length from the header row")
    frame = pd.DataFrame(doc[1:], columns=header)
    frame = frame.loc[:, ~frame.columns.duplicated()]
    if "E_COMMODITY" in frame.columns:
        flow, commodity = "export", "E_COMMODITY"
        value_field = "ALL_VAL_MO"
    elif "I_COMMODITY" in frame.columns:
        flow, commodity = "import", "I_COMMODITY"
        value_field = next((f for f in VALUE_FIELDS["imports"] if f in frame.columns), "GEN_VAL_MO")
    else:
        raise payload.error(ParseError, f"no E_COMMODITY or I_COMMODITY column (columns: {header})")
    missing = [c for c in ("time", "CTY_CODE", value_field) if c not in frame.columns]
    if missing:
        raise payload.error(ParseError, f"columns {missing} missing (columns: {header})")
    if not all(isinstance(v, str) or v is None for row in doc[1:] for v in row):
        raise payload.error(ParseError, "a value is neither a string nor null (the API sends only strings)")
    bad_time = ~frame["time"].astype(str).str.fullmatch(month_pattern("-"))
    if bad_time.any():
        raise payload.error(ParseError, f"time {frame['time'][bad_time].iloc[0]!r} is not YYYY-MM")
    return pd.DataFrame(
        {
            "flow": flow,
            "time": frame["time"],
            "CTY_CODE": frame["CTY_CODE"],
            "CTY_NAME": frame.get("CTY_NAME", pd.Series([""] * len(frame))),
            "commodity": frame[commodity],
            "description": frame.get(f"{commodity}_SDESC", frame.get(f"{commodity}_LDESC", "")),
            "COMM_LVL": frame.get("COMM_LVL", ""),
            "value": frame[value_field],
            "value_field": value_field,
            "SUMMARY_LVL": frame.get("SUMMARY_LVL", ""),
            "fetched_at": payload.fetched_at,
        }
    )
