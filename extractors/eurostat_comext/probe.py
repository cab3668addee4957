"""Is month M out? A one-cell query: the first reporter watched, imports from the world, all products,
value in euros. As of 2026-12 Comext answers HTTP 404 ("No Results Found") for a month not out yet."""

from __future__ import annotations

from extractors.base import ProbeResult, ReleaseMoment
from extractors.eurostat_comext.areas import to_comext
from extractors.eurostat_comext.fetch import DATASET, SOURCE
from extractors.eurostat_comext.settings import EurostatComextSettings
from extractors.http import HttpSession
from extractors.redaction import redact_url


def probe(http: HttpSession, settings: EurostatComextSettings, moment: ReleaseMoment) -> ProbeResult:
    reporter = to_comext(settings.reporters[0] if settings.reporters else "EUU")
    month = moment.period.strftime("%Y-%m")
    url = f"{settings.base_url}/data/{DATASET}/M.{reporter}.WORLD.TOTAL.1.VALUE_IN_EUROS"
    params = {"startPeriod": month, "endPeriod": month, "format": "SDMX-CSV", "compressed": "false"}
    response, _body = http.get(
        url, source=SOURCE, period=moment.period, params=params, ok_statuses=(200, 404)
    )
    safe = redact_url(response.url or url, http.secrets)
    if response.status_code == 404:
        return ProbeResult(False, f"no figures for {month} yet (HTTP 404)", safe)
    return ProbeResult(True, f"{reporter}'s imports from the world answered for {month}", safe)
