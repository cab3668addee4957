"""GACC's country and area names (table 4) -> canonical areas: the common names, plus GACC's group rows
(as of 2026-03: ASEAN, Latin America, Africa, RCEP, Belt and Road countries, APEC), which get our codes."""

from __future__ import annotations

from typing import Final

from transforms import areas

GROUP_ROWS: Final[dict[str, str]] = {
    "asean": "XAS",
    "latin america": "XLA",
    "africa": "XAF",
    "apec": "XAP",
    "regional comprehensive economic partnership": "XRC",
    "rcep": "XRC",
    "jointly build the countries along belt and road routes": "XBR",
    "belt and road countries": "XBR",
}


def area_of(name: str) -> str:
    return areas.from_name("cn_customs", name, GROUP_ROWS)
