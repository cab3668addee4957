"""Connections that write, and the clock every write stamps."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, Engine


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def write_connection(engine: Engine) -> Connection:
    """A connection whose transactions take SQLite's write lock up front (no-op option elsewhere)."""
    return engine.connect().execution_options(tradeflow_write=True)
