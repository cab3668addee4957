"""One month of one preliminary service: a call, and the answer as a payload.

`GET <base>/<service>/get<Service>?serviceKey&strtYymm&endYymm&numOfRows&pageNo` (as of 2026-12): one
item per window of each month asked for (`priodDt` 01~10, 01~20, 01~<last day>), so a month is at most
three items and one page.
"""

from __future__ import annotations

import datetime as dt

from extractors.base import Payload
from extractors.errors import NotPublished
from extractors.http import HttpSession
from extractors.kr_customs.fetch import call_service
from extractors.kr_customs.parse import Answer
from extractors.kr_customs_flash.calendar import TIMEZONE, release_day
from extractors.kr_customs_flash.parse import FIELDS
from extractors.kr_customs_flash.scopes import SOURCE, FlashScope
from extractors.kr_customs_flash.settings import KrCustomsFlashSettings

ROWS_PER_PAGE = "100"  # a month is three items: one page always holds it


def request(
    settings: KrCustomsFlashSettings, period: dt.date, scope: FlashScope
) -> tuple[str, dict[str, str]]:
    month = period.strftime("%Y%m")
    params = {"strtYymm": month, "endYymm": month, "numOfRows": ROWS_PER_PAGE, "pageNo": "1"}
    return f"{settings.base_url}/{scope.path}", {"serviceKey": settings.key() or "", **params}


def fetch_answer(
    http: HttpSession, settings: KrCustomsFlashSettings, period: dt.date, scope: FlashScope
) -> tuple[Payload, Answer]:
    """The call, and its answer read once (the fetch and the probe both need it)."""
    url, params = request(settings, period, scope)
    key_setting = "TRADEFLOW_KR_CUSTOMS_FLASH_SERVICE_KEY or TRADEFLOW_KR_CUSTOMS_SERVICE_KEY"
    return call_service(http, SOURCE, url, params, period, str(scope), key_setting, FIELDS)


def fetch(
    http: HttpSession, settings: KrCustomsFlashSettings, period: dt.date, scope: FlashScope
) -> list[Payload]:
    payload, answer = fetch_answer(http, settings, period, scope)
    if not answer.columns["priodDt"]:
        due = release_day(period, 10)
        raise NotPublished(
            f"{scope.service}: no figures for {period:%Y-%m} yet (days 1-10 due {due.isoformat()}, 09:00 "
            f"{TIMEZONE})",
            source=SOURCE,
            period=period,
            url=payload.url,
        )
    return [payload]
