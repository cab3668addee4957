"""Row hashes: a 64-bit hash of each figure's key and measures, computed column by column.

A reload compares these with the stored ones first, so an unchanged figure costs a hash, not a staged row
and a join: re-checking a million unchanged figures takes a second (bench/README.md). A hash only
prunes: figures whose hashes differ still go through the full comparison, so a changed hash
function can cost time but never correctness. Two different figures sharing a hash (about one
chance in 10^19 per pair) would hide a revision: accepted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from transforms.schema import KEY_COLUMNS, MEASURE_COLUMNS

# period_days (migration 0013) is mixed in only where it is not 0, so the hashes stored before it was a
# column still match the whole-month figures they fingerprint.
HASHED_COLUMNS = (*(c for c in KEY_COLUMNS if c != "period_days"), *MEASURE_COLUMNS)
_MIX = np.uint64(0x9E3779B97F4A7C15)
_NULL = np.uint64(0x5BD1E9955BD1E995)


def _column_hash(series: pd.Series) -> np.ndarray:
    if pd.api.types.is_float_dtype(series):
        values = series.to_numpy(dtype="float64")
        bits = values.view(np.uint64).copy()
        bits[np.isnan(values)] = _NULL
        return bits
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_integer_dtype(series):
        return series.to_numpy(dtype="int64").view(np.uint64)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    hashed = pd.util.hash_array(np.array([str(u) for u in uniques], dtype=object))
    # One more slot for the nulls (code -1 picks the last element).
    return np.append(hashed, _NULL)[codes]


def row_hashes(frame: pd.DataFrame) -> np.ndarray:
    """One signed 64-bit hash per row (signed: it is stored in a BIGINT column)."""
    h = np.zeros(len(frame), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for name in HASHED_COLUMNS:
            h = (h ^ _column_hash(frame[name])) * _MIX
            h ^= h >> np.uint64(31)
        if "period_days" in frame:
            days = frame["period_days"].to_numpy(dtype="int64")
            part = days != 0
            if part.any():
                mixed = (h ^ days.view(np.uint64)) * _MIX
                h = np.where(part, mixed ^ (mixed >> np.uint64(31)), h)
    return h.view(np.int64)
