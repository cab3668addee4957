"""Korea Customs Service items -> canonical rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from transforms import areas
from transforms.schema import coerce_canonical, empty_canonical

GRAND_TOTAL_YEAR = "총계"
RAW_COLUMNS = (
    "endpoint",
    "year",
    "hsCd",
    "statCd",
    "statCdCntnKor1",
    "statKor",
    "expDlr",
    "expWgt",
    "impDlr",
    "impWgt",
    "expCnt",
    "impCnt",
    "balPayments",
)


def refresh_date(period: dt.date) -> dt.date:
    """KCS refreshes all data through month M around the 15th of M+1; until then M is provisional."""
    year, month = (period.year + 1, 1) if period.month == 12 else (period.year, period.month + 1)
    return dt.date(year, month, 15)


def _commodity(code: str) -> tuple[str, str]:
    if code in ("", "-"):
        return "TOTAL", "TOTAL"
    return ("HSK", code) if len(code) == 10 else ("HS", code)


def _per_value(series: pd.Series, fn: Callable[[Any], Any]) -> np.ndarray:
    """fn over each distinct value once (a few months, countries and codes), spread back over the rows."""
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    mapped = np.empty(len(uniques), dtype=object)
    mapped[:] = [fn(value) for value in uniques]
    return mapped[codes]


def normalize_kr_customs(raw: pd.DataFrame) -> pd.DataFrame:
    """One export and one import row per item; the grand-total item is dropped wherever it is."""
    if raw.empty:
        return empty_canonical()
    frame = raw[raw["year"] != GRAND_TOTAL_YEAR]
    if frame.empty:
        return empty_canonical()
    endpoint = frame["endpoint"].to_numpy()
    # Provisional depends on the month and on when it was fetched: decide it per distinct pair.
    month_code, months = pd.factorize(frame["year"])
    fetched_code, fetched = pd.factorize(frame["fetched_at"], use_na_sentinel=False)
    month_of = [dt.date(int(y[:4]), int(y[5:7]), 1) for y in months]
    as_of = [ts.date() if hasattr(ts, "date") else dt.date.today() for ts in fetched]
    state = np.array([[a < refresh_date(m) for a in as_of] for m in month_of], dtype=bool)
    periods = np.empty(len(month_of), dtype=object)
    periods[:] = month_of
    periods = periods[month_code]
    provisional = state[month_code, fetched_code]
    codes = _per_value(frame["hsCd"].fillna(""), lambda c: _commodity(str(c)))
    systems = np.array([s for s, _ in codes], dtype=object)
    commodity_codes = np.array([c for _, c in codes], dtype=object)
    by_nation = endpoint == "nationtrade"
    systems[by_nation] = "TOTAL"
    commodity_codes[by_nation] = "TOTAL"
    mapped = _per_value(frame["statCd"].fillna(""), lambda c: areas.from_alpha2("kr_customs", str(c)))
    partners = np.where(endpoint == "itemtrade", "WLD", mapped)
    names = np.where(by_nation, "", frame["statKor"].fillna("").to_numpy(dtype=object))
    base = {
        "source": "kr_customs",
        "reporter": "KOR",
        "partner": partners,
        "commodity_system": systems,
        "commodity_code": commodity_codes,
        "commodity_name": names,
        "period": periods,
        "period_months": 1,
        "currency": "USD",
        "provisional": provisional,
    }
    weight_missing = by_nation  # nationtrade has counts of declarations, no weights

    def numbers(column: str, *, weight: bool = False) -> np.ndarray:
        values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        return np.where(weight_missing, np.nan, values) if weight else values

    exports = pd.DataFrame(
        base
        | {
            "flow": "export",
            "value": numbers("expDlr"),
            "valuation": "FOB",
            "net_weight_kg": numbers("expWgt", weight=True),
        }
    )
    imports = pd.DataFrame(
        base
        | {
            "flow": "import",
            "value": numbers("impDlr"),
            "valuation": "CIF",
            "net_weight_kg": numbers("impWgt", weight=True),
        }
    )
    return coerce_canonical(pd.concat([exports, imports], ignore_index=True))
