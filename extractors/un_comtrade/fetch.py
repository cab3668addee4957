"""UN Comtrade API v1, monthly goods by HS: the scope (one reporter), the query and the fetch.

Keyless preview `/public/v1/preview/C/M/HS` by default; the keyed `/data/v1/get/C/M/HS` (header
`Ocp-Apim-Subscription-Key`) when a key is configured. One period per call.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from extractors.base import Payload
from extractors.errors import PermanentFetchError
from extractors.http import HttpSession
from extractors.redaction import redact_url
from extractors.un_comtrade.areas import code_of
from extractors.un_comtrade.parse import count_records
from extractors.un_comtrade.scopes import ReporterScope
from extractors.un_comtrade.settings import UnComtradeSettings

SOURCE = "un_comtrade"
PREVIEW_LIMIT = 500
KEYED_LIMIT = 250_000
FLOW_CODES = ("M", "X", "RM", "RX")


def query(
    reporter: str, period: dt.date, partners: list[str], commodities: list[str], flows: list[str], keyed: bool
) -> dict[str, str]:
    """The aggregate slice: all modes of transport, all customs procedures, no second partner."""
    params = {
        "reporterCode": reporter,
        "period": period.strftime("%Y%m"),
        "partnerCode": ",".join(partners),
        "partner2Code": "0",
        "cmdCode": ",".join(commodities),
        "flowCode": ",".join(flows),
        "customsCode": "C00",
        "motCode": "0",
        "includeDesc": "true",
    }
    if keyed:
        params["maxRecords"] = str(KEYED_LIMIT)
    return params


@dataclass(frozen=True)
class _Call:
    http: HttpSession
    url: str
    headers: dict[str, str]
    period: dt.date
    scope: str
    limit: int
    reporter: str
    keyed: bool


def fetch(
    http: HttpSession, settings: UnComtradeSettings, period: dt.date, scope: ReporterScope
) -> list[Payload]:
    key = settings.key()
    path = "/data/v1/get/C/M/HS" if key else "/public/v1/preview/C/M/HS"
    call = _Call(
        http,
        settings.base_url + path,
        {"Ocp-Apim-Subscription-Key": key} if key else {},
        period,
        str(scope),
        KEYED_LIMIT if key else PREVIEW_LIMIT,
        code_of(scope.reporter),
        bool(key),
    )
    payloads: list[Payload] = []
    partners = [code_of(p) for p in (settings.partners or ["WLD"])]
    _fetch_split(call, payloads, list(FLOW_CODES), list(settings.commodities or ["TOTAL"]), partners)
    return payloads


def _fetch_split(
    call: _Call, out: list[Payload], flows: list[str], commodities: list[str], partners: list[str]
) -> None:
    """As of 2026-11 an answer is silently cut at the endpoint's limit (500 records on the preview), so
    a full answer is split, by flow, then commodity, then partner, until no part is full."""
    params = query(call.reporter, call.period, partners, commodities, flows, call.keyed)
    response, body = call.http.get(
        call.url, source=SOURCE, period=call.period, params=params, headers=call.headers
    )
    payload = Payload(
        source=SOURCE,
        content=body,
        url=redact_url(response.url or call.url, call.http.secrets),
        ext="json",
        period=call.period,
        scope=call.scope,
    )
    count = count_records(payload)
    if count < call.limit:
        out.append(payload)
        return
    parts = {"flows": flows, "commodities": commodities, "partners": partners}
    for name, values in parts.items():
        if len(values) > 1:
            for value in values:
                split = {**parts, name: [value]}
                _fetch_split(call, out, split["flows"], split["commodities"], split["partners"])
            return
    raise PermanentFetchError(
        f"answer holds {count} records, the endpoint's limit, and cannot be split further: refusing a "
        "possibly truncated set",
        source=SOURCE,
        period=call.period,
        url=payload.url,
    )
