"""Is month M out? A one-cell query: exports of HS chapter 01 to all countries for the month. As of
2026-11 a month not out yet answers HTTP 204 with no body, a published one a header row and the cell
(the query's shape not yet tried against the live API: as of 2026-12, from the endpoint's variables)."""

from __future__ import annotations

from extractors.base import ProbeResult, ReleaseMoment
from extractors.http import HttpSession
from extractors.redaction import redact_url
from extractors.us_census.settings import UsCensusSettings

SOURCE = "us_census"


def probe(http: HttpSession, settings: UsCensusSettings, moment: ReleaseMoment) -> ProbeResult:
    params = [
        ("get", "ALL_VAL_MO"),
        ("time", moment.period.strftime("%Y-%m")),
        ("CTY_CODE", "-"),
        ("E_COMMODITY", "01"),
    ]
    if settings.key():
        params.append(("key", settings.key() or ""))
    url = f"{settings.base_url}/exports/hs"
    response, body = http.get(url, source=SOURCE, period=moment.period, params=params, ok_statuses=(200, 204))
    safe = redact_url(response.url or url, http.secrets)
    if response.status_code == 204 or not body.strip():
        return ProbeResult(False, f"no figures for {moment.period:%Y-%m} yet (HTTP 204)", safe)
    return ProbeResult(True, f"exports answered for {moment.period:%Y-%m}", safe)
