"""Korea Customs Service items -> canonical rows."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from transforms import areas
from transforms.columns import float_column, map_distinct
from transforms.schema import contract_frame, empty_canonical

GRAND_TOTAL_YEAR = "총계"
# The item fields tradeflow reads. Items carry more (statCdCntnKor1, balPayments, and expCnt/impCnt on
# nationtrade) that no canonical column needs: leaving them unread is a third less work for the parser.
RAW_COLUMNS = (
    "endpoint",
    "year",
    "hsCd",
    "statCd",
    "statKor",
    "expDlr",
    "expWgt",
    "impDlr",
    "impWgt",
)


def refresh_date(period: dt.date) -> dt.date:
    """KCS refreshes all data through month M around the 15th of M+1; until then M is provisional."""
    year, month = (period.year + 1, 1) if period.month == 12 else (period.year, period.month + 1)
    return dt.date(year, month, 15)


def _commodity_system(code: str) -> str:
    """An empty code or "-" is all goods; Korea's own 10-digit codes are HSK, shorter ones HS."""
    if code in ("", "-"):
        return "TOTAL"
    return "HSK" if len(code) == 10 else "HS"


def _commodity_code(code: str) -> str:
    return "TOTAL" if code in ("", "-") else code


def normalize_kr_customs(raw: pd.DataFrame) -> pd.DataFrame:
    """One export and one import row per item; the grand-total item is dropped wherever it is."""
    if raw.empty:
        return empty_canonical()
    months_only = raw["year"] != GRAND_TOTAL_YEAR
    frame = raw if months_only.all() else raw[months_only]
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
    systems, commodity_codes = map_distinct(
        frame["hsCd"].fillna("").astype(str), _commodity_system, _commodity_code
    )
    by_nation = endpoint == "nationtrade"
    systems[by_nation] = "TOTAL"
    commodity_codes[by_nation] = "TOTAL"
    (mapped,) = map_distinct(frame["statCd"].fillna(""), lambda c: areas.from_alpha2("kr_customs", str(c)))
    partners = np.where(endpoint == "itemtrade", "WLD", mapped)
    # Each name is the same for every month and partner: one string per distinct name, shared.
    (names,) = map_distinct(frame["statKor"].fillna(""), str)
    names[by_nation] = ""
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
        values = float_column(frame[column])
        return np.where(weight_missing, np.nan, values) if weight else values

    # Exports then imports, built as one frame of twice the items (no concat of two frames).
    count = len(frame)

    def twice(values: object) -> object:
        return np.concatenate([values, values]) if isinstance(values, np.ndarray) else values

    def halves(first: object, second: object) -> np.ndarray:
        out = np.empty(2 * count, dtype=object if isinstance(first, str) else np.float64)
        out[:count], out[count:] = first, second
        return out

    return contract_frame(
        {name: twice(values) for name, values in base.items()}
        | {
            "flow": halves("export", "import"),
            "value": halves(numbers("expDlr"), numbers("impDlr")),
            "valuation": halves("FOB", "CIF"),
            "net_weight_kg": halves(numbers("expWgt", weight=True), numbers("impWgt", weight=True)),
        },
        2 * count,
    )
