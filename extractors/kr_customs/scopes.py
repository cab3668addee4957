"""The units a kr_customs month is fetched in: typed values whose text is what the database stores."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, cast

if TYPE_CHECKING:
    from extractors.kr_customs.settings import KrCustomsSettings

SOURCE = "kr_customs"
Endpoint = Literal["nitemtrade", "itemtrade", "nationtrade"]


@dataclass(frozen=True)
class KcsScope:
    """One call: an endpoint with its commodity (`hs`) and KCS country code, as the endpoint takes them.

    Stored as `nitemtrade:<hs>:<country>`, `itemtrade:<hs>` (world) or `nationtrade:<country>`."""

    endpoint: Endpoint
    hs: str = ""
    country: str = ""

    def __str__(self) -> str:
        args = {"nitemtrade": [self.hs, self.country], "itemtrade": [self.hs], "nationtrade": [self.country]}
        return ":".join([self.endpoint, *args[self.endpoint]])

    @classmethod
    def parse(cls, text: str) -> KcsScope:
        kind, *args = text.split(":")
        shapes = {"nitemtrade": 2, "itemtrade": 1, "nationtrade": 1}
        if kind not in shapes or len(args) != shapes[kind] or not all(args):
            raise ValueError(f"not a {SOURCE} scope: {text!r}")
        endpoint = cast(Endpoint, kind)
        if endpoint == "nitemtrade":
            return cls(endpoint, args[0], args[1])
        return cls(endpoint, hs=args[0]) if endpoint == "itemtrade" else cls(endpoint, country=args[0])


def scopes_of(settings: KrCustomsSettings) -> list[KcsScope]:
    """nitemtrade for a commodity and a country; itemtrade for a commodity and the world; nationtrade
    for all goods and a country (all goods with the world is not a call any endpoint takes)."""
    from extractors.kr_customs.areas import code_of  # pycountry, only when scopes are asked for

    out: list[KcsScope] = []
    for commodity in settings.commodities or ["TOTAL"]:
        for partner in settings.partners or ["WLD"]:
            if commodity == "TOTAL":
                if partner != "WLD":
                    out.append(KcsScope("nationtrade", country=code_of(partner)))
            elif partner == "WLD":
                out.append(KcsScope("itemtrade", hs=commodity))
            else:
                out.append(KcsScope("nitemtrade", commodity, code_of(partner)))
    return out
