"""UN Comtrade's numeric reporter and partner codes <-> canonical areas.

`areas.csv` is transcribed from Comtrade's official reporter and partner lists (code, Comtrade's ISO-like
code, name, group, reporter). As of 2026-11, a few codes have no ISO 3166 code and get ours.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path
from typing import Final

from transforms import areas

SOURCE = "un_comtrade"
OWN_CODES: Final[dict[str, str]] = {
    "0": "WLD",
    "97": "EUU",
    "490": "XOA",  # "Other Asia, nes": in practice Taiwan's trade
    "899": "XNS",
    "837": "XBK",
    "838": "XFZ",
    "839": "XSC",
    "412": "XKX",
}


@cache
def _table() -> dict[str, tuple[str, str, bool]]:
    """code -> (Comtrade's ISO-like code, name, is a reporter)."""
    with (Path(__file__).parent / "areas.csv").open(encoding="utf-8") as fh:
        return {
            row["code"]: (row["comtrade_iso"], row["name"], row["is_reporter"] == "True")
            for row in csv.DictReader(fh)
        }


def area_of(code: int | str) -> str:
    """Comtrade numeric code -> canonical area (kept as `un_comtrade:<code>` when it has none)."""
    key = str(code).strip()
    if key in OWN_CODES:
        return OWN_CODES[key]
    iso = _table().get(key, ("", "", False))[0]
    if len(iso) == 3 and areas.is_country(iso):
        return iso
    return areas.unmapped(SOURCE, key)


def _rank(entry: tuple[str, str, bool]) -> tuple[bool, bool]:
    return entry[2], "(..." not in entry[1]


@cache
def _codes_by_area() -> dict[str, str]:
    out: dict[str, str] = {}
    table = _table()
    for code, (iso, _name, _is_reporter) in table.items():
        # Several codes share an ISO code (840 "United States of America" and 842 "USA, Puerto Rico and
        # US Virgin Islands"): the one Comtrade lists as a reporter is the one its data uses.
        # Former entries are marked "(...1980)".
        if iso not in out or _rank(table[code]) > _rank(table[out[iso]]):
            out[iso] = code
    for code, area in OWN_CODES.items():
        out[area] = code
    return out


def code_of(area: str) -> str:
    """Canonical area -> Comtrade numeric code (for building requests)."""
    try:
        return _codes_by_area()[area]
    except KeyError:
        raise ValueError(f"no UN Comtrade code for area {area!r}") from None
