"""Reading the warehouse for people who never run tradeflow: views, filters, read-only queries, files."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine, text

VIEWS = ("trade_flow_latest", "trade_flow_first_vs_latest", "source_freshness", "mirror_flows")
TABLES = ("trade_flow", "trade_flow_revision", "release", "ingest_status")
_FILTER_RE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=|!=|>=|<=|>|<)\s*(.*?)\s*$")


@dataclass(frozen=True)
class Filter:
    column: str
    op: str
    value: str


def parse_filter(text_: str) -> Filter:
    """'reporter=KOR', 'period>=2026-01-01' -> a Filter (values are always bound, never spliced)."""
    match = _FILTER_RE.match(text_)
    if not match:
        raise ValueError(f"bad filter {text_!r}: expected COLUMN OP VALUE with OP one of = != >= <= > <")
    return Filter(*match.groups())


def _typed(value: str) -> object:
    """SQLite compares a number with text as unequal unless the column has an affinity: computed view
    columns have none, so numeric-looking values are bound as numbers (text columns convert them back)."""
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            continue
    return value


def columns_of(engine: Engine, relation: str) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(text(f"SELECT * FROM {relation} WHERE 1 = 0")).keys())


def read_view(engine: Engine, view: str, filters: list[Filter] | None = None) -> pd.DataFrame:
    if view not in VIEWS + TABLES:
        raise ValueError(f"unknown view {view!r}; views: {', '.join(VIEWS)}; tables: {', '.join(TABLES)}")
    columns = columns_of(engine, view)
    clauses, params = [], {}
    for i, f in enumerate(filters or []):
        if f.column not in columns:
            raise ValueError(f"{view} has no column {f.column!r}; columns: {', '.join(columns)}")
        clauses.append(f"{f.column} {'<>' if f.op == '!=' else f.op} :p{i}")
        params[f"p{i}"] = _typed(f.value) if engine.dialect.name == "sqlite" else f.value
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    with engine.connect() as conn:
        result = conn.execute(text(f"SELECT * FROM {view}{where}"), params)
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def run_query(engine: Engine, sql: str) -> pd.DataFrame:
    """Run one SQL statement in a read-only transaction (nothing it does can change the warehouse)."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            try:
                with conn.begin():
                    conn.exec_driver_sql("PRAGMA query_only = ON")
                    result = conn.exec_driver_sql(sql)
                    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))
            finally:
                with conn.begin():
                    conn.exec_driver_sql("PRAGMA query_only = OFF")
        with conn.begin():
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            result = conn.exec_driver_sql(sql)
            return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def _jsonable(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


def write_frame(frame: pd.DataFrame, fmt: str, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        frame.to_csv(out, index=False)
    elif fmt == "json":
        records = [{k: _jsonable(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]
        out.write_text(json.dumps(records, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    elif fmt == "parquet":
        frame.to_parquet(out, index=False)
    else:
        raise ValueError(f"unknown format {fmt!r}; expected csv, json or parquet")


def render_table(frame: pd.DataFrame, max_rows: int = 200) -> str:
    if frame.empty:
        return "(no rows)\n"
    return frame.head(max_rows).to_string(index=False) + "\n"
