"""How GACC writes months and currencies on its pages (shared by the index and the release pages)."""

from __future__ import annotations

MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1
    )
}


# As of 2026-12 a release page is 40-80 KB and an index page 25 KB. Parsing HTML takes up to 200 times the
# page's size in memory (BeautifulSoup's tree), so a page is refused unread beyond this size: a GACC parse
# then stays under about 120 MB whatever the page holds.
MAX_PAGE_BYTES = 512 * 1024


def currency_of(text: str) -> str:
    """GACC writes its yuan editions "CNY" or "RMB"."""
    return "CNY" if text.upper() in ("CNY", "RMB") else text.upper()


def month_number(text: str) -> int:
    key = text.strip().lower()[:3]
    if key not in MONTHS:
        raise ValueError(f"not a month name: {text!r}")
    return MONTHS[key]
