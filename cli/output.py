"""What `tradeflow query` prints: rows as they arrive, as an aligned table, CSV or a JSON array."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice
from typing import IO, Any

from extractors.errors import printable
from transforms.values import jsonable


def _cell(value: Any) -> str:
    """A value as a terminal shows it: stored text passes through `printable`, so a publisher's name holding
    escape sequences cannot rewrite the screen (CSV and JSON keep the text as stored)."""
    if value is None:
        return "None"
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return printable(str(jsonable(value)))


def render_table(columns: list[str], rows: list[tuple[Any, ...]]) -> str:
    """Columns aligned under their names, numbers to the right, text to the left."""
    if not rows:
        return "(no rows)\n"
    cells = [[_cell(v) for v in row] for row in rows]
    numeric = [
        all(
            isinstance(r[i], int | float | Decimal) and not isinstance(r[i], bool)
            for r in rows
            if r[i] is not None
        )
        for i in range(len(columns))
    ]
    widths = [max(len(columns[i]), *(len(c[i]) for c in cells)) for i in range(len(columns))]

    def line(values: list[str]) -> str:
        return " ".join(
            v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric, strict=True)
        ).rstrip()

    return "\n".join([line(columns), *(line(c) for c in cells)]) + "\n"


@dataclass(frozen=True)
class Written:
    rows: int
    truncated: bool  # rows were left out at `limit`


def write_rows(
    columns: list[str], rows: Iterator[tuple[Any, ...]], fmt: str, out: IO[str], *, limit: int | None = None
) -> Written:
    """Query rows to `out` as they arrive: a table (pandas' text rendering), CSV or a JSON array.

    At most `limit` rows are written; one more row arriving says that some were left out.
    """
    taken = rows if limit is None else islice(rows, limit)
    count = 0
    if fmt == "table":
        block = list(taken)
        count = len(block)
        out.write(render_table(columns, block))
    elif fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for row in taken:
            writer.writerow(["" if v is None else jsonable(v) for v in row])
            count += 1
    elif fmt == "json":
        out.write("[")
        for row in taken:
            record = {c: jsonable(v) for c, v in zip(columns, row, strict=True)}
            out.write(
                ("\n" if count == 0 else ",\n")
                + json.dumps(record, ensure_ascii=False, default=str, allow_nan=False)
            )
            count += 1
        out.write("\n]\n" if count else "]\n")
    else:
        raise ValueError(f"unknown format {fmt!r}; expected table, csv or json")
    truncated = limit is not None and next(rows, None) is not None
    return Written(count, truncated)
