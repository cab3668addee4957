"""Database values as files and JSON write them."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any


def jsonable(value: Any) -> Any:
    """A database value as JSON writes it: dates as ISO text, decimals as numbers, and a number that is
    not finite (NaN, PostgreSQL's 'Infinity', SQLite's 9e999) as null: JSON has no such numbers, and a
    bare `Infinity` or `NaN` makes the whole document unreadable to strict parsers."""
    if hasattr(value, "item") and not isinstance(value, dt.date | dt.datetime | dt.time):
        value = value.item()  # numpy scalars
    if isinstance(value, Decimal):
        value = float(value)
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    return value
