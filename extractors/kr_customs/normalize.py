"""Korea Customs Service items -> canonical rows (pure pandas).

Each item holds a month's exports and imports: one export and one import row per item, valued FOB and
CIF, in USD, weights in kg. A month is provisional until the mid-month refresh after it (calendar.py).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from extractors.kr_customs.areas import area_of
from extractors.kr_customs.calendar import refresh_date
from extractors.kr_customs.parse import GRAND_TOTAL_YEAR
from transforms.columns import float_column, map_distinct
from transforms.schema import contract_frame, empty_canonical


def _commodity_system(code: str) -> str:
    """An empty code or "-" is all goods; Korea's own 10-digit codes are HSK, shorter ones HS."""
    if code in ("", "-"):
        return "TOTAL"
    return "HSK" if len(code) == 10 else "HS"


def _commodity_code(code: str) -> str:
    return "TOTAL" if code in ("", "-") else code


def normalize(raw: pd.DataFrame) -> pd.DataFrame:
    """One export and one import row per item; the grand-total item is dropped wherever it is.

    Exports then imports, as one frame of twice the items: every column is taken at `rows`, the month
    items' positions twice over, from values computed once per distinct value or once per column.
    """
    if raw.empty:
        return empty_canonical()
    months_only = (raw["year"] != GRAND_TOTAL_YEAR).to_numpy(dtype=bool)
    items = np.flatnonzero(months_only)
    count = len(items)
    if count == 0:
        return empty_canonical()
    rows = np.concatenate([items, items])
    endpoint_code, endpoints = pd.factorize(raw["endpoint"], use_na_sentinel=False)
    endpoint_code = endpoint_code[rows]
    kinds = np.asarray(endpoints, dtype=object)
    by_nation, world = (kinds == "nationtrade")[endpoint_code], (kinds == "itemtrade")[endpoint_code]
    # Provisional depends on the month and on when it was fetched: decide it per distinct pair.
    month_code, months = pd.factorize(raw["year"])
    fetched_code, fetched = pd.factorize(raw["fetched_at"], use_na_sentinel=False)
    month_of = [dt.date(int(y[:4]), int(y[5:7]), 1) if y != GRAND_TOTAL_YEAR else None for y in months]
    as_of = [ts.date() if hasattr(ts, "date") else dt.date.today() for ts in fetched]
    state = np.array([[m is not None and a < refresh_date(m) for a in as_of] for m in month_of], dtype=bool)
    periods = np.empty(len(month_of), dtype=object)
    periods[:] = month_of
    month_code, fetched_code = month_code[rows], fetched_code[rows]
    systems, commodity_codes = map_distinct(
        raw["hsCd"].fillna("").astype(str), _commodity_system, _commodity_code, rows=rows
    )
    systems[by_nation] = "TOTAL"
    commodity_codes[by_nation] = "TOTAL"
    (partners,) = map_distinct(raw["statCd"].fillna(""), lambda c: area_of(str(c)), rows=rows)
    partners[world] = "WLD"  # itemtrade answers are for all countries
    # Each name is the same for every month and partner: one string per distinct name, shared.
    (names,) = map_distinct(raw["statKor"].fillna(""), str, rows=rows)
    names[by_nation] = ""

    def halves(first: str | np.ndarray, second: str | np.ndarray) -> np.ndarray:
        """Exports' then imports' values: texts, or numbers taken at the month items."""
        if isinstance(first, str):
            out = np.empty(2 * count, dtype=object)
            out[:count], out[count:] = first, second
            return out
        return np.concatenate([first[items], second[items]])

    def weights(column: str) -> np.ndarray:
        # nationtrade has counts of declarations, no weights
        return np.where(by_nation[:count], np.nan, float_column(raw[column])[items])

    return contract_frame(
        {
            "source": "kr_customs",
            "reporter": "KOR",
            "partner": partners,
            "flow": halves("export", "import"),
            "commodity_system": systems,
            "commodity_code": commodity_codes,
            "commodity_name": names,
            "period": periods[month_code],
            "period_months": 1,
            "value": halves(float_column(raw["expDlr"]), float_column(raw["impDlr"])),
            "currency": "USD",
            "valuation": halves("FOB", "CIF"),
            "net_weight_kg": np.concatenate([weights("expWgt"), weights("impWgt")]),
            "provisional": state[month_code, fetched_code],
        },
        2 * count,
    )
