"""Reading the warehouse for people who never run tradeflow: views, filters, read-only queries, files."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import BindParameter, Engine, bindparam, inspect, text, types
from sqlalchemy.types import TypeEngine

from transforms.values import jsonable

VIEWS = (
    "trade_flow_latest",
    "trade_flow_first_vs_latest",
    "trade_flow_growth",
    "source_freshness",
    "mirror_flows",
)
TABLES = ("trade_flow", "trade_flow_revision", "release", "ingest_status", "exchange_rate")
_FILTER_RE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=|!=|>=|<=|>|<)\s*(.*?)\s*$")


class FilterError(ValueError):
    """A `--where` that cannot mean anything: not COLUMN OP VALUE, no such column, or a value the column's
    type cannot hold (a word for a number, a 23-digit integer, a date that is not one)."""


@dataclass(frozen=True)
class Filter:
    column: str
    op: str
    value: str


def parse_filter(text_: str) -> Filter:
    """'reporter=KOR', 'period>=2026-01-01' -> a Filter (values are always bound, never spliced)."""
    match = _FILTER_RE.match(text_)
    if not match:
        raise FilterError(f"bad filter {text_!r}: expected COLUMN OP VALUE with OP one of = != >= <= > <")
    return Filter(*match.groups())


_INT64 = (-(2**63), 2**63 - 1)


def _integer(column: str, value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise FilterError(f"{column} is a whole number, not {value!r}") from None
    if not _INT64[0] <= number <= _INT64[1]:
        raise FilterError(f"{column} is a whole number of at most 19 digits, not {value[:40]!r}")
    return number


def _real(column: str, value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise FilterError(f"{column} is a number, not {value!r}") from None
    if not math.isfinite(number):
        raise FilterError(f"{column} is a finite number, not {value!r}")
    return number


def _when(column: str, value: str, kind: type[dt.date]) -> dt.date:
    try:
        return kind.fromisoformat(value)
    except ValueError:
        shape = "YYYY-MM-DD" if kind is dt.date else "YYYY-MM-DD[ HH:MM:SS]"
        raise FilterError(f"{column} is a date ({shape}), not {value!r}") from None


def _guessed(column: str, value: str) -> object:
    """A column SQLite declares no type for (a computed view column): a number where the value reads as one,
    else text. Codes are never such columns: every code column of every view is declared text."""
    try:
        return _integer(column, value)
    except FilterError:
        pass
    try:
        return _real(column, value)
    except FilterError:
        return value


# Yes/no columns of the tables and views. SQLite stores them as 0/1, PostgreSQL as booleans: a filter on
# one binds a real boolean, so `provisional=false` means the same on both.
BOOLEAN_COLUMNS = frozenset(
    {"provisional", "late", "derived", "complete", "old_provisional", "new_provisional"}
)
_TRUTH = {
    "true": True,
    "t": True,
    "yes": True,
    "1": True,
    "false": False,
    "f": False,
    "no": False,
    "0": False,
}


def _bound(column: str, value: str, kind: TypeEngine[Any]) -> object:
    """The filter's value as the column's declared type holds it, so that each database compares like with
    like: text for codes (`0101` stays `0101`), numbers for numbers, dates for dates."""
    if column in BOOLEAN_COLUMNS or isinstance(kind, types.Boolean):
        try:
            return _TRUTH[value.strip().lower()]
        except KeyError:
            raise FilterError(f"{column} is true or false, not {value!r}") from None
    if isinstance(kind, types.Integer):
        return _integer(column, value)
    if isinstance(kind, types.Float | types.Numeric):
        return _real(column, value)
    if isinstance(kind, types.DateTime):
        return _when(column, value, dt.datetime)
    if isinstance(kind, types.Date):
        return _when(column, value, dt.date)
    if isinstance(kind, types.String):
        return value
    return _guessed(column, value)


def column_types(engine: Engine, relation: str) -> dict[str, TypeEngine[Any]]:
    """Each column's declared type, in order (NullType where SQLite declares none)."""
    return {c["name"]: c["type"] for c in inspect(engine).get_columns(relation)}


