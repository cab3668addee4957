"""Eurostat Comext settings: `[watchlist.eurostat_comext]`, TRADEFLOW_EUROSTAT_COMEXT_*."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import field_validator

from extractors.base import PublisherSettings

Flow = Literal["import", "export"]
EU_AGGREGATE = "EUU"
# The member states, as reporters (as of 2026-12: the 27 since February 2020, Comext's EU27_2020).
MEMBER_STATES = frozenset(
    [
        "AUT",
        "BEL",
        "BGR",
        "HRV",
        "CYP",
        "CZE",
        "DNK",
        "EST",
        "FIN",
        "FRA",
        "DEU",
        "GRC",
        "HUN",
        "IRL",
        "ITA",
        "LVA",
        "LTU",
        "LUX",
        "MLT",
        "NLD",
        "POL",
        "PRT",
        "ROU",
        "SVK",
        "SVN",
        "ESP",
        "SWE",
    ]
)


class EurostatComextSettings(PublisherSettings):
    """Reporters are EU member states (ISO alpha-3) or `EUU`, the EU aggregate (Comext's `EU27_2020`);
    partners ISO alpha-3; commodities HS2, HS4, HS6, CN8 or TOTAL."""

    base_url: str = "https://ec.europa.eu/eurostat/api/comext/dissemination/sdmx/2.1"
    reporters: list[str] = ["EUU"]
    partners: list[str] = ["KOR", "CHN"]
    commodities: list[str] = ["TOTAL", "8541", "8542"]
    flows: list[Flow] = ["import", "export"]

    min_interval_s: ClassVar[float] = 1.0  # a public service without a published rate limit: be gentle
    concurrency: ClassVar[int] = 1

    @field_validator("reporters")
    @classmethod
    def _eu_reporters(cls, value: list[str]) -> list[str]:
        out = [EU_AGGREGATE if r in ("EU27_2020", "EU") else r for r in value]  # Comext's name for the EU
        unknown = [r for r in out if r != EU_AGGREGATE and r not in MEMBER_STATES]
        if unknown:
            raise ValueError(f"{unknown} not EU member states (ISO alpha-3) or EUU, the EU as a whole")
        return out

    @field_validator("partners")
    @classmethod
    def _known_partners(cls, value: list[str]) -> list[str]:
        from extractors.eurostat_comext.areas import to_comext

        for partner in value:
            try:
                to_comext(partner)
            except ValueError:
                raise ValueError(f"{partner!r} is not an ISO alpha-3 country, WLD or EUU") from None
        return value

    @field_validator("commodities")
    @classmethod
    def _codes(cls, value: list[str]) -> list[str]:
        for code in value:
            if code != "TOTAL" and not (code.isdigit() and len(code) in (2, 4, 6, 8)):
                raise ValueError(f"{code!r} is not TOTAL or an HS2/HS4/HS6/CN8 code")
        return value

    @field_validator("flows")
    @classmethod
    def _some_flow(cls, value: list[Flow]) -> list[Flow]:
        if not value:
            raise ValueError("choose import, export or both")
        return value
