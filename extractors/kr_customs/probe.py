"""Is month M out? One `nationtrade` call: all goods with China (Korea's largest partner, in every
month's statistics), a single item once the month is published and none before (as of 2026-12)."""

from __future__ import annotations

from extractors.base import ProbeResult, ReleaseMoment
from extractors.http import HttpSession
from extractors.kr_customs.fetch import SOURCE, call_service, request
from extractors.kr_customs.parse import GRAND_TOTAL_YEAR, ITEM_FIELDS
from extractors.kr_customs.scopes import KcsScope
from extractors.kr_customs.settings import KrCustomsSettings

PROBE_SCOPE = KcsScope("nationtrade", country="CN")


def probe(http: HttpSession, settings: KrCustomsSettings, moment: ReleaseMoment) -> ProbeResult:
    url, params = request(settings, moment.period, PROBE_SCOPE)
    payload, answer = call_service(
        http, SOURCE, url, params, moment.period, "probe", "TRADEFLOW_KR_CUSTOMS_SERVICE_KEY", ITEM_FIELDS
    )
    months = [y for y in answer.columns["year"] if y and y != GRAND_TOTAL_YEAR]
    if months:
        return ProbeResult(True, f"all goods with China answered for {moment.period:%Y-%m}", payload.url)
    return ProbeResult(False, f"no figures for {moment.period:%Y-%m} yet", payload.url)
