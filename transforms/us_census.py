"""US Census intltrade rows -> canonical rows.

Country codes are Census Schedule C codes. Groups (codes beginning with 0, codes with X such as 1XXX,
or rows marked SUMMARY_LVL=CGP) are totals over several countries and are kept out of the country rows.
"-" is all countries (WLD). Codes not in the table below are matched by CTY_NAME, else kept as
"us_census:<code>".
"""

from __future__ import annotations

import datetime as dt
from typing import Final

import pandas as pd

from transforms import areas
from transforms.schema import coerce_canonical, empty_canonical

# Schedule C codes of the partners the watchlists follow first (the full list is matched by name).
CENSUS_TO_ISO3: Final[dict[str, str]] = {
    "-": "WLD",
    "5800": "KOR",
    "5700": "CHN",
    "5830": "TWN",
    "5820": "HKG",
    "5880": "JPN",
    "1220": "CAN",
    "2010": "MEX",
    "4280": "DEU",
    "4120": "GBR",
    "5330": "IND",
    "5520": "VNM",
}


def iso3_to_census(area: str) -> str:
    for code, iso in CENSUS_TO_ISO3.items():
        if iso == area:
            return code
    raise ValueError(
        f"no Census Schedule C code configured for {area!r}; known: {sorted(CENSUS_TO_ISO3.values())}"
    )


def is_group(code: str, summary_level: str) -> bool:
    return summary_level == "CGP" or code.startswith("0") or "X" in code.upper()


def area_from_census(code: str, name: str) -> str:
    code = code.strip()
    if code in CENSUS_TO_ISO3:
        return CENSUS_TO_ISO3[code]
    found = areas.from_name("us_census", name) if name else areas.unmapped("us_census", code)
    return areas.unmapped("us_census", code) if areas.is_unmapped(found) else found


def annual_revision_date(period: dt.date) -> dt.date:
    """Census revises a year's months with the annual revision in June of the following year."""
    return dt.date(period.year + 1, 6, 30)


def normalize_us_census(raw: pd.DataFrame) -> pd.DataFrame:
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
            "source": "us_census",
            "reporter": "USA",
            "partner": [
                area_from_census(str(c), str(n or ""))
                for c, n in zip(frame["CTY_CODE"], frame["CTY_NAME"], strict=True)
            ],
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
