"""The canonical row: the data contract every source is normalised to.

`validate_canonical` is the gate in front of every write: a frame that breaks the contract is refused with
a message naming the column and the first offending rows, before anything touches the database.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any, Final

import numpy as np
import pandas as pd
import pycountry

from transforms.columns import object_frame

CANONICAL_COLUMNS: Final[tuple[str, ...]] = (
    "source",
    "reporter",
    "partner",
    "flow",
    "commodity_system",
    "commodity_code",
    "commodity_name",
    "period",
    "period_months",
    "period_days",
    "value",
    "currency",
    "valuation",
    "net_weight_kg",
    "quantity",
    "quantity_unit",
    "provisional",
)

KEY_COLUMNS: Final[tuple[str, ...]] = (
    "source",
    "reporter",
    "partner",
    "flow",
    "commodity_system",
    "commodity_code",
    "period",
    "period_months",
    "period_days",
    "currency",
)

# The columns whose change makes a revision of a figure (one list: the merge, the row hashes and the
# revision rows all use it).
MEASURE_COLUMNS: Final[tuple[str, ...]] = (
    "value",
    "valuation",
    "net_weight_kg",
    "quantity",
    "quantity_unit",
    "provisional",
)

FLOWS: Final[frozenset[str]] = frozenset({"export", "import", "re_export", "re_import"})
COMMODITY_SYSTEMS: Final[frozenset[str]] = frozenset({"TOTAL", "HS", "HSK", "CN8", "GACC", "KCS"})
VALUATIONS: Final[frozenset[str]] = frozenset({"CIF", "FOB", "FAS", ""})
CURRENCIES: Final[frozenset[str]] = frozenset(c.alpha_3 for c in pycountry.currencies)
PERIOD_MONTHS: Final[frozenset[int]] = frozenset(range(1, 13))
# No published monthly or annual trade figure comes near 10^15 in any currency unit (world trade is about
# 3x10^13 USD a year): a larger one is a unit multiplier applied twice or a broken parse.
MAX_VALUE: Final[float] = 1e15

_SOURCE_RE = re.compile(r"^[a-z][a-z0-9_]*$")
# An area is ISO alpha-3 (or WLD / a documented X-code, also three capitals), or a publisher code
# that could not be mapped, kept as "<source>:<code>" so it is never dropped nor guessed.
_AREA_RE = re.compile(r"^(?:[A-Z]{3}|[a-z][a-z0-9_]*:[^\s\x00-\x1f\x7f-\x9f]+)$")
_HS_RE = re.compile(r"^(?:\d{2}|\d{4}|\d{6}|\d{8}|\d{10})$")
_HSK_RE = re.compile(r"^\d{2,10}$")
_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_]*$")

_STRING_COLUMNS: Final[tuple[str, ...]] = (
    "source",
    "reporter",
    "partner",
    "flow",
    "commodity_system",
    "commodity_code",
    "commodity_name",
    "currency",
    "valuation",
)

_FLOAT_COLUMNS: Final[tuple[str, ...]] = ("value", "net_weight_kg", "quantity")

# The longest text each column may hold (the warehouse's column sizes are these; commodity_name is
# unbounded). PostgreSQL refuses longer text mid-load and SQLite would store it: both are refused here.
TEXT_LIMITS: Final[dict[str, int]] = {
    "source": 40,
    "reporter": 60,
    "partner": 60,
    "flow": 12,
    "commodity_system": 8,
    "commodity_code": 80,
    "currency": 3,
    "valuation": 3,
    "quantity_unit": 40,
}


_CHECKED = "tradeflow_checked"  # attrs key: the id of a frame that passed validate_canonical


class SchemaError(ValueError):
    """A frame that breaks the canonical contract. Nothing was written."""

    def __init__(self, column: str, problem: str, rows: pd.DataFrame | None = None) -> None:
        self.column = column
        self.problem = problem
        sample = ""
        if rows is not None and not rows.empty:
            sample = "; first bad rows:\n" + rows.head(5).to_string(max_colwidth=40)
        super().__init__(f"canonical column {column!r}: {problem}{sample}")


def empty_canonical() -> pd.DataFrame:
    """A zero-row frame with the canonical columns and dtypes (a valid empty release)."""
    frame = pd.DataFrame({col: pd.Series(dtype="object") for col in CANONICAL_COLUMNS})
    return coerce_canonical(frame)


# What an optional column holds when a source does not publish it.
_OPTIONAL_EMPTY: Final[dict[str, Any]] = {
    "period_days": 0,  # the whole months: a part-month figure says how many days from the 1st it covers
    "commodity_name": "",
    "valuation": "",
    "net_weight_kg": np.nan,
    "quantity": np.nan,
    "quantity_unit": None,
    "provisional": False,
}


_KINDS: Final[dict[str, str]] = {
    "period_months": "i",
    "period_days": "i",
    "provisional": "b",
}  # the rest: "f" numbers, "O" text


def contract_frame(columns: Mapping[str, Any], length: int) -> pd.DataFrame:
    """The canonical frame of columns a normaliser built in their contract types (text as Python str or
    None, numbers as float64, `period` as datetime.date, `period_months` as int64, `provisional` as bool),
    without `coerce_canonical`'s pass over every value, which was a third of a normaliser's time.

    Only each column's dtype is checked here; `validate_canonical` still checks every value before
    anything is written. Optional columns left out get their empty value.
    """
    data: dict[str, Any] = {}
    for col in CANONICAL_COLUMNS:
        if col in columns:
            data[col] = columns[col]
        elif col in _OPTIONAL_EMPTY:
            data[col] = _OPTIONAL_EMPTY[col]
        else:
            raise SchemaError(col, f"missing; expected columns {list(CANONICAL_COLUMNS)}")
    frame = object_frame(data, length)
    for col in CANONICAL_COLUMNS:
        dtype = frame[col].dtype
        expected = "f" if col in _FLOAT_COLUMNS else _KINDS.get(col, "O")
        if dtype.kind != expected:
            raise SchemaError(col, f"built as {dtype}; a normaliser must build it as numpy kind {expected!r}")
    return frame


def coerce_canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """Put the columns in contract order with contract dtypes; missing optional columns become null."""
    missing = [c for c in CANONICAL_COLUMNS if c not in frame.columns]
    hard_missing = [c for c in missing if c not in _OPTIONAL_EMPTY]
    if hard_missing:
        raise SchemaError(hard_missing[0], f"missing; expected columns {list(CANONICAL_COLUMNS)}")
    out = frame.reindex(columns=list(CANONICAL_COLUMNS))  # a new frame: the caller's is never modified
    for col in missing:
        out[col] = _OPTIONAL_EMPTY[col]  # NaN makes a float column from the start, never via to_numeric
    for col in (*_STRING_COLUMNS, "quantity_unit"):
        series = out[col]
        if not pd.api.types.is_string_dtype(series):  # object and pandas' str dtypes stay as they are
            out[col] = series.astype("object").where(series.notna(), None)
    for col in ("valuation", "commodity_name"):
        if out[col].hasnans:
            out[col] = out[col].fillna("")
    out["period"] = _to_period(out["period"])
    out["period_months"] = _to_numeric(out, "period_months")
    out["period_days"] = _to_numeric(out, "period_days")
    if out["period_days"].hasnans:  # an empty cell of a canonical file: the whole months
        out["period_days"] = out["period_days"].fillna(0)
    for col in _FLOAT_COLUMNS:
        out[col] = _to_numeric(out, col).astype("float64")
    out["provisional"] = _to_bool(out["provisional"])
    return out.reset_index(drop=True)


def _to_numeric(frame: pd.DataFrame, column: str) -> pd.Series:
    series = frame[column]
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return series
    converted = pd.to_numeric(series.astype("object").where(series.notna(), None), errors="coerce")
    bad = converted.isna() & series.notna() & (series.astype("string").str.strip() != "")
    if bad.any():
        raise SchemaError(column, "values that are not numbers", frame.loc[bad])
    return converted


def _to_period(series: pd.Series) -> pd.Series:
    if series.empty:
        return pd.Series([], dtype="object")
    if series.dtype == object:
        # Fast path: already dates (every parser's output): check the few distinct values only.
        uniques = pd.unique(series)
        if all(type(u) is dt.date for u in uniques):
            return series
    parsed = pd.to_datetime(series, errors="coerce", format="mixed")
    bad = parsed.isna()
    if bad.any():
        raise SchemaError("period", "not a date (expected YYYY-MM-01)", series[bad].to_frame())
    return pd.Series([ts.date() for ts in parsed], index=series.index, dtype="object")


def _to_bool(series: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(series):
        return series.astype(bool)
    mapping = {
        "true": True,
        "1": True,
        "t": True,
        "yes": True,
        "false": False,
        "0": False,
        "f": False,
        "no": False,
        "": False,
        "none": False,
        "nan": False,
    }
    text = series.astype("string").fillna("").str.strip().str.lower()
    mapped = text.map(mapping)
    bad = mapped.isna()
    if bad.any():
        raise SchemaError("provisional", "not a boolean (true/false)", series[bad].to_frame())
    return mapped.astype(bool)


def _reject(frame: pd.DataFrame, mask: pd.Series, column: str, problem: str) -> None:
    if mask.any():
        raise SchemaError(column, problem, frame.loc[mask, list(dict.fromkeys([*KEY_COLUMNS, column]))])


def _not_matching(series: pd.Series, pattern: re.Pattern[str], uniques: Any = None) -> pd.Series:
    """Vectorised over the distinct values: a million rows hold a few thousand codes at most."""
    uniques = pd.unique(series) if uniques is None else uniques
    bad = [u for u in uniques if not (isinstance(u, str) and pattern.match(u))]
    return series.isin(bad) if bad else pd.Series(False, index=series.index)


def _not_in(series: pd.Series, allowed: frozenset[Any], uniques: Any = None) -> pd.Series:
    bad = [u for u in (pd.unique(series) if uniques is None else uniques) if u not in allowed]
    return series.isin(bad) if bad else pd.Series(False, index=series.index)


def _empty_text(series: pd.Series, uniques: Any = None) -> pd.Series:
    bad = [
        u
        for u in (pd.unique(series) if uniques is None else uniques)
        if u is None or (isinstance(u, str) and not u.strip()) or (isinstance(u, float) and u != u)
    ]
    return series.isin(bad) | series.isna() if bad else pd.Series(False, index=series.index)


def _has_nul(series: pd.Series, uniques: Any = None) -> pd.Series:
    bad = [
        u for u in (pd.unique(series) if uniques is None else uniques) if isinstance(u, str) and "\x00" in u
    ]
    return series.isin(bad) if bad else pd.Series(False, index=series.index)


def _longer_than(series: pd.Series, limit: int, uniques: Any = None) -> pd.Series:
    bad = [
        u
        for u in (pd.unique(series) if uniques is None else uniques)
        if isinstance(u, str) and len(u) > limit
    ]
    return series.isin(bad) if bad else pd.Series(False, index=series.index)


def _not_finite(series: pd.Series) -> pd.Series:
    values = series.to_numpy(dtype="float64", na_value=np.nan)
    return pd.Series(~np.isfinite(values), index=series.index)


def validate_canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """Coerce and check a canonical frame; return it in contract order or raise SchemaError.

    Checks run on each column's distinct values where they can (codes repeat across a million rows), so
    validating is a small part of a load (see bench/README.md).
    """
    if frame.attrs.get(_CHECKED) == id(frame):
        return frame  # this very frame passed already (the CLI checks a file, then the upsert its rows)
    out = coerce_canonical(frame)
    if out.empty:
        return out
    # A NUL character cannot be stored in PostgreSQL text; in a name it is noise and is dropped.
    if _has_nul(out["commodity_name"]).any():
        out["commodity_name"] = out["commodity_name"].str.replace("\x00", "", regex=False)
    # Each text column's distinct values, found once: every check below reads them, not the rows.
    d = {col: pd.unique(out[col]) for col in TEXT_LIMITS}
    for col, limit in TEXT_LIMITS.items():
        _reject(out, _has_nul(out[col], d[col]), col, "holds a NUL character")
        _reject(out, _longer_than(out[col], limit, d[col]), col, f"longer than {limit} characters")
    for col in ("source", "reporter", "partner", "flow", "commodity_system", "commodity_code", "currency"):
        _reject(out, _empty_text(out[col], d[col]), col, "empty")
    _reject(
        out,
        _not_matching(out["source"], _SOURCE_RE, d["source"]),
        "source",
        "not a source id ([a-z][a-z0-9_]*)",
    )
    for col in ("reporter", "partner"):
        _reject(
            out, _not_matching(out[col], _AREA_RE, d[col]), col, "not ISO alpha-3, WLD, or <source>:<code>"
        )
    _reject(out, _not_in(out["flow"], FLOWS, d["flow"]), "flow", f"not one of {sorted(FLOWS)}")
    _reject(
        out,
        _not_in(out["commodity_system"], COMMODITY_SYSTEMS, d["commodity_system"]),
        "commodity_system",
        f"not one of {sorted(COMMODITY_SYSTEMS)}",
    )
    system, code = out["commodity_system"], out["commodity_code"]
    patterns = {
        "TOTAL": re.compile(r"^TOTAL$"),
        "HS": _HS_RE,
        "HSK": _HSK_RE,
        "CN8": re.compile(r"^\d{8}$"),
        "GACC": _SLUG_RE,
        "KCS": _SLUG_RE,
    }
    problems = {
        "TOTAL": "TOTAL system needs code TOTAL",
        "HS": "HS code must be 2, 4, 6, 8 or 10 digits",
        "HSK": "HSK code must be digits",
        "CN8": "CN8 code must be 8 digits",
        "GACC": "GACC code must be a lowercase slug",
        "KCS": "KCS code must be a lowercase slug",
    }
    for name in d["commodity_system"]:
        rows = system == name
        _reject(
            out,
            rows & _not_matching(code.where(rows, "TOTAL" if name == "TOTAL" else "00"), patterns[name]),
            "commodity_code",
            problems[name],
        )
    _reject(
        out, _not_in(out["currency"], CURRENCIES, d["currency"]), "currency", "not an ISO 4217 currency code"
    )
    _reject(
        out,
        _not_in(out["valuation"], VALUATIONS, d["valuation"]),
        "valuation",
        f"not one of {sorted(VALUATIONS)}",
    )
    _reject(
        out,
        out["period_months"].isna() | _not_in(out["period_months"], PERIOD_MONTHS),
        "period_months",
        "must be a whole number of months from 1 to 12",
    )
    out["period_months"] = out["period_months"].astype("int64")
    days = out["period_days"]
    _reject(
        out,
        (days % 1 != 0) | (days < 0) | (days > 30),
        "period_days",
        "must be 0 (the whole months) or the days from the 1st a part-month figure covers, 1 to 30",
    )
    _reject(
        out,
        (days > 0) & (out["period_months"] != 1),
        "period_days",
        "a part-month figure is part of one month: period_months must be 1",
    )
    out["period_days"] = days.astype("int64")
    not_first = [u for u in pd.unique(out["period"]) if u.day != 1]
    _reject(out, out["period"].isin(not_first), "period", "must be the first day of a month")
    value = out["value"]
    _reject(out, _not_finite(value), "value", "missing or not a finite number")
    _reject(out, value < 0, "value", "negative: trade values are never below zero")
    _reject(out, value >= MAX_VALUE, "value", f"absurd (at least {MAX_VALUE:.0e}): a unit or parsing error")
    for col in ("net_weight_kg", "quantity"):
        series = out[col]
        _reject(
            out,
            series.notna() & ((series < 0) | _not_finite(series)),
            col,
            "must be a non-negative finite number or empty",
        )
    dupes = out.duplicated(subset=list(KEY_COLUMNS), keep=False)
    if dupes.any():
        first = out.loc[dupes].iloc[0]
        key = ", ".join(f"{c}={first[c]}" for c in KEY_COLUMNS)
        raise SchemaError("key", f"the same key appears more than once: ({key})", out.loc[dupes])
    out.attrs[_CHECKED] = id(out)  # a copy or a new frame has another id, and is checked again
    return out