def columns_of(engine: Engine, relation: str) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(text(f"SELECT * FROM {relation} WHERE 1 = 0")).keys())


def read_view(
    engine: Engine,
    view: str,
    filters: list[Filter] | None = None,
    groups: dict[str, list[str]] | None = None,
) -> pd.DataFrame:
    """A view's rows where every filter holds. `commodity_code=<group>` (or `!=`) means the group's codes."""
    if view not in VIEWS + TABLES:
        raise ValueError(f"unknown view {view!r}; views: {', '.join(VIEWS)}; tables: {', '.join(TABLES)}")
    columns = column_types(engine, view)
    clauses: list[str] = []
    params: dict[str, object] = {}
    binds: list[BindParameter[Any]] = []
    for i, f in enumerate(filters or []):
        if f.column not in columns:
            raise FilterError(f"{view} has no column {f.column!r}; columns: {', '.join(columns)}")
        codes = (groups or {}).get(f.value) if f.column == "commodity_code" else None
        if codes is not None and f.op in ("=", "!="):
            marks = ", ".join(f":p{i}_{j}" for j in range(len(codes)))
            clauses.append(f"{f.column} {'NOT IN' if f.op == '!=' else 'IN'} ({marks})")
            params |= {f"p{i}_{j}": code for j, code in enumerate(codes)}
            continue
        clauses.append(f"{f.column} {'<>' if f.op == '!=' else f.op} :p{i}")
        kind = columns[f.column]
        typed = None if isinstance(kind, types.NullType) else kind  # undeclared: typed by the value
        binds.append(bindparam(f"p{i}", _bound(f.column, f.value, kind), type_=typed))
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    statement = text(f"SELECT * FROM {view}{where}").bindparams(*binds)
    with engine.connect() as conn:
        result = conn.execute(statement, params)
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def write_frame(frame: pd.DataFrame, fmt: str, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        frame.to_csv(out, index=False)
    elif fmt == "json":
        records = [{k: jsonable(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]
        out.write_text(
            json.dumps(records, ensure_ascii=False, indent=1, allow_nan=False) + "\n", encoding="utf-8"
        )
    elif fmt == "parquet":
        frame.to_parquet(out, index=False)
    else:
        raise ValueError(f"unknown format {fmt!r}; expected csv, json or parquet")


def revisions_by_release(
    engine: Engine, release_ids: list[int], limit: int | None = 20
) -> list[dict[str, Any]]:
    """The largest revisions made by these releases, by relative size."""
    if not release_ids:
        return []
    ids = ", ".join(str(int(i)) for i in release_ids)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT f.source, f.reporter, f.partner, f.flow, f.commodity_code, f.period, f.period_months,"
                " f.currency, r.old_value, r.new_value FROM trade_flow_revision r"
                f" JOIN trade_flow f ON f.id = r.trade_flow_id WHERE r.release_id IN ({ids})"
            )
        ).all()
    out = []
    for r in rows:
        change = r.new_value - r.old_value
        pct = (change / abs(r.old_value) * 100) if r.old_value else None
        out.append(
            {
                "source": r.source,
                "reporter": r.reporter,
                "partner": r.partner,
                "flow": r.flow,
                "commodity": r.commodity_code,
                "period": str(r.period)[:7],
                "months": r.period_months,
                "currency": r.currency,
                "old": r.old_value,
                "new": r.new_value,
                "change": change,
                "pct": pct,
            }
        )
    out.sort(key=lambda x: abs(x["pct"]) if x["pct"] is not None else float("inf"), reverse=True)
    return out if limit is None else out[:limit]


def late_sources(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT source, latest_month_loaded, expected_month, late FROM source_freshness")
        ).all()
    return [
        {
            "source": r.source,
            "latest": str(r.latest_month_loaded or "-")[:7],
            "expected": str(r.expected_month)[:7],
        }
        for r in rows
        if r.late
    ]
