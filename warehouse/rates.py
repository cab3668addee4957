"""`exchange_rate`: the months whose rates the warehouse lacks, and the upsert of fetched rates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import SQLModel

from warehouse.connections import utcnow, write_connection
from warehouse.locks import lock_writers
from warehouse.models import ExchangeRate, ExchangeRateRevision

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


@dataclass(frozen=True)
class RatesWritten:
    inserted: int  # months that had no rate
    revised: int  # stored months whose rate changed (each kept in exchange_rate_revision)

    @property
    def written(self) -> int:
        return self.inserted + self.revised


def upsert_exchange_rates(engine: Engine, rates: pd.DataFrame, source: str) -> RatesWritten:
    """Store rows `currency, period, usd_per_unit`: a new month is inserted; a stored month whose rate
    changed is updated and its old rate kept in `exchange_rate_revision`; an equal rate changes nothing."""
    if rates.empty:
        return RatesWritten(0, 0)
    now = utcnow()
    incoming = {
        (c, p): float(v)
        for c, p, v in zip(rates["currency"], rates["period"], rates["usd_per_unit"], strict=True)
    }
    table = SQLModel.metadata.tables[ExchangeRate.__tablename__]
    history = SQLModel.metadata.tables[ExchangeRateRevision.__tablename__]
    with write_connection(engine) as conn, conn.begin():
        lock_writers(conn, ["exchange_rate"])
        periods = [p for _c, p in incoming]
        stored = {
            (r.currency, _as_date(r.period)): r
            for r in conn.execute(
                select(table).where(
                    table.c.currency.in_(sorted({c for c, _p in incoming})),
                    table.c.period.between(min(periods), max(periods)),
                )
            )
        }
        revised = [
            {
                "currency": c,
                "period": p,
                "old_usd_per_unit": stored[c, p].usd_per_unit,
                "new_usd_per_unit": v,
                "old_source": stored[c, p].source,
                "new_source": source,
                "old_fetched_at": stored[c, p].fetched_at,
                "revised_at": now,
            }
            for (c, p), v in incoming.items()
            if (c, p) in stored and stored[c, p].usd_per_unit != v
        ]
        rows: list[dict[str, Any]] = [
            {"currency": c, "period": p, "usd_per_unit": v, "source": source, "fetched_at": now}
            for (c, p), v in incoming.items()
            if (c, p) not in stored or stored[c, p].usd_per_unit != v
        ]
        if revised:
            conn.execute(history.insert(), revised)
        if rows:
            insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)
            statement = insert.on_conflict_do_update(
                index_elements=["currency", "period"],
                set_={c: insert.excluded[c] for c in ("usd_per_unit", "source", "fetched_at")},
            )
            conn.execute(statement, rows)
    return RatesWritten(inserted=len(rows) - len(revised), revised=len(revised))


def _as_date(value: object) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
