"""Reading one line of trade_flow_growth, with each month's first-published value, for `tradeflow headline`,
`tradeflow chart` and the nightly headlines: the view's query over that line's figures only
(`warehouse.growth_sql`), not the view, which would compute every line first."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Connection, Engine, bindparam, text

from transforms.headline import HeadlineError, Selection
from warehouse.growth_sql import growth_query

_LINE = "source = :source AND reporter = :reporter AND partner = :partner AND flow = :flow"


def _params(selection: Selection) -> dict[str, object]:
    return {
        "source": selection.source,
        "reporter": selection.reporter,
        "partner": selection.partner,
        "flow": selection.flow,
        "codes": list(selection.codes),
    }


def currency_of(conn: Connection, selection: Selection) -> str:
    """The selection's currency, or the one its figures are in: USD where a publisher has several
    editions (GACC's USD and CNY) and none was asked for."""
    query = text(
        f"SELECT DISTINCT currency FROM trade_flow WHERE {_LINE} AND commodity_code IN :codes"
    ).bindparams(bindparam("codes", expanding=True))
    found: list[str] = sorted(str(c) for (c,) in conn.execute(query, _params(selection)))
    if selection.currency:
        if selection.currency not in found:
            raise HeadlineError(
                f"no figures in {selection.currency} for {selection.describe()} ({selection.source})"
                + (f"; there are figures in {', '.join(found)}" if found else "")
            )
        return selection.currency
    if not found:
        raise HeadlineError(f"no figures for {selection.describe()} ({selection.source})")
    if len(found) == 1:
        return found[0]
    if "USD" in found:
        return "USD"
    raise HeadlineError(
        f"{selection.describe()} ({selection.source}) has figures in {', '.join(found)}: choose one with "
        "--currency"
    )


def read_line(
    engine: Engine, selection: Selection, since: dt.date | None = None, days: int = 0
) -> tuple[pd.DataFrame, str]:
    """The selection's rows of trade_flow_growth from `since` (a year before it, for the comparisons,
    is the view's business), each with the first-published value of its figure; and their currency.
    `days`: 0 for the monthly figures, N for the figures of days 1 to N of a month."""
    with engine.connect() as conn:
        currency = currency_of(conn, selection)
        params = {**_params(selection), "currency": currency, "days": days}
        after = ""
        if since is not None:
            after = " AND g.period >= :since"
            params["since"] = since.isoformat() if engine.dialect.name == "sqlite" else since
        line = f"SELECT * FROM trade_flow_latest WHERE {_LINE} AND commodity_code IN :codes AND currency = :currency"
        growth = growth_query(engine.dialect.name, base=f"({line})")
        query = text(
            "SELECT g.commodity_code, g.period, g.period_months, g.value, g.prior_year_value, g.yoy_pct,"
            " g.ytd_value, g.ytd_prior_year_value, g.ytd_yoy_pct, g.ytd_months, g.derived, g.provisional,"
            " g.released_at, CASE WHEN g.derived THEN NULL ELSE f.first_value END AS first_value"
            f" FROM ({growth}) g LEFT JOIN trade_flow f ON f.source = g.source"
            " AND f.reporter = g.reporter AND f.partner = g.partner AND f.flow = g.flow"
            " AND f.commodity_system = g.commodity_system AND f.commodity_code = g.commodity_code"
            " AND f.currency = g.currency AND f.period = g.period AND f.period_months = g.period_months"
            " AND f.period_days = g.period_days"
            f" WHERE g.period_days = :days{after} ORDER BY g.period, g.commodity_code"
        ).bindparams(bindparam("codes", expanding=True))
        result = conn.execute(query, params)
        frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    frame["period"] = [
        p if isinstance(p, dt.date) else dt.date.fromisoformat(str(p)[:10]) for p in frame["period"]
    ]
    frame["released_at"] = pd.to_datetime(frame["released_at"], utc=True, format="mixed")
    for column in ("derived", "provisional"):
        frame[column] = frame[column].astype(bool)
    numbers = [
        "value",
        "prior_year_value",
        "yoy_pct",
        "ytd_value",
        "ytd_prior_year_value",
        "ytd_yoy_pct",
        "first_value",
    ]
    frame[numbers] = frame[numbers].astype(float)
    return frame, currency


def watched_lines(
    engine: Engine, sources: list[str], codes: list[str]
) -> list[tuple[str, str, str, str, str]]:
    """(source, reporter, partner, flow, commodity_code) of every stored line of these sources in these
    commodity codes: what the nightly headlines speak of."""
    if not sources or not codes:
        return []
    query = text(
        "SELECT DISTINCT source, reporter, partner, flow, commodity_code FROM trade_flow"
        " WHERE source IN :sources AND commodity_code IN :codes"
        " ORDER BY source, reporter, partner, flow, commodity_code"
    ).bindparams(bindparam("sources", expanding=True), bindparam("codes", expanding=True))
    with engine.connect() as conn:
        return [
            (r[0], r[1], r[2], r[3], r[4]) for r in conn.execute(query, {"sources": sources, "codes": codes})
        ]


def changed_by(engine: Engine, selection: Selection, release_ids: list[int]) -> pd.DataFrame:
    """The selection's figures these releases added or revised: commodity_code, period, period_months,
    new (first stored by one of them)."""
    columns = ["commodity_code", "period", "period_months", "new"]
    if not release_ids:
        return pd.DataFrame(columns=columns)
    query = text(
        "SELECT commodity_code, period, period_months, first_release_id IN :ids AS new FROM trade_flow"
        f" WHERE {_LINE} AND commodity_code IN :codes AND release_id IN :ids ORDER BY period"
    ).bindparams(bindparam("codes", expanding=True), bindparam("ids", expanding=True))
    with engine.connect() as conn:
        rows = conn.execute(query, {**_params(selection), "ids": release_ids}).all()
    frame = pd.DataFrame(rows, columns=columns)
    frame["period"] = [
        p if isinstance(p, dt.date) else dt.date.fromisoformat(str(p)[:10]) for p in frame["period"]
    ]
    frame["new"] = frame["new"].astype(bool)
    return frame


def line_codes(
    engine: Engine, source: str, reporter: str, partner: str, flow: str, since: dt.date
) -> set[str]:
    """The commodity codes a line has figures for from `since`: what a concordance group can be made of."""
    query = text(f"SELECT DISTINCT commodity_code FROM trade_flow WHERE {_LINE} AND period >= :since")
    params = {"source": source, "reporter": reporter, "partner": partner, "flow": flow, "since": since}
    with engine.connect() as conn:
        return {str(code) for (code,) in conn.execute(query, params)}
