"""Comext's geonomenclature codes <-> canonical areas.

Comext writes countries as ISO alpha-2, with its own codes for aggregates. As of 2026-12, `EU27_2020` is the
EU of 27 (since February 2020) and `WORLD` all partners; Greece is `GR` as ISO writes it (Eurostat's other
databases write `EL`, also read here).
"""

from __future__ import annotations

from typing import Final

from transforms import areas

SOURCE = "eurostat_comext"
AGGREGATES: Final[dict[str, str]] = {"EU27_2020": "EUU", "WORLD": "WLD"}


def to_comext(area: str) -> str:
    """A canonical area (ISO alpha-3, EUU, WLD) as Comext writes it."""
    return areas.to_alpha2(area, AGGREGATES)


def from_comext(code: str) -> str:
    return areas.from_alpha2(SOURCE, code, {**AGGREGATES, "EL": "GRC"})
