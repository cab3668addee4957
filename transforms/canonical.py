"""The canonical CSV/JSON format: round-trip for every source and the door for unsupported publishers."""

from __future__ import annotations

import io
import json
from typing import Any

import pandas as pd

from transforms.schema import CANONICAL_COLUMNS, SchemaError, validate_canonical


def parse_canonical_csv(data: bytes, origin: str) -> pd.DataFrame:
    """Read canonical CSV bytes (header = the canonical columns) into a validated frame."""
    try:
        frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise SchemaError("file", f"{origin}: not a readable CSV ({exc})") from exc
    unknown = [c for c in frame.columns if c not in CANONICAL_COLUMNS]
    if unknown:
        quoted = str(unknown[0])[:200] + ("..." if len(str(unknown[0])) > 200 else "")
        raise SchemaError(quoted, f"{origin}: not a canonical column; expected {list(CANONICAL_COLUMNS)}")
    # Codes are text: "0101" must keep its leading zero, so every column is read as a string first.
    return validate_canonical(frame)


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def format_canonical(frame: pd.DataFrame, fmt: str) -> str:
    """Render canonical rows as CSV (the round-trip format) or as a JSON array of objects."""
    frame = frame.loc[:, list(CANONICAL_COLUMNS)]
    if fmt == "csv":
        out = frame.copy()
        for col in ("value", "net_weight_kg", "quantity"):
            out[col] = [_plain(v) for v in out[col]]
        out["period"] = [d.isoformat() for d in out["period"]]
        out["provisional"] = out["provisional"].map({True: "true", False: "false"})
        return out.to_csv(index=False, lineterminator="\n")
    if fmt == "json":
        records = [
            {col: _plain(val) for col, val in zip(CANONICAL_COLUMNS, row, strict=True)}
            for row in frame.itertuples(index=False, name=None)
        ]
        return json.dumps(records, ensure_ascii=False, indent=1) + "\n"
    raise ValueError(f"unknown format {fmt!r}; expected csv or json")
