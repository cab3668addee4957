"""The canonical row: the data contract every source is normalised to.

`validate_canonical` is the gate in front of every write: a frame that breaks the contract is refused with
a message naming the column and the first offending rows, before anything touches the database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

import pandas as pd
import pycountry

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
    "currency",
)

FLOWS: Final[frozenset[str]] = frozenset({"export", "import", "re_export", "re_import"})
COMMODITY_SYSTEMS: Final[frozenset[str]] = frozenset({"TOTAL", "HS", "HSK", "GACC"})
VALUATIONS: Final[frozenset[str]] = frozenset({"CIF", "FOB", "FAS", ""})
CURRENCIES: Final[frozenset[str]] = frozenset(c.alpha_3 for c in pycountry.currencies)
PERIOD_MONTHS: Final[frozenset[int]] = frozenset(range(1, 13))
# No published monthly or annual trade figure comes near 10^15 in any currency unit (world trade is about
# 3x10^13 USD a year): a larger one is a unit multiplier applied twice or a broken parse.
MAX_VALUE: Final[float] = 1e15

_SOURCE_RE = re.compile(r"^[a-z][a-z0-9_]*$")
# An area is ISO alpha-3 (or WLD / a documented X-code, also three capitals), or a publisher code
# that could not be mapped, kept as "<source>:<code>" so it is never dropped nor guessed.
_AREA_RE = re.compile(r"^(?:[A-Z]{3}|[a-z][a-z0-9_]*:\S+)$")
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


def coerce_canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """Put the columns in contract order with contract dtypes; missing optional columns become null."""
    missing = [c for c in CANONICAL_COLUMNS if c not in frame.columns]
    optional = {"commodity_name", "valuation", "net_weight_kg", "quantity", "quantity_unit", "provisional"}
    hard_missing = [c for c in missing if c not in optional]
    if hard_missing:
        raise SchemaError(hard_missing[0], f"missing; expected columns {list(CANONICAL_COLUMNS)}")
    out = frame.copy()
    for col in missing:
        out[col] = False if col == "provisional" else ("" if col in {"commodity_name", "valuation"} else None)
    out = out.loc[:, list(CANONICAL_COLUMNS)]
    for col in _STRING_COLUMNS:
        out[col] = out[col].astype("object").where(out[col].notna(), None)
    out["valuation"] = out["valuation"].fillna("")
    out["commodity_name"] = out["commodity_name"].fillna("")
    out["quantity_unit"] = out["quantity_unit"].astype("object").where(out["quantity_unit"].notna(), None)
    out["period"] = _to_period(out["period"])
    out["period_months"] = _to_numeric(out, "period_months")
    for col in ("value", "net_weight_kg", "quantity"):
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


def _not_matching(series: pd.Series, pattern: re.Pattern[str]) -> pd.Series:
    return ~series.astype("string").fillna("").str.match(pattern).astype(bool)


def validate_canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """Coerce and check a canonical frame; return it in contract order or raise SchemaError."""
    out = coerce_canonical(frame)
    if out.empty:
        return out
    for col in ("source", "reporter", "partner", "flow", "commodity_system", "commodity_code", "currency"):
        _reject(out, out[col].isna() | (out[col].astype("string").str.strip() == ""), col, "empty")
    _reject(out, _not_matching(out["source"], _SOURCE_RE), "source", "not a source id ([a-z][a-z0-9_]*)")
    for col in ("reporter", "partner"):
        _reject(out, _not_matching(out[col], _AREA_RE), col, "not ISO alpha-3, WLD, or <source>:<code>")
    _reject(out, ~out["flow"].isin(FLOWS), "flow", f"not one of {sorted(FLOWS)}")
    _reject(
        out,
        ~out["commodity_system"].isin(COMMODITY_SYSTEMS),
        "commodity_system",
        f"not one of {sorted(COMMODITY_SYSTEMS)}",
    )
    system, code = out["commodity_system"], out["commodity_code"]
    _reject(out, (system == "TOTAL") & (code != "TOTAL"), "commodity_code", "TOTAL system needs code TOTAL")
    _reject(
        out,
        (system == "HS") & _not_matching(code, _HS_RE),
        "commodity_code",
        "HS code must be 2, 4, 6, 8 or 10 digits",
    )
    _reject(
        out, (system == "HSK") & _not_matching(code, _HSK_RE), "commodity_code", "HSK code must be digits"
    )
    _reject(
        out,
        (system == "GACC") & _not_matching(code, _SLUG_RE),
        "commodity_code",
        "GACC code must be a lowercase slug",
    )
    _reject(out, ~out["currency"].isin(CURRENCIES), "currency", "not an ISO 4217 currency code")
    _reject(out, ~out["valuation"].isin(VALUATIONS), "valuation", f"not one of {sorted(VALUATIONS)}")
    _reject(
        out,
        out["period_months"].isna() | ~out["period_months"].isin(PERIOD_MONTHS),
        "period_months",
        "must be a whole number of months from 1 to 12",
    )
    out["period_months"] = out["period_months"].astype("int64")
    _reject(
        out,
        pd.Series([d.day != 1 for d in out["period"]], index=out.index),
        "period",
        "must be the first day of a month",
    )
    value = out["value"]
    _reject(out, value.isna() | ~value.map(_finite).astype(bool), "value", "missing or not a finite number")
    _reject(out, value < 0, "value", "negative: trade values are never below zero")
    _reject(out, value >= MAX_VALUE, "value", f"absurd (at least {MAX_VALUE:.0e}): a unit or parsing error")
    for col in ("net_weight_kg", "quantity"):
        series = out[col]
        _reject(
            out,
            series.notna() & ((series < 0) | ~series.map(_finite).astype(bool)),
            col,
            "must be a non-negative finite number or empty",
        )
    dupes = out.duplicated(subset=list(KEY_COLUMNS), keep=False)
    if dupes.any():
        first = out.loc[dupes].iloc[0]
        key = ", ".join(f"{c}={first[c]}" for c in KEY_COLUMNS)
        raise SchemaError("key", f"the same key appears more than once: ({key})", out.loc[dupes])
    return out


def _finite(x: object) -> bool:
    try:
        f = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return f == f and f not in (float("inf"), float("-inf"))


def key_tuples(frame: pd.DataFrame) -> Iterable[tuple[object, ...]]:
    return frame.loc[:, list(KEY_COLUMNS)].itertuples(index=False, name=None)
