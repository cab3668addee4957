"""Korea Customs Service trade statistics on data.go.kr: scopes, requests and the fetch.

Endpoints (under `https://apis.data.go.kr/1220000`), all with `serviceKey`, `strtYymm`, `endYymm`:
- `nitemtrade/getNitemtradeList`: commodity by country (`hsSgn`, `cntyCd`);
- `Itemtrade/getItemtradeList`: commodity, all countries (`hsSgn`);
- `nationtrade/getNationtradeList`: all goods by country (`cntyCd`).
"""

from __future__ import annotations

import datetime as dt

from extractors.base import Payload
from extractors.errors import ParseError, PermanentFetchError
from extractors.http import HttpSession
from extractors.kr_customs.parse import ITEM_FIELDS, Answer, read_answer
from extractors.kr_customs.scopes import Endpoint, KcsScope
from extractors.kr_customs.settings import KrCustomsSettings
from extractors.redaction import redact_text, redact_url

SOURCE = "kr_customs"
PATHS: dict[Endpoint, str] = {
    "nitemtrade": "nitemtrade/getNitemtradeList",
    "itemtrade": "Itemtrade/getItemtradeList",
    "nationtrade": "nationtrade/getNationtradeList",
}


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
    payload, _ = call_service(
        http, SOURCE, url, params, period, str(scope), "TRADEFLOW_KR_CUSTOMS_SERVICE_KEY", ITEM_FIELDS
    )
    return [payload]


def call_service(
    http: HttpSession,
    source: str,
    url: str,
    params: dict[str, str],
    period: dt.date,
    scope: str,
    key_setting: str,
    fields: tuple[str, ...],
) -> tuple[Payload, Answer]:
    """One call to a Korea Customs service on data.go.kr, and its answer read (`fields` of each item).

    As of 2026-06 the data.go.kr gateway refuses a call with its XML envelope and a 4xx status: its code
    and message say why (read_answer raises them, in words). Any other 4xx body is an HTTP error."""
    if not params.get("serviceKey"):
        raise PermanentFetchError(
            f"no service key: set {key_setting} (data.go.kr)",
            source=source,
            period=period,
            url=redact_url(url, http.secrets),
        )
    response, body = http.get(
        url, source=source, period=period, params=params, ok_statuses=(200, 400, 401, 403)
    )
    payload = Payload(
        source=source,
        content=body,
        url=redact_url(response.url or url, http.secrets),
        ext="xml",
        period=period,
        scope=scope,
        status=response.status_code,
    )
    try:
        answer = read_answer(payload, fields)
    except ParseError:
        if response.status_code == 200:
            raise
        snippet = redact_text(" ".join(body[:200].decode("utf-8", "replace").split()), http.secrets)
        raise payload.error(
            PermanentFetchError, f"HTTP {response.status_code} {snippet}", status=response.status_code
        ) from None
    if response.status_code != 200:
        raise payload.error(
            PermanentFetchError,
            f"HTTP {response.status_code} with a success envelope",
            status=response.status_code,
        )
    return payload, answer
