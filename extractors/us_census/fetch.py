"""US Census Bureau international trade API: exports/hs and imports/hs, the request and the fetch.

`GET /data/timeseries/intltrade/{exports,imports}/hs?get=...&time=YYYY-MM&CTY_CODE=...&E_COMMODITY=...`,
optional `key`. As of 2026-11, HTTP 204 with an empty body means "no data for this query" (a month not
yet out); errors are plain text bodies with HTTP 400 ("error: unknown variable ...").
"""

from __future__ import annotations

import datetime as dt

from extractors.base import Payload
from extractors.http import HttpSession
from extractors.redaction import redact_url
from extractors.us_census.areas import iso3_to_census
from extractors.us_census.scopes import SOURCE, CensusScope
from extractors.us_census.settings import UsCensusSettings

VALUE_FIELDS = {"exports": ("ALL_VAL_MO",), "imports": ("GEN_VAL_MO", "CON_VAL_MO")}
IMPORT_BASIS = {"general": "GEN_VAL_MO", "consumption": "CON_VAL_MO"}
COMMODITY_FIELD = {"exports": "E_COMMODITY", "imports": "I_COMMODITY"}


def request(
    settings: UsCensusSettings, period: dt.date, scope: CensusScope
) -> tuple[str, list[tuple[str, str]]]:
    """`get` the fields, `time` the month, one `CTY_CODE` per partner and one commodity code each
    (repeated predicates are OR-ed)."""
    commodity = COMMODITY_FIELD[scope.endpoint]
    value = (
        VALUE_FIELDS["exports"][0] if scope.endpoint == "exports" else IMPORT_BASIS[settings.imports_basis]
    )
    fields = ["CTY_NAME", f"{commodity}_SDESC", "COMM_LVL", value]
    params: list[tuple[str, str]] = [("get", ",".join(fields)), ("time", period.strftime("%Y-%m"))]
    params += [("CTY_CODE", iso3_to_census(p)) for p in settings.partners or ("WLD",)]
    params += [(commodity, c) for c in settings.commodities if c != "TOTAL"]
    if settings.key():
        params.append(("key", settings.key() or ""))
    return f"{settings.base_url}/{scope.endpoint}/hs", params


def fetch(
    http: HttpSession, settings: UsCensusSettings, period: dt.date, scope: CensusScope
) -> list[Payload]:
    """As of 2026-11 a month not out yet is HTTP 204 with no body: parsed as an empty answer."""
    url, params = request(settings, period, scope)
    response, body = http.get(url, source=SOURCE, period=period, params=params, ok_statuses=(200, 204))
    return [
        Payload(
            source=SOURCE,
            content=body,
            url=redact_url(response.url or url, http.secrets),
            ext="json",
            period=period,
            scope=str(scope),
            status=response.status_code,
        )
    ]
