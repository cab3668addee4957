"""Country and area codes: every publisher's codes -> ISO 3166-1 alpha-3, or a documented code of our own.

Rules (also in README, "Data contract"):
- `WLD` is the world total.
- Areas without an ISO code get a code from ISO's user-assigned range (X.., plus EUU as the World Bank
  does), listed in SPECIAL_AREAS with what each means. They are never merged into a country.
- Former states keep their ISO 3166-3 alpha-3 (SUN, YUG, CSK, DDR, SCG, ANT, ...).
- A code we cannot map is kept as "<source>:<code>" and reported; it is never dropped and never guessed.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Final

import pycountry

CODES_DIR = Path(__file__).parent / "codes"

SPECIAL_AREAS: Final[dict[str, str]] = {
    "WLD": "World (all partners)",
    "EUU": "European Union (as each publisher defines it at the time)",
    "XOA": "Other Asia, not elsewhere specified (UN Comtrade 490: in practice Taiwan's trade)",
    "XNS": "Areas not elsewhere specified (UN Comtrade 899)",
    "XBK": "Bunkers (UN Comtrade 837)",
    "XFZ": "Free zones (UN Comtrade 838)",
    "XSC": "Special categories (UN Comtrade 839)",
    "XKX": "Kosovo (no ISO 3166-1 code; the code in common use)",
    "XZZ": "Other / unspecified countries (Korea Customs ZZ)",
    "XAS": "ASEAN (GACC group row)",
    "XLA": "Latin America (GACC group row)",
    "XAF": "Africa (GACC group row)",
    "XRC": "Regional Comprehensive Economic Partnership, RCEP (GACC group row)",
    "XBR": "Belt and Road countries (GACC group row)",
    "XAP": "APEC (GACC group row)",
}

FORMER_STATES: Final[frozenset[str]] = frozenset({"SUN", "YUG", "CSK", "DDR", "SCG", "ANT", "VDR", "YMD"})

_COMTRADE_SPECIAL: Final[dict[str, str]] = {
    "0": "WLD",
    "97": "EUU",
    "490": "XOA",
    "899": "XNS",
    "837": "XBK",
    "838": "XFZ",
    "839": "XSC",
    "412": "XKX",
}


def unmapped(source: str, code: str) -> str:
    return f"{source}:{code.strip()}"


def is_unmapped(area: str) -> bool:
    return ":" in area


def _iso3_exists(code: str) -> bool:
    return pycountry.countries.get(alpha_3=code) is not None


@lru_cache(maxsize=1)
def _comtrade_table() -> dict[str, tuple[str, str, bool]]:
    """code -> (Comtrade's ISO-like code, name, is a reporter), transcribed from the official lists."""
    with (CODES_DIR / "un_comtrade_areas.csv").open(encoding="utf-8") as fh:
        return {
            row["code"]: (row["comtrade_iso"], row["name"], row["is_reporter"] == "True")
            for row in csv.DictReader(fh)
        }


def from_comtrade(code: int | str) -> str:
    """UN Comtrade numeric reporter/partner code -> canonical area."""
    key = str(code).strip()
    if key in _COMTRADE_SPECIAL:
        return _COMTRADE_SPECIAL[key]
    iso = _comtrade_table().get(key, ("", "", False))[0]
    if len(iso) == 3 and (
        _iso3_exists(iso) or iso in FORMER_STATES or pycountry.historic_countries.get(alpha_3=iso) is not None
    ):
        return iso
    return unmapped("un_comtrade", key)


def _rank(entry: tuple[str, str, bool]) -> tuple[bool, bool]:
    return entry[2], "(..." not in entry[1]


@lru_cache(maxsize=1)
def _iso3_to_comtrade() -> dict[str, str]:
    out: dict[str, str] = {}
    table = _comtrade_table()
    for code, (iso, _name, _is_reporter) in table.items():
        # Several codes share an ISO code (840 "United States of America" and 842 "USA, Puerto Rico and
        # US Virgin Islands"): the one Comtrade lists as a reporter is the one its data uses.
        # Former entries are marked "(...1980)".
        if iso not in out or _rank(table[code]) > _rank(table[out[iso]]):
            out[iso] = code
    for code, area in _COMTRADE_SPECIAL.items():
        out[area] = code
    return out


def to_comtrade(area: str) -> str:
    """Canonical area -> UN Comtrade numeric code (for building requests)."""
    try:
        return _iso3_to_comtrade()[area]
    except KeyError:
        raise ValueError(f"no UN Comtrade code for area {area!r}") from None


_KCS_SPECIAL: Final[dict[str, str]] = {"EU": "EUU", "ZZ": "XZZ", "XK": "XKX", "-": "WLD"}


def from_alpha2(source: str, code: str) -> str:
    """An ISO alpha-2 based code (Korea Customs) -> canonical area."""
    key = code.strip().upper()
    if key in _KCS_SPECIAL:
        return _KCS_SPECIAL[key]
    country = pycountry.countries.get(alpha_2=key)
    if country is not None:
        return str(country.alpha_3)
    former = pycountry.historic_countries.get(alpha_2=key)
    if former is not None:  # ISO 3166-3: e.g. YU -> YUG, AN -> ANT
        return str(former.alpha_3)
    return unmapped(source, code)


def to_alpha2(area: str) -> str:
    reverse = {v: k for k, v in _KCS_SPECIAL.items()}
    if area in reverse:
        return reverse[area]
    country = pycountry.countries.get(alpha_3=area)
    if country is None:
        raise ValueError(f"no alpha-2 code for area {area!r}")
    return str(country.alpha_2)


# Names as publishers print them that pycountry does not know (as of 2026-03, GACC and Census spellings).
_NAME_ALIASES: Final[dict[str, str]] = {
    "total": "WLD",
    "world": "WLD",
    "r o korea": "KOR",
    "korea south": "KOR",
    "south korea": "KOR",
    "republic of korea": "KOR",
    "korea north": "PRK",
    "dpr korea": "PRK",
    "hong kong china": "HKG",
    "hong kong": "HKG",
    "macao china": "MAC",
    "macau": "MAC",
    "taiwan china": "TWN",
    "taiwan": "TWN",
    "united states us": "USA",
    "united states": "USA",
    "united kingdom uk": "GBR",
    "united kingdom": "GBR",
    "russia": "RUS",
    "vietnam": "VNM",
    "turkey": "TUR",
    "czech republic": "CZE",
    "laos": "LAO",
    "iran": "IRN",
    "syria": "SYR",
    "bolivia": "BOL",
    "venezuela": "VEN",
    "tanzania": "TZA",
    "moldova": "MDA",
    "burma": "MMR",
    "brunei": "BRN",
    "european union": "EUU",
    "asean": "XAS",
    "latin america": "XLA",
    "africa": "XAF",
    "apec": "XAP",
    "regional comprehensive economic partnership": "XRC",
    "rcep": "XRC",
    "jointly build the countries along belt and road routes": "XBR",
    "belt and road countries": "XBR",
}


def normalize_name(name: str) -> str:
    """Fold a printed area name: width, case, brackets, punctuation and 'of which:' prefixes."""
    text = unicodedata.normalize("NFKC", name).strip().lower()
    text = re.sub(r"^of which\s*:\s*", "", text)
    text = re.sub(r"[^\w\s]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def from_name(source: str, name: str) -> str:
    """A printed country/area name (GACC, Census CTY_NAME) -> canonical area, or kept as unmapped."""
    key = normalize_name(name)
    if key in _NAME_ALIASES:
        return _NAME_ALIASES[key]
    for candidate in (name.strip(), key):
        try:
            return str(pycountry.countries.lookup(candidate).alpha_3)
        except LookupError:
            continue
    return unmapped(source, normalize_name(name).replace(" ", "_") or name)
