"""After a run's loads: fetch the exchange rates the warehouse lacks for figures not in US dollars, so that
`mirror_flows` can set them beside dollar figures. A rate that cannot be fetched never fails the run (the
trade figures are loaded; only their conversion waits): it is reported, and asked for again next run."""

from __future__ import annotations

from flows.runtime import Runtime


def refresh_exchange_rates(rt: Runtime) -> tuple[str, bool] | None:
    """(a line for the run's log, whether it is a warning), or None when no rate was missing."""
    from sqlalchemy.exc import SQLAlchemyError

    from extractors.errors import NotPublished, TradeflowError
    from extractors.rates import check_rates, get_rate_source
    from warehouse.rates import missing_rates, upsert_exchange_rates

    source_id = rt.settings.rates_source
    if rt.warehouse_down:
        return None
    try:
        missing = missing_rates(rt.engine)
    except SQLAlchemyError as exc:
        return f"exchange rates not checked: the warehouse could not be read ({type(exc).__name__})", True
    if not missing:
        return None
    months = sorted({m for ms in missing.values() for m in ms})
    asked = f"{', '.join(missing)} for {months[0]:%Y-%m}..{months[-1]:%Y-%m}"
    if not source_id:
        return f"exchange rates: none fetched (TRADEFLOW_RATES_SOURCE is empty); missing {asked}", False
    rates = get_rate_source(source_id)
    base_url = rt.settings.rates_base_url or rates.default_base_url
    try:
        payload = rates.fetch_rates(rt.http, base_url, list(missing), months[0], months[-1])
        frame = check_rates(payload, rates.parse_rates(payload))
    except NotPublished as exc:
        return f"exchange rates: {source_id} has none yet for {asked} ({exc.message})", False
    except TradeflowError as exc:
        return f"exchange rates not fetched, asked again next run: {rt.redact(str(exc))}", True
    # Only the months asked for: an answer's other months (a range covers months that have rates) never
    # overwrite stored rates behind the run's back.
    asked_for = {(c, m) for c, months in missing.items() for m in months}
    wanted = frame[[key in asked_for for key in zip(frame["currency"], frame["period"], strict=True)]]
    try:
        written = upsert_exchange_rates(rt.engine, wanted, source_id)
    except SQLAlchemyError as exc:
        return f"exchange rates fetched but not stored, asked again next run ({type(exc).__name__})", True
    line = f"exchange rates: {written.written} monthly rates of {', '.join(missing)} from {source_id}"
    if written.revised:
        line += f" ({written.revised} changed a stored rate, kept in exchange_rate_revision)"
    got = set(zip(wanted["currency"], wanted["period"], strict=True))
    left = [(c, m) for c, months in missing.items() for m in months if (c, m) not in got]
    if left:
        currencies = ", ".join(sorted({c for c, _ in left}))
        return f"{line}; {len(left)} month(s) still without a rate ({currencies})", False
    return line, False
