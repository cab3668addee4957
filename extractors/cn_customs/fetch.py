"""China GACC English site: the preliminary release's index pages and release pages.

Index pages `/statics/report/preliminary.html` (current year) and `/statics/report/preliminary{YYYY}.html`
list one row per table and edition, with a link per published month. As of 2026-04, links are absolute
`http://english.customs.gov.cn/Statics/<uuid>.html` with unquoted href attributes: tradeflow keeps the
path and resolves it against the configured base URL.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

from bs4 import BeautifulSoup

from extractors.base import Payload
from extractors.cn_customs.scopes import GaccScope
from extractors.cn_customs.settings import CnCustomsSettings
from extractors.cn_customs.text import MAX_PAGE_BYTES, currency_of, month_number
from extractors.errors import NotPublished, ParseError, PermanentFetchError
from extractors.http import HttpSession

SOURCE = "cn_customs"


_INDEX_ROW_RE = re.compile(r"^\s*\((\d+)\).*[（(]\s*in\s+(CNY|USD|RMB)\s*[)）]", re.IGNORECASE)


def parse_index(html: bytes, base_url: str) -> dict[tuple[str, str, int], str]:
    """(table number, edition, month) -> release page URL, resolved against the configured base URL."""
    soup = BeautifulSoup(html, "lxml")
    links: dict[tuple[str, str, int], str] = {}
    for row in soup.find_all("tr"):
        cells = row.find_all("td")
        if len(cells) < 2:
            continue
        match = _INDEX_ROW_RE.match(cells[0].get_text(" ", strip=True))
        if not match:
            continue
        table, edition = match.group(1), currency_of(match.group(2))
        for anchor in cells[1].find_all("a"):
            href = anchor.get("href")
            if not isinstance(href, str) or not href.strip():
                continue
            try:
                month = month_number(anchor.get_text(strip=True))
            except ValueError:
                continue
            path = urlsplit(href.strip()).path
            links[(table, edition, month)] = base_url.rstrip("/") + "/" + path.lstrip("/")
    return links


def index_urls(settings: CnCustomsSettings, year: int, today: dt.date | None = None) -> list[str]:
    """The year's index page first, then the current one (or the other way round for this year)."""
    today = today or dt.date.today()
    yearly = f"{settings.base_url}/statics/report/preliminary{year}.html"
    current = f"{settings.base_url}/statics/report/preliminary.html"
    return [current, yearly] if year >= today.year else [yearly, current]


def fetch(http: HttpSession, settings: CnCustomsSettings, period: dt.date, scope: GaccScope) -> list[Payload]:
    """The release page of one table and edition for a month, found through the index pages."""
    if period.month == 1:
        raise NotPublished(
            "January is released together with February: its figure comes with the "
            "February page (period_months 2)",
            source=SOURCE,
            period=period,
        )
    url, tried = find_release_link(http, settings, period, scope.table, scope.edition)
    if url is None:
        raise NotPublished(
            f"no link for table ({scope.table}) {scope.edition} on the index pages {tried}",
            source=SOURCE,
            period=period,
            url=tried[-1],
        )
    response, body = http.get(url, source=SOURCE, period=period)
    return [
        Payload(
            source=SOURCE,
            content=body,
            url=response.url or url,
            ext="html",
            period=period,
            scope=str(scope),
        )
    ]


def find_release_link(
    http: HttpSession, settings: CnCustomsSettings, period: dt.date, table: str, edition: str
) -> tuple[str | None, list[str]]:
    """The release page's URL for a table, edition and month from the index pages (None: not listed),
    and the index pages read."""
    links: dict[tuple[str, str, int], str] = {}
    tried: list[str] = []
    for index_url in index_urls(settings, period.year):
        tried.append(index_url)
        try:
            _response, body = http.get(index_url, source=SOURCE, period=period)
        except PermanentFetchError as exc:
            if exc.status == 404:
                continue
            raise
        if len(body) > MAX_PAGE_BYTES:
            raise ParseError(
                f"an index page of {len(body):,} bytes; index pages are under {MAX_PAGE_BYTES:,}",
                source=SOURCE,
                period=period,
                url=index_url,
            )
        if str(period.year) not in BeautifulSoup(body, "lxml").get_text(" "):
            continue
        links = parse_index(body, settings.base_url)
        if (table, edition, period.month) in links:
            break
    return links.get((table, edition, period.month)), tried
