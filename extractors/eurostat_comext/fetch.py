"""Comext's SDMX 2.1 REST service: dataset DS-045409 (EU trade since 1988 by HS2-4-6 and CN8), one call per
reporter and month, answered as SDMX-CSV.

`GET {base}/data/DS-045409/M.{reporters}.{partners}.{products}.{flows}.{indicators}
?startPeriod=YYYY-MM&endPeriod=YYYY-MM&format=SDMX-CSV&compressed=false`, several codes of a dimension
joined by `+`. Keyless. As of 2026-12 the key order is freq, reporter, partner, product, flow (1 import,
2 export), indicators; a selection too large for one answer is HTTP 413 EXTRACTION_TOO_BIG, and a
selection with no data is HTTP 404 (read here as "not published yet").
"""

from __future__ import annotations

import datetime as dt

from extractors.base import Payload
from extractors.errors import NotPublished
from extractors.eurostat_comext.areas import to_comext
from extractors.eurostat_comext.scopes import ComextScope
from extractors.eurostat_comext.settings import EurostatComextSettings
from extractors.http import HttpSession
from extractors.redaction import redact_url

SOURCE = "eurostat_comext"
DATASET = "DS-045409"
FLOW_CODES = {"import": "1", "export": "2"}
INDICATORS = ("VALUE_IN_EUROS", "QUANTITY_IN_100KG")


def request(
    settings: EurostatComextSettings, period: dt.date, scope: ComextScope
) -> tuple[str, dict[str, str]]:
    key = ".".join(
        [
            "M",
            to_comext(scope.reporter),
            "+".join(to_comext(p) for p in settings.partners),
            "+".join(settings.commodities),
            "+".join(FLOW_CODES[f] for f in settings.flows),
            "+".join(INDICATORS),
        ]
    )
    month = period.strftime("%Y-%m")
    params = {"startPeriod": month, "endPeriod": month, "format": "SDMX-CSV", "compressed": "false"}
    return f"{settings.base_url}/data/{DATASET}/{key}", params


def fetch(
    http: HttpSession, settings: EurostatComextSettings, period: dt.date, scope: ComextScope
) -> list[Payload]:
    url, params = request(settings, period, scope)
    response, body = http.get(url, source=SOURCE, period=period, params=params, ok_statuses=(200, 404))
    safe_url = redact_url(response.url or url, http.secrets)
    if response.status_code == 404:
        snippet = " ".join(body[:200].decode("utf-8", "replace").split())
        raise NotPublished(
            f"no data for this selection yet (HTTP 404: {snippet or 'no body'})",
            source=SOURCE,
            period=period,
            url=safe_url,
        )
    return [
        Payload(
            source=SOURCE,
            content=body,
            url=safe_url,
            ext="csv",
            period=period,
            scope=str(scope),
            status=response.status_code,
        )
    ]
