"""Korea Customs Service trade statistics on data.go.kr: scopes, requests and the fetch.

Endpoints (under `https://apis.data.go.kr/1220000`), all with `serviceKey`, `strtYymm`, `endYymm`:
- `nitemtrade/getNitemtradeList`: commodity by country (`hsSgn`, `cntyCd`);
- `Itemtrade/getItemtradeList`: commodity, all countries (`hsSgn`);
- `nationtrade/getNationtradeList`: all goods by country (`cntyCd`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal, cast

from extractors.base import Payload
from extractors.errors import ParseError, PermanentFetchError
from extractors.http import HttpSession
from extractors.kr_customs.areas import code_of
from extractors.kr_customs.parse import read_answer
from extractors.kr_customs.settings import KrCustomsSettings
from extractors.redaction import redact_text, redact_url

SOURCE = "kr_customs"
Endpoint = Literal["nitemtrade", "itemtrade", "nationtrade"]
PATHS: dict[Endpoint, str] = {
    "nitemtrade": "nitemtrade/getNitemtradeList",
    "itemtrade": "Itemtrade/getItemtradeList",
    "nationtrade": "nationtrade/getNationtradeList",
}


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


def request(settings: KrCustomsSettings, period: dt.date, scope: KcsScope) -> tuple[str, dict[str, str]]:
    """One month per call (as of 2026-06 up to 12 may be asked at once, with no paging)."""
    month = period.strftime("%Y%m")
    params = {"strtYymm": month, "endYymm": month}
    if scope.hs:
        params["hsSgn"] = scope.hs
    if scope.country:
        params["cntyCd"] = scope.country
    # The key goes first: data.go.kr takes it as issued (already URL-encoded "Encoding" keys work too).
    return f"{settings.base_url}/{PATHS[scope.endpoint]}", {"serviceKey": settings.key() or "", **params}


def fetch(http: HttpSession, settings: KrCustomsSettings, period: dt.date, scope: KcsScope) -> list[Payload]:
    url, params = request(settings, period, scope)
    if not settings.key():
        raise PermanentFetchError(
            "no service key: set TRADEFLOW_KR_CUSTOMS_SERVICE_KEY (data.go.kr)",
            source=SOURCE,
            period=period,
            url=redact_url(url, http.secrets),
        )
    response, body = http.get(
        url, source=SOURCE, period=period, params=params, ok_statuses=(200, 400, 401, 403)
    )
    payload = Payload(
        source=SOURCE,
        content=body,
        url=redact_url(response.url or url, http.secrets),
        ext="xml",
        period=period,
        scope=str(scope),
        status=response.status_code,
    )
    if response.status_code != 200:
        # As of 2026-06 the data.go.kr gateway refuses a call with its XML envelope and a 4xx status:
        # its code and message say why (read_answer raises them). Any other 4xx body is an HTTP error.
        try:
            read_answer(payload)
        except ParseError:
            snippet = redact_text(" ".join(body[:200].decode("utf-8", "replace").split()), http.secrets)
            raise payload.error(
                PermanentFetchError, f"HTTP {response.status_code} {snippet}", status=response.status_code
            ) from None
        raise payload.error(
            PermanentFetchError,
            f"HTTP {response.status_code} with a success envelope",
            status=response.status_code,
        )
    return [payload]
