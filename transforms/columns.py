"""Column helpers the normalisers share: work done once per distinct value, or in C.

A release repeats a handful of months, a few hundred areas and a few thousand codes over up to a
million rows, so mapping each distinct value once and spreading the result with numpy indexing is what
keeps the normalisers near the speed of the parsers (see bench/README.md, "Parsers").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def map_distinct(
    values: pd.Series | np.ndarray, *fns: Callable[[Any], Any], rows: np.ndarray | None = None
) -> list[np.ndarray]:
    """Each fn applied to each distinct value once (nulls included), spread back over the rows, or over
    `rows` (positions, in any order and as often as wanted: picking rows this way is one integer take,
    where filtering or repeating the text column first would copy every string)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    if rows is not None:
        codes = codes[rows]
    distinct = np.asarray(uniques, dtype=object).tolist()
    out = []
    for fn in fns:
        mapped = np.empty(len(distinct), dtype=object)
        mapped[:] = [fn(value) for value in distinct]
        out.append(mapped[codes])
    return out


def text_equals(values: pd.Series | np.ndarray, text: str) -> np.ndarray:
    """Rows whose value, written as text, is `text` (str(0) == "0"; a null is "None", never equal).

    A column of text (and nulls) is compared as it is, in C: a fifth of the time of writing each
    distinct value as text, which other columns need.
    """
    array = values.to_numpy() if isinstance(values, pd.Series) else values
    if array.dtype == object and pd.api.types.infer_dtype(array, skipna=True) == "string":
        return np.asarray(array == text, dtype=bool)
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    hits = np.array([str(u) == text for u in np.asarray(uniques, dtype=object).tolist()], dtype=bool)
    return hits[codes]


def float_column(values: pd.Series) -> np.ndarray:
    """Numbers or numeric text as float64; anything else (blank, "n/a") becomes NaN, which the contract
    check then refuses by column name where a value is required.

    Text held by pyarrow (what the CSV and XML readers give) is cast by pyarrow in C, about 20x faster
    than `pd.to_numeric`; a column holding any value pyarrow will not cast takes the forgiving path.
    """
    if values.dtype == np.float64:
        return values.to_numpy(copy=True)  # a copy: the canonical frame must not share the raw one's
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        try:
            cast = pc.cast(pa.array(values), pa.float64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
        else:
            return np.asarray(cast.to_numpy(zero_copy_only=False), dtype=np.float64)
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def object_frame(columns: Mapping[str, Any], length: int) -> pd.DataFrame:
    """Columns (arrays, or one text for every row) as a frame whose text columns stay Python objects.

    Left to itself pandas converts every object column to its pyarrow string type, which cost a third of
    a normaliser's time; the normalisers and the warehouse read Python objects anyway.
    """
    data: dict[str, Any] = {}
    for name, values in columns.items():
        if isinstance(values, str):
            text = np.empty(length, dtype=object)
            text.fill(values)  # np.full converts the value to a numpy string first: 20x slower
            values = text
        if isinstance(values, np.ndarray) and values.dtype == object:
            values = pd.Series(values, dtype=object, copy=False)
        data[name] = values
    return pd.DataFrame(data, index=pd.RangeIndex(length), copy=False)
