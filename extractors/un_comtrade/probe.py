"""Is a reporter's month out? Comtrade's data-availability endpoint (`getDA`) lists the datasets
published for a reporter and period, with when each was first and last released (as of 2026-12, from
the API's public clients; not yet tried against the live API). One call per reporter; the first
reporter watched is asked. Comtrade has no release calendar, so `watch` never probes it by itself:
`tradeflow probe` does."""

from __future__ import annotations

import datetime as dt
import json

from extractors.base import ProbeResult, ReleaseMoment
from extractors.errors import ParseError
from extractors.http import HttpSession
from extractors.redaction import redact_url
from extractors.un_comtrade.areas import code_of
from extractors.un_comtrade.settings import UnComtradeSettings

SOURCE = "un_comtrade"


def probe(http: HttpSession, settings: UnComtradeSettings, moment: ReleaseMoment) -> ProbeResult:
    key = settings.key()
    path = "/data/v1/getDA/C/M/HS" if key else "/public/v1/getDA/C/M/HS"
    reporter = settings.reporters[0] if settings.reporters else "KOR"
    params = {"reporterCode": code_of(reporter), "period": moment.period.strftime("%Y%m")}
    headers = {"Ocp-Apim-Subscription-Key": key} if key else {}
    url = settings.base_url + path
    response, body = http.get(url, source=SOURCE, period=moment.period, params=params, headers=headers)
    safe = redact_url(response.url or url, http.secrets)
    try:
        answer = json.loads(body)
        data = answer["data"] if isinstance(answer, dict) else None
    except (ValueError, KeyError):
        data = None
    if not isinstance(data, list):
        raise ParseError("not a data-availability answer", source=SOURCE, period=moment.period, url=safe)
    if not data:
        return ProbeResult(False, f"{reporter} {moment.period:%Y-%m} not available yet", safe)
    released = [_instant(d.get("firstReleased")) for d in data if isinstance(d, dict)]
    first = min((r for r in released if r is not None), default=None)
    return ProbeResult(True, f"{reporter} {moment.period:%Y-%m} available", safe, published_at=first)


def _instant(text: object) -> dt.datetime | None:
    if not isinstance(text, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
