"""The unit a eurostat_comext month is fetched in: one reporter (a member state or the EU), every
watched partner, product, flow and both indicators in one call."""

from __future__ import annotations

import re
from dataclasses import dataclass

SOURCE = "eurostat_comext"


@dataclass(frozen=True)
class ComextScope:
    """One reporter's month, stored as `reporter=DEU` (`reporter=EUU` for the EU)."""

    reporter: str

    def __str__(self) -> str:
        return f"reporter={self.reporter}"

    @classmethod
    def parse(cls, text: str) -> ComextScope:
        match = re.fullmatch(r"reporter=([A-Z]{3})", text)
        if not match:
            raise ValueError(f"not a {SOURCE} scope: {text!r} (expected reporter=<ISO3>)")
        return cls(match[1])
