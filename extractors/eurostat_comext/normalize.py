"""Comext raw rows -> canonical rows (pure pandas).

One canonical figure per reporter, partner, product, flow and month, from the two indicators: VALUE_IN_EUROS
(value, EUR) and QUANTITY_IN_100KG (net weight, 100 kg: x 100 into `net_weight_kg`). Imports are valued
CIF and exports FOB, Comext's convention. Products: `TOTAL`; HS2, HS4 and HS6 codes as `HS`; CN8 codes as
their own system `CN8`. A cell with no value (Comext keeps it confidential, or it is not there) is not a
figure: the month's other figures are stored. A figure is provisional when Comext flags it (`p`) or while
its month may still be revised (the current and the previous year, calendar.py).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from extractors.eurostat_comext.areas import from_comext
from extractors.eurostat_comext.calendar import revisable
from transforms.schema import coerce_canonical, empty_canonical

SOURCE = "eurostat_comext"
FLOWS = {"1": "import", "2": "export"}
VALUATION = {"import": "CIF", "export": "FOB"}
KEY = ["reporter", "partner", "product", "flow", "TIME_PERIOD"]


def _system(code: str) -> str:
    if code == "TOTAL":
        return "TOTAL"
    return "CN8" if len(code) == 8 else "HS"


def normalize(raw: pd.DataFrame) -> pd.DataFrame:
    known = raw[raw["flow"].isin(FLOWS) & raw["indicators"].isin(["VALUE_IN_EUROS", "QUANTITY_IN_100KG"])]
    known = known[known["OBS_VALUE"] != ""]
    if known.empty:
        return empty_canonical()
    # One row per figure: its indicators side by side, the flags of either joined.
    per_figure = known.groupby(KEY).agg(OBS_FLAG=("OBS_FLAG", "".join), fetched_at=("fetched_at", "first"))
    figures = (
        known.pivot_table(index=KEY, columns="indicators", values="OBS_VALUE", aggfunc="first")
        .join(per_figure)
        .reset_index()
    )
    if "VALUE_IN_EUROS" not in figures.columns:
        return empty_canonical()
    figures = figures[figures["VALUE_IN_EUROS"].notna()]  # a weight alone is not a figure
    if figures.empty:
        return empty_canonical()
    periods = [dt.date(int(t[:4]), int(t[5:7]), 1) for t in figures["TIME_PERIOD"]]
    as_of = [ts.date() if hasattr(ts, "date") else dt.date.today() for ts in figures["fetched_at"]]
    flows = [FLOWS[f] for f in figures["flow"]]
    weight = figures["QUANTITY_IN_100KG"] if "QUANTITY_IN_100KG" in figures.columns else None
    codes = figures["product"].astype(str)
    out = pd.DataFrame(
        {
            "source": SOURCE,
            "reporter": [from_comext(r) for r in figures["reporter"]],
            "partner": [from_comext(p) for p in figures["partner"]],
            "flow": flows,
            "commodity_system": [_system(c) for c in codes],
            "commodity_code": codes.to_numpy(),
            "commodity_name": "",
            "period": periods,
            "period_months": 1,
            "value": pd.to_numeric(figures["VALUE_IN_EUROS"]).to_numpy(),
            "currency": "EUR",
            "valuation": [VALUATION[f] for f in flows],
            "net_weight_kg": (pd.to_numeric(weight) * 100).round(3).to_numpy()
            if weight is not None
            else None,
            "quantity": None,
            "quantity_unit": None,
            "provisional": [
                "p" in flag.lower() or revisable(p, a)
                for flag, p, a in zip(figures["OBS_FLAG"], periods, as_of, strict=True)
            ],
        }
    )
    return coerce_canonical(out)
