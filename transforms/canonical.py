"""The canonical CSV/JSON format: round-trip for every source and the door for unsupported publishers."""

from __future__ import annotations

import io
import json
from typing import Any

import pandas as pd

from transforms.schema import CANONICAL_COLUMNS, SchemaError, validate_canonical

# How each canonical column is typed when read (text otherwise: "0101" keeps its leading zero).
_TYPES = {
    "value": "float64",
    "net_weight_kg": "float64",
    "quantity": "float64",
    "period_months": "int64",
    "period_days": "int64",
}
_NULLABLE_TEXT = ("quantity_unit",)  # an empty cell is no unit; an empty valuation or name is ""


def parse_canonical_csv(data: bytes, origin: str) -> pd.DataFrame:
    """Read canonical CSV bytes (header = the canonical columns) into a validated frame.

    Read by pyarrow's CSV reader with each column typed as the contract says, in C++: 200,000 rows in a
    fraction of the time pandas took reading every column as text and converting it value by value.
    A file that does not read that way (a number that is not one, a month that is not a date) is read
    again as text, so the contract check can say which column and rows are wrong.
    """
    _check_header(data, origin)
    try:
        return validate_canonical(_typed_read(data))
    except (ValueError, TypeError, LookupError):  # pyarrow's ArrowInvalid is a ValueError
        pass
    try:
        frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise SchemaError("file", f"{origin}: not a readable CSV ({exc})") from exc
    return validate_canonical(frame)


def _check_header(data: bytes, origin: str) -> None:
    first = data[: data.find(b"\n") if b"\n" in data[:1_000_000] else 1_000_000].decode("utf-8", "replace")
    names = [name.strip().strip('"') for name in first.rstrip("\r").split(",")]
    unknown = [name for name in names if name not in CANONICAL_COLUMNS]
    if unknown:
        quoted = unknown[0][:200] + ("..." if len(unknown[0]) > 200 else "")
        raise SchemaError(quoted, f"{origin}: not a canonical column; expected {list(CANONICAL_COLUMNS)}")


def _typed_read(data: bytes) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pa_csv

    types = {c: pa.string() for c in CANONICAL_COLUMNS}
    types |= {c: pa.float64() if t == "float64" else pa.int64() for c, t in _TYPES.items()}
    types |= {"period": pa.date32(), "provisional": pa.bool_()}
    table = pa_csv.read_csv(
        pa.py_buffer(data),
        convert_options=pa_csv.ConvertOptions(
            column_types=types,
            strings_can_be_null=False,
            null_values=[""],
            true_values=["true", "True", "TRUE", "1", "t", "yes"],
            false_values=["false", "False", "FALSE", "0", "f", "no", ""],
        ),
    )
    for name in _NULLABLE_TEXT:
        column = table.column(name)
        empty_as_null = pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.string()), column)
        table = table.set_column(table.column_names.index(name), name, empty_as_null)
    # Converted in C++ (months as datetime.date, text as pandas' string dtype), not value by value into
    # Python objects: reading and checking 200,000 rows fell from 0.58 s to 0.21 s (bench/README.md).
    # An empty provisional cell (null here) is made false by the contract check, as for every source.
    frame: pd.DataFrame = table.to_pandas(date_as_object=True)
    return frame


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
    if "period_days" not in frame:  # a frame from before part-month figures: its rows are whole months
        frame = frame.assign(period_days=0)
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
        return json.dumps(records, ensure_ascii=False, indent=1, allow_nan=False) + "\n"
    raise ValueError(f"unknown format {fmt!r}; expected csv or json")
