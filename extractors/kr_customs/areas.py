"""Korea Customs country codes: ISO 3166-1 alpha-2, plus a few codes of KCS's own (as of 2026-06,
from its country code table: `EU`, `ZZ` others, `XK` Kosovo; `-` on world totals)."""

from __future__ import annotations

from typing import Final

from transforms import areas

KCS_CODES: Final[dict[str, str]] = {"EU": "EUU", "ZZ": "XZZ", "XK": "XKX", "-": "WLD"}


def area_of(code: str) -> str:
    return areas.from_alpha2("kr_customs", code, KCS_CODES)


def code_of(area: str) -> str:
    return areas.to_alpha2(area, KCS_CODES)
