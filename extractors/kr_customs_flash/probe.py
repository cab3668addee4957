"""Is a window out? One call to the first service watched: the answer lists each window of the month
published so far (`priodDt` 01~10, 01~20, 01~<last day>); the window due is out when it is listed."""

from __future__ import annotations

from extractors.base import ProbeResult, ReleaseMoment
from extractors.http import HttpSession
from extractors.kr_customs_flash.fetch import fetch_answer
from extractors.kr_customs_flash.parse import window_days
from extractors.kr_customs_flash.scopes import FlashScope
from extractors.kr_customs_flash.settings import KrCustomsFlashSettings


def probe(http: HttpSession, settings: KrCustomsFlashSettings, moment: ReleaseMoment) -> ProbeResult:
    scope = FlashScope.parse(settings.services[0]) if settings.services else FlashScope("partners", "import")
    payload, answer = fetch_answer(http, settings, moment.period, scope)
    listed = {
        window_days(payload, answer.columns["priodMon"][i], text)
        for i, text in enumerate(answer.columns["priodDt"])
    }
    what = moment.label()
    if (moment.period, moment.days) in listed:
        return ProbeResult(True, f"{what} listed by {scope.service}", payload.url)
    return ProbeResult(False, f"{what} not listed yet by {scope.service}", payload.url)
