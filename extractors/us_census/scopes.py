"""The units a us_census month is fetched in: typed values whose text is what the database stores."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast

SOURCE = "us_census"
Endpoint = Literal["exports", "imports"]


@dataclass(frozen=True)
class CensusScope:
    """One endpoint's month, stored as `exports` or `imports`."""

    endpoint: Endpoint

    def __str__(self) -> str:
        return self.endpoint

    @classmethod
    def parse(cls, text: str) -> CensusScope:
        if text not in ("exports", "imports"):
            raise ValueError(f"not a {SOURCE} scope: {text!r}")
        return cls(cast(Endpoint, text))
