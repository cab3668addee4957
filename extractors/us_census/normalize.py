"""US Census intltrade rows -> canonical rows (pure pandas).

Exports are valued f.a.s.; general imports at customs value (none of CIF/FOB/FAS: empty). A month is
provisional until the annual revision after its year (calendar.py).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from extractors.us_census.areas import area_from_census, is_group
from extractors.us_census.calendar import annual_revision_date
from extractors.us_census.scopes import SOURCE
from transforms.schema import coerce_canonical, empty_canonical


def normalize(raw: pd.DataFrame) -> pd.DataFrame:
    if raw.empty:
        return empty_canonical()
    groups = [
        is_group(str(c), str(s or "")) for c, s in zip(raw["CTY_CODE"], raw["SUMMARY_LVL"], strict=True)
    ]
    frame = raw[[not g for g in groups]]
    if frame.empty:
        return empty_canonical()
    periods = [dt.date(int(t[:4]), int(t[5:7]), 1) for t in frame["time"]]
    as_of = [ts.date() if hasattr(ts, "date") else dt.date.today() for ts in frame["fetched_at"]]
    codes = frame["commodity"].astype(str).str.strip()
    out = pd.DataFrame(
        {
            "source": SOURCE,
            "reporter": "USA",
            "partner": [area_from_census(str(c)) for c in frame["CTY_CODE"]],
            "flow": frame["flow"].to_numpy(),
            "commodity_system": ["TOTAL" if c in ("", "-", "TOTAL") else "HS" for c in codes],
            "commodity_code": ["TOTAL" if c in ("", "-", "TOTAL") else c for c in codes],
            "commodity_name": frame["description"].fillna("").astype(str).str.strip().to_numpy(),
            "period": periods,
            "period_months": 1,
            "value": pd.to_numeric(frame["value"], errors="coerce").to_numpy(),
            "currency": "USD",
            # Exports are valued f.a.s.; general imports at customs value, which is none of CIF/FOB/FAS.
            "valuation": ["FAS" if f == "export" else "" for f in frame["flow"]],
            "provisional": [a < annual_revision_date(p) for a, p in zip(as_of, periods, strict=True)],
        }
    )
    return coerce_canonical(out)
