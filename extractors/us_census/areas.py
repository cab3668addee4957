"""Census Schedule C country codes -> canonical areas, from the shipped code table (schedule_c.py).

Each country code maps through the ISO alpha-2 code Census gives it; the three two-letter codes that are
Census's own (as of the 27JAN21 listing) map to documented codes of ours. Groups (codes beginning with 0,
codes with X such as 1XXX, or rows marked SUMMARY_LVL=CGP) are totals over several countries and are
kept out of the country rows. "-" is all countries (WLD). A code not in the table is kept as
"us_census:<code>" and reported: Census has added a code the table does not know yet (refresh it).
"""

from __future__ import annotations

import functools
from typing import Final

from extractors.us_census.schedule_c import Entry, entries_by_code
from extractors.us_census.scopes import SOURCE
from transforms import areas

# Schedule C's two letters where ISO 3166-1 has no code of its own for the area.
CENSUS_ALPHA2: Final[dict[str, str]] = {
    "KV": "XKX",  # Kosovo
    "GZ": "XGZ",  # Gaza Strip (ISO's PS covers it with the West Bank; Census counts each apart)
    "WE": "XWB",  # West Bank
}

# Rows over several countries, by code (the table's `total` and `group` rows).
GROUP_AREAS: Final[dict[str, str]] = {"-": "WLD", "0003": "EUU"}


def area_of(entry: Entry) -> str:
    if entry.kind != "country":
        return GROUP_AREAS.get(entry.code, areas.unmapped(SOURCE, entry.code))
    return areas.from_alpha2(SOURCE, entry.iso_alpha2, CENSUS_ALPHA2)


@functools.cache
def census_to_area() -> dict[str, str]:
    return {code: area_of(entry) for code, entry in entries_by_code().items()}


@functools.cache
def _area_to_census() -> dict[str, str]:
    table = entries_by_code()
    return {area: code for code, area in census_to_area().items() if table[code].kind != "group"}


def iso3_to_census(area: str) -> str:
    """The Schedule C code to ask the API for a canonical area (a country, or WLD for all)."""
    try:
        return _area_to_census()[area]
    except KeyError:
        raise ValueError(
            f"no Census Schedule C country code for {area!r}: give an ISO 3166 alpha-3 code of a country"
            " Census lists (extractors/us_census/schedule_c.csv), or WLD"
        ) from None


def is_group(code: str, summary_level: str) -> bool:
    return summary_level == "CGP" or code.startswith("0") or "X" in code.upper()


def area_from_census(code: str) -> str:
    code = code.strip()
    return census_to_area().get(code) or areas.unmapped(SOURCE, code)
