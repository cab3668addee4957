"""Is a window out? One call to the first service watched: the answer lists each window of the month
published so far (`priodDt` 01~10, 01~20, 01~<last day>); the window due is out when it is listed."""

from __future__ import annotations

from extractors.base import ProbeResult, ReleaseMoment
from extractors.errors import NotPublished
from extractors.http import HttpSession
from extractors.kr_customs.parse import read_answer
from extractors.kr_customs_flash.fetch import fetch
from extractors.kr_customs_flash.parse import FIELDS, window_days
from extractors.kr_customs_flash.scopes import FlashScope
from extractors.kr_customs_flash.settings import KrCustomsFlashSettings


def probe(http: HttpSession, settings: KrCustomsFlashSettings, moment: ReleaseMoment) -> ProbeResult:
    scope = FlashScope.parse(settings.services[0]) if settings.services else FlashScope("partners", "import")
    what = moment.label()
    try:
        (payload,) = fetch(http, settings, moment.period, scope)
    except NotPublished as exc:
        return ProbeResult(False, f"{what}: no window of the month out yet", exc.url or "")
    answer = read_answer(payload, FIELDS)
    listed = {
        window_days(payload, answer.columns["priodMon"][i], t)
        for i, t in enumerate(answer.columns["priodDt"])
    }
    if (moment.period, moment.days) in listed:
        return ProbeResult(True, f"{what} listed by {scope.service}", payload.url)
    return ProbeResult(False, f"{what} not listed yet by {scope.service}", payload.url)
