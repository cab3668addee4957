"""`exchange_rate`: the months whose rates the warehouse lacks, and the upsert of fetched rates."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import SQLModel

from warehouse.connections import utcnow, write_connection
from warehouse.models import ExchangeRate

if TYPE_CHECKING:
    import pandas as pd

# Monthly figures in a currency other than the dollar, whose month has no rate yet: what the mirror view
# cannot convert. A multi-month figure is never converted, so never asks for a rate.
_MISSING = """
SELECT DISTINCT f.currency, f.period FROM trade_flow f
LEFT JOIN exchange_rate x ON x.currency = f.currency AND x.period = f.period
WHERE f.currency <> 'USD' AND f.period_months = 1 AND x.currency IS NULL
"""


def missing_rates(engine: Engine) -> dict[str, list[dt.date]]:
    """Currency -> the months (sorted) of stored monthly figures that have no rate."""
    with engine.connect() as conn:
        rows = conn.execute(text(_MISSING)).all()
    out: dict[str, list[dt.date]] = {}
    for currency, period in rows:
        month = period if isinstance(period, dt.date) else dt.date.fromisoformat(str(period)[:10])
        out.setdefault(currency, []).append(month)
    return {currency: sorted(months) for currency, months in sorted(out.items())}


def upsert_exchange_rates(engine: Engine, rates: pd.DataFrame, source: str) -> int:
    """Insert or replace rows `currency, period, usd_per_unit`; returns how many were written."""
    if rates.empty:
        return 0
    now = utcnow()
    rows: list[dict[str, Any]] = [
        {"currency": c, "period": p, "usd_per_unit": float(v), "source": source, "fetched_at": now}
        for c, p, v in zip(rates["currency"], rates["period"], rates["usd_per_unit"], strict=True)
    ]
    table = SQLModel.metadata.tables[ExchangeRate.__tablename__]
    with write_connection(engine) as conn, conn.begin():
        insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)
        statement = insert.on_conflict_do_update(
            index_elements=["currency", "period"],
            set_={c: insert.excluded[c] for c in ("usd_per_unit", "source", "fetched_at")},
        )
        conn.execute(statement, rows)
    return len(rows)
