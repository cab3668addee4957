"""Declared column types for SQLite views, so DuckDB, BI tools and ODBC drivers read numbers as numbers.

SQLite gives a view column a declared type only when it names a table column; a computed one (a sum, a
ratio, a COALESCE) has none, not even under CAST, and DuckDB's sqlite scanner then reads it as BLOB
(`sum(BLOB)` fails). SQLite takes a compound SELECT's column names and types from its left-most arm, so a
view is rewritten as an empty arm over `view_column_shape` (an empty table with one column per type)
followed by the original query:

    SELECT s.double AS value, ... FROM view_column_shape s WHERE 0
    UNION ALL SELECT * FROM (<the original query>)

The rows are the original query's; the empty arm costs one look at an empty table. PostgreSQL views carry
their types already and are left alone.
"""

from __future__ import annotations

import re

from sqlalchemy.engine import Connection

SHAPE_TABLE = "view_column_shape"
# One column per declared type a view column may carry; names are the types, lower case.
SHAPE_TYPES = ("INTEGER", "BIGINT", "DOUBLE", "VARCHAR", "TEXT", "DATE", "DATETIME", "BOOLEAN")
_SHAPE_MARK = f"FROM {SHAPE_TABLE} s WHERE 0 UNION ALL SELECT * FROM ("
_CREATE_VIEW = re.compile(r"^\s*CREATE\s+VIEW\s+\S+\s+AS\s+", re.IGNORECASE)


class ViewTypeMissing(Exception):
    """A view column has no declared type and none was given for it."""


def create_shape_table(conn: Connection) -> None:
    columns = ", ".join(f'"{t.lower()}" {t}' for t in SHAPE_TYPES)
    conn.exec_driver_sql(f"CREATE TABLE {SHAPE_TABLE} ({columns})")


def _shape_column(declared: str) -> str:
    base = declared.split("(")[0].strip().upper()
    if base not in SHAPE_TYPES:
        raise ViewTypeMissing(f"no shape column for the declared type {declared!r}")
    return base.lower()


def _view_body(conn: Connection, view: str) -> str:
    row = conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'view' AND name = ?", (view,)
    ).first()
    if row is None:
        raise ViewTypeMissing(f"no view {view!r} in this database")
    return _CREATE_VIEW.sub("", row[0], count=1)


def declare_view_types(conn: Connection, view: str, computed: dict[str, str]) -> None:
    """Recreate `view` with a declared type on every column: its own where it has one, else `computed`'s."""
    body = _view_body(conn, view)
    if _SHAPE_MARK in body:
        body = untyped_body(body)
    columns = [(r[1], r[2]) for r in conn.exec_driver_sql(f"PRAGMA table_info({view})")]
    arm = []
    for name, declared in columns:
        declared = declared or computed.get(name, "")
        if not declared:
            raise ViewTypeMissing(f"view {view}: column {name!r} is computed and no type was given for it")
        arm.append(f's."{_shape_column(declared)}" AS "{name}"')
    unknown = set(computed) - {name for name, _ in columns}
    if unknown:
        raise ViewTypeMissing(f"view {view}: no column {sorted(unknown)} to type")
    conn.exec_driver_sql(f"DROP VIEW {view}")
    conn.exec_driver_sql(f"CREATE VIEW {view} AS SELECT {', '.join(arm)} {_SHAPE_MARK}{body})")


def untyped_body(body: str) -> str:
    """The original query of a view `declare_view_types` rewrote."""
    start = body.index(_SHAPE_MARK) + len(_SHAPE_MARK)
    return body[start : body.rindex(")")]


def drop_view_types(conn: Connection, view: str) -> None:
    """Give `view` back its original query (the downgrade of `declare_view_types`)."""
    body = _view_body(conn, view)
    if _SHAPE_MARK not in body:
        return
    conn.exec_driver_sql(f"DROP VIEW {view}")
    conn.exec_driver_sql(f"CREATE VIEW {view} AS {untyped_body(body)}")
