"""Country and area codes: every publisher's codes -> ISO 3166-1 alpha-3, or a documented code of our own.

Rules (also in README, "Data contract"):
- `WLD` is the world total.
- Areas without an ISO code get a code from ISO's user-assigned range (X.., plus EUU as the World Bank
  does), listed in SPECIAL_AREAS with what each means. They are never merged into a country.
- Former states keep their ISO 3166-3 alpha-3 (SUN, YUG, CSK, DDR, SCG, ANT, ...).
- A code we cannot map is kept as "<source>:<code>" and reported; it is never dropped and never guessed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Final

import pycountry

SPECIAL_AREAS: Final[dict[str, str]] = {
    "WLD": "World (all partners)",
    "EUU": "European Union (as each publisher defines it at the time)",
    "XOA": "Other Asia, not elsewhere specified (UN Comtrade 490: in practice Taiwan's trade)",
    "XNS": "Areas not elsewhere specified (UN Comtrade 899)",
    "XBK": "Bunkers (UN Comtrade 837)",
    "XFZ": "Free zones (UN Comtrade 838)",
    "XSC": "Special categories (UN Comtrade 839)",
    "XKX": "Kosovo (no ISO 3166-1 code; the code in common use)",
    "XGZ": "Gaza Strip, where a publisher counts it apart from the West Bank (Census Schedule C 5082)",
    "XWB": "West Bank, where a publisher counts it apart from the Gaza Strip (Census Schedule C 5083)",
    "XZZ": "Other / unspecified countries (Korea Customs ZZ)",
    "XAS": "ASEAN (GACC group row)",
    "XLA": "Latin America (GACC group row)",
    "XAF": "Africa (GACC group row)",
    "XRC": "Regional Comprehensive Economic Partnership, RCEP (GACC group row)",
    "XBR": "Belt and Road countries (GACC group row)",
    "XAP": "APEC (GACC group row)",
}

FORMER_STATES: Final[frozenset[str]] = frozenset({"SUN", "YUG", "CSK", "DDR", "SCG", "ANT", "VDR", "YMD"})


def unmapped(source: str, code: str) -> str:
    return f"{source}:{code.strip()}"


def is_unmapped(area: str) -> bool:
    return ":" in area


def from_alpha2(source: str, code: str, special: Mapping[str, str] | None = None) -> str:
    """An ISO alpha-2 based code -> canonical area; `special` holds the publisher's own codes."""
    key = code.strip().upper()
    if special and key in special:
        return special[key]
    country = pycountry.countries.get(alpha_2=key)
    if country is not None:
        return str(country.alpha_3)
    former = pycountry.historic_countries.get(alpha_2=key)
    if former is not None:  # ISO 3166-3: e.g. YU -> YUG, AN -> ANT
        return str(former.alpha_3)
    return unmapped(source, code)


def to_alpha2(area: str, special: Mapping[str, str] | None = None) -> str:
    """A canonical area -> its ISO alpha-2 code (or the publisher's own code for it in `special`)."""
    reverse = {v: k for k, v in (special or {}).items()}
    if area in reverse:
        return reverse[area]
    country = pycountry.countries.get(alpha_3=area)
    if country is None:
        raise ValueError(f"no alpha-2 code for area {area!r}")
    return str(country.alpha_2)


def is_country(code: str) -> bool:
    """An ISO 3166-1 alpha-3 code, of a country today or of a former one (ISO 3166-3)."""
    return (
        code in FORMER_STATES
        or pycountry.countries.get(alpha_3=code) is not None
        or pycountry.historic_countries.get(alpha_3=code) is not None
    )


def is_area(code: str) -> bool:
    """A canonical area: a country (`is_country`) or one of the documented codes of our own."""
    return code in SPECIAL_AREAS or is_country(code)


# Names as publishers print them that pycountry does not know (as of 2026-03, GACC's and Census's
# spellings; each publisher adds its own group names).
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
}


def normalize_name(name: str) -> str:
    """Fold a printed area name: width, case, brackets, punctuation and 'of which:' prefixes."""
    text = unicodedata.normalize("NFKC", name).strip().lower()
    text = re.sub(r"^of which\s*:\s*", "", text)
    text = re.sub(r"[^\w\s]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def from_name(source: str, name: str, aliases: Mapping[str, str] | None = None) -> str:
    """A printed country/area name -> canonical area, or kept as unmapped. `aliases` holds the
    publisher's own names (folded by `normalize_name`) beside the common ones below."""
    key = normalize_name(name)
    if aliases and key in aliases:
        return aliases[key]
    if key in _NAME_ALIASES:
        return _NAME_ALIASES[key]
    for candidate in (name.strip(), key):
        try:
            return str(pycountry.countries.lookup(candidate).alpha_3)
        except LookupError:
            continue
    return unmapped(source, normalize_name(name).replace(" ", "_") or name)


# Names in the words an analyst writes them (for chart titles): ISO's short names where they read well,
# these where they do not ("Korea, Republic of" is South Korea).
_PLAIN_NAMES: Final[dict[str, str]] = {
    "WLD": "the world",
    "EUU": "the European Union",
    "KOR": "South Korea",
    "PRK": "North Korea",
    "CHN": "China",
    "TWN": "Taiwan",
    "HKG": "Hong Kong",
    "MAC": "Macao",
    "USA": "the United States",
    "GBR": "the United Kingdom",
    "NLD": "the Netherlands",
    "PHL": "the Philippines",
    "ARE": "the United Arab Emirates",
    "RUS": "Russia",
    "VNM": "Vietnam",
    "IRN": "Iran",
    "SYR": "Syria",
    "LAO": "Laos",
    "BOL": "Bolivia",
    "VEN": "Venezuela",
    "TZA": "Tanzania",
    "MDA": "Moldova",
    "CZE": "Czechia",
    "TUR": "Türkiye",
    "XOA": "Other Asia (in practice Taiwan)",
}


def plain_name(area: str) -> str:
    """An area as people write it in a sentence: 'South Korea', 'the United States', 'Germany'; a code
    with no name (an unmapped one) stays the code."""
    if area in _PLAIN_NAMES:
        return _PLAIN_NAMES[area]
    if area in SPECIAL_AREAS:
        return SPECIAL_AREAS[area].split(" (")[0]
    country = pycountry.countries.get(alpha_3=area) if len(area) == 3 else None
    if country is None:
        return area
    return str(getattr(country, "common_name", None) or country.name)


def possessive(name: str) -> str:
    """China -> China's; the United States -> the United States' (a name ending in s takes the apostrophe alone)."""
    return f"{name}'" if name.endswith("s") else f"{name}'s"
