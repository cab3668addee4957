"""The ECB Data Portal's SDMX REST data query for monthly average euro reference rates.

`GET {base}/service/data/EXR/M.{currencies}.EUR.SP00.A?startPeriod=YYYY-MM&endPeriod=YYYY-MM&format=csvdata`,
several currencies joined by `+`. Keyless. As of 2026-12 the key is freq (`M`: the month's average of the
daily reference rates), currency, currency_denom (`EUR`: every rate is units of the currency per euro),
exr_type (`SP00`: spot) and exr_suffix (`A`: average); a query with no observation is HTTP 404.
"""

from __future__ import annotations

from collections.abc import Sequence

from extractors.base import Payload
from extractors.errors import NotPublished
from extractors.http import HttpSession
from extractors.redaction import redact_url
from transforms.months import Month

SOURCE = "ecb_exr"
# Every rate is per euro: the US dollar's is needed to turn any of them into dollars.
PIVOT = "USD"


def request(
    base_url: str, currencies: Sequence[str], first: Month, last: Month
) -> tuple[str, dict[str, str]]:
    asked = sorted({PIVOT, *(c for c in currencies if c != "EUR")})
    key = f"M.{'+'.join(asked)}.EUR.SP00.A"
    params = {"startPeriod": f"{first:%Y-%m}", "endPeriod": f"{last:%Y-%m}", "format": "csvdata"}
    return f"{base_url.rstrip('/')}/service/data/EXR/{key}", params


def fetch_rates(
    http: HttpSession, base_url: str, currencies: Sequence[str], first: Month, last: Month
) -> Payload:
    url, params = request(base_url, currencies, first, last)
    response, body = http.get(url, source=SOURCE, period=last, params=params, ok_statuses=(200, 404))
    safe_url = redact_url(response.url or url, http.secrets)
    if response.status_code == 404 or not body.strip():
        raise NotPublished(
            f"no monthly rates for {first:%Y-%m}..{last:%Y-%m} yet (HTTP {response.status_code})",
            source=SOURCE,
            period=last,
            url=safe_url,
        )
    return Payload(source=SOURCE, content=body, url=safe_url, ext="csv", period=last, status=200)
