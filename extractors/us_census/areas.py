"""Census Schedule C country codes -> canonical areas.

Groups (codes beginning with 0, codes with X such as 1XXX, or rows marked SUMMARY_LVL=CGP) are totals over
several countries and are kept out of the country rows. "-" is all countries (WLD). Codes not in the table
below are matched by CTY_NAME, else kept as "us_census:<code>".
"""

from __future__ import annotations

from typing import Final

from transforms import areas

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
