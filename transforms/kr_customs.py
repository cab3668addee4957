"""Korea Customs Service items -> canonical rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

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


def _per_value(series: pd.Series, fn: Callable[[Any], Any]) -> list[Any]:
    lookup = {value: fn(value) for value in pd.unique(series)}
    return [lookup[value] for value in series]


def normalize_kr_customs(raw: pd.DataFrame) -> pd.DataFrame:
    """One export and one import row per item; the grand-total item is dropped wherever it is."""
    if raw.empty:
        return empty_canonical()
    frame = raw[raw["year"] != GRAND_TOTAL_YEAR]
    if frame.empty:
        return empty_canonical()
    # Each mapping runs once per distinct value (a few months, countries and codes), not once per item.
    periods = _per_value(frame["year"], lambda y: dt.date(int(y[:4]), int(y[5:7]), 1))
    as_of = _per_value(frame["fetched_at"], lambda ts: ts.date() if hasattr(ts, "date") else dt.date.today())
    provisional = [a < refresh_date(p) for a, p in zip(as_of, periods, strict=True)]
    endpoint = frame["endpoint"].to_numpy()
    codes = _per_value(frame["hsCd"].fillna(""), lambda c: _commodity(str(c)))
    commodities = [
        ("TOTAL", "TOTAL") if e == "nationtrade" else c for e, c in zip(endpoint, codes, strict=True)
    ]
    mapped = _per_value(frame["statCd"].fillna(""), lambda c: areas.from_alpha2("kr_customs", str(c)))
    partners = ["WLD" if e == "itemtrade" else p for e, p in zip(endpoint, mapped, strict=True)]
    names = ["" if e == "nationtrade" else (n or "") for e, n in zip(endpoint, frame["statKor"], strict=True)]
    base = {
        "source": "kr_customs",
        "reporter": "KOR",
        "partner": partners,
        "commodity_system": [s for s, _ in commodities],
        "commodity_code": [c for _, c in commodities],
        "commodity_name": names,
        "period": periods,
        "period_months": 1,
        "currency": "USD",
        "provisional": provisional,
    }
    weight_missing = frame["endpoint"] == "nationtrade"  # nationtrade has counts of declarations, no weights
    exports = pd.DataFrame(
        base
        | {
            "flow": "export",
            "value": pd.to_numeric(frame["expDlr"], errors="coerce").to_numpy(),
            "valuation": "FOB",
            "net_weight_kg": pd.to_numeric(frame["expWgt"], errors="coerce")
            .where(~weight_missing)
            .to_numpy(),
        }
    )
    imports = pd.DataFrame(
        base
        | {
            "flow": "import",
            "value": pd.to_numeric(frame["impDlr"], errors="coerce").to_numpy(),
            "valuation": "CIF",
            "net_weight_kg": pd.to_numeric(frame["impWgt"], errors="coerce")
            .where(~weight_missing)
            .to_numpy(),
        }
    )
    return coerce_canonical(pd.concat([exports, imports], ignore_index=True))
