"""Stored figures read back by the pipeline to check a release against (`flows.checks`): the figures
of given sources at given (period, period_months), as canonical columns."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Connection, bindparam, text

from transforms.consistency import CHECKED_MEASURES, LINE_COLUMNS

_COLUMNS = (*LINE_COLUMNS, "period", "period_months", *CHECKED_MEASURES)


def stored_figures_at(
    conn: Connection, sources: list[str], periods: list[tuple[dt.date, int]]
) -> pd.DataFrame:
    at = " OR ".join(f"(period = :p{i} AND period_months = :m{i})" for i in range(len(periods)))
    query = text(
        f"SELECT {', '.join(_COLUMNS)} FROM trade_flow WHERE source IN :sources AND ({at})"
    ).bindparams(bindparam("sources", expanding=True))
    sqlite = conn.dialect.name == "sqlite"  # stores dates as ISO text
    params: dict[str, object] = {"sources": sources}
    for i, (period, months) in enumerate(periods):
        params[f"p{i}"], params[f"m{i}"] = period.isoformat() if sqlite else period, months
    frame = pd.DataFrame(conn.execute(query, params).all(), columns=list(_COLUMNS))
    frame["period"] = [
        p if isinstance(p, dt.date) else dt.date.fromisoformat(str(p)[:10]) for p in frame["period"]
    ]
    return frame.astype({m: float for m in CHECKED_MEASURES})
