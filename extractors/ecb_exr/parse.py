"""ECB EXR answers (`format=csvdata`) -> US dollars per unit of each currency, by month.

As of 2026-12 the CSV has a header row, then one observation a row: KEY (`EXR.M.USD.EUR.SP00.A`), the
dimensions FREQ, CURRENCY, CURRENCY_DENOM, EXR_TYPE, EXR_SUFFIX, then TIME_PERIOD (`2024-01`) and OBS_VALUE
(units of CURRENCY per euro), then attributes (OBS_STATUS, TITLE, ...) that are not read. A month with no
observation has an empty OBS_VALUE.
"""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pandas as pd

from extractors.base import Payload
from extractors.ecb_exr.fetch import PIVOT
from extractors.errors import ParseError
from extractors.http import html_page_title
from transforms.months import month_pattern

REQUIRED = ("FREQ", "CURRENCY", "CURRENCY_DENOM", "EXR_TYPE", "EXR_SUFFIX", "TIME_PERIOD", "OBS_VALUE")
SERIES = {"FREQ": "M", "CURRENCY_DENOM": "EUR", "EXR_TYPE": "SP00", "EXR_SUFFIX": "A"}


def _per_euro(payload: Payload) -> pd.DataFrame:
    """Rows currency, month (YYYY-MM), per_euro (float > 0), read and checked."""
    text = payload.content.decode("utf-8-sig", "replace")
    if html_page_title(payload.content) is not None or text.lstrip().startswith("<"):
        raise payload.error(ParseError, "not CSV: an HTML or XML document (was format=csvdata dropped?)")
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise payload.error(ParseError, f"malformed CSV: {' '.join(str(exc).split())}") from None
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise payload.error(
            ParseError, f"CSV columns {missing} missing (columns: {list(frame.columns)[:12]})"
        )
    for column, expected in SERIES.items():
        other = sorted(set(frame[column]) - {expected})
        if other:
            raise payload.error(
                ParseError, f"{column} {other}: expected only {expected!r} (monthly averages per euro)"
            )
    frame = frame[frame["OBS_VALUE"].str.strip() != ""]
    months = frame["TIME_PERIOD"].str.fullmatch(month_pattern("-"))
    if not months.all():
        raise payload.error(
            ParseError, f"TIME_PERIOD {frame.loc[~months, 'TIME_PERIOD'].iloc[0]!r} is not a month"
        )
    values = pd.to_numeric(frame["OBS_VALUE"], errors="coerce")
    bad = ~(values.gt(0) & np.isfinite(values))  # NaN is neither
    if bad.any():
        raise payload.error(
            ParseError, f"OBS_VALUE {frame.loc[bad, 'OBS_VALUE'].iloc[0]!r} is not a positive rate"
        )
    out = pd.DataFrame(
        {"currency": frame["CURRENCY"].str.strip(), "month": frame["TIME_PERIOD"], "per_euro": values}
    )
    if out.duplicated(["currency", "month"]).any():
        raise payload.error(ParseError, "the same currency and month twice")
    return out


def parse_rates(payload: Payload) -> pd.DataFrame:
    """US dollars per unit: the euro's is the dollar's rate per euro; another currency's is that divided
    by its own rate per euro (a cross rate through the euro, as the ECB publishes no other base)."""
    rows = _per_euro(payload)
    dollar = rows.loc[rows["currency"] == PIVOT, ["month", "per_euro"]].rename(
        columns={"per_euro": "usd_per_eur"}
    )
    euro = dollar.assign(currency="EUR", usd_per_unit=dollar["usd_per_eur"])
    crossed = rows[rows["currency"] != PIVOT].merge(dollar, on="month")  # months with a dollar rate only
    crossed["usd_per_unit"] = crossed["usd_per_eur"] / crossed["per_euro"]
    out = pd.concat([euro, crossed], ignore_index=True)
    out["period"] = [dt.date(int(m[:4]), int(m[5:7]), 1) for m in out["month"]]
    return out[["currency", "period", "usd_per_unit"]].sort_values(["currency", "period"], ignore_index=True)
