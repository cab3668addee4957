"""What a GACC column header means, whatever its typing.

GACC types its headers by hand (as of 2025-2026, seen on real pages): a space inside a year ("1-6 Total,
202 5"), the comma before the year there or not ("1-3 Total,2025", "1-3 Total 2025"), words split or run
together ("Ex port", "Export&Import", "Yearon-Year"), "1- to-3" for "1-to-3". A header is read for its
meaning: numbers with the spaces inside them closed up, words compared by their letters only, case and
punctuation ignored. What it means is still checked strictly by the parser: a header that means another
flow, measure or unit is refused, never guessed at.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final, Literal

Kind = Literal["month", "ytd", "prior_ytd", "yoy", "other"]

# Letters-only spellings of the flow headers of table 4 ("Export & Import", "Export and Import", ...).
_FLOWS: Final[dict[str, str]] = {
    "exportimport": "total",
    "exportandimport": "total",
    "importexport": "total",
    "importandexport": "total",
    "export": "export",
    "exports": "export",
    "import": "import",
    "imports": "import",
}
_MEASURES: Final[dict[str, str]] = {"quantity": "quantity", "value": "value"}
# Every word a figure column's header may hold; anything else ("1-6 Average", "Re-export") changes its
# meaning and the column is refused.
_KNOWN_WORDS = re.compile(r"yearonyear|yoy|exports?|imports?|and|quantity|value|total|to")

_DIGIT_GAP = re.compile(r"(?<=\d)[ \u00a0]+(?=\d)")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
# "1-6", "1-to-6", "1- to-6", "1 to 6", "1~6", "1–6", "1-6Total"
_YTD = re.compile(r"(?<!\d)1\s*(?:[-–~]|to|\s)+\s*(\d{1,2})(?!\d)")
_NUMBER = re.compile(r"(?<!\d)(\d{1,2})(?!\d)")


@dataclass(frozen=True)
class ColumnMeaning:
    """A figure column: what period it covers (`months` is the month, or N of January-to-N)."""

    kind: Kind
    months: int = 0
    year: int | None = None


def plain(text: str) -> str:
    """Compatibility forms folded, lower case, one space between words, digits split by spaces joined."""
    folded = " ".join(unicodedata.normalize("NFKC", text).lower().split())
    return _DIGIT_GAP.sub("", folded)


def letters(text: str) -> str:
    """The letters of a header only: "Ex port", "EXPORT" and "Export." all read "export"."""
    return re.sub(r"[^a-z]", "", plain(text))


def column_meaning(header: str) -> ColumnMeaning:
    """A figure column's header (its header rows joined) -> what it covers."""
    text = plain(header)
    word = letters(header)
    if _KNOWN_WORDS.sub("", word):
        return ColumnMeaning("other")
    if "yearonyear" in word or "yoy" in word or "±" in text or "%" in text:
        return ColumnMeaning("yoy")
    year = _YEAR.search(text)
    if year:  # "1-3 Total, 2025": the same months of the previous year
        return ColumnMeaning("prior_ytd", year=int(year.group(1)))
    ytd = _YTD.search(text)
    if ytd:
        return ColumnMeaning("ytd", int(ytd.group(1)))
    numbers = _NUMBER.findall(text)
    if len(numbers) == 1 and 1 <= int(numbers[0]) <= 12:
        return ColumnMeaning("month", int(numbers[0]))
    return ColumnMeaning("other")


def flow_of(part: str) -> str | None:
    """One header cell -> "export", "import", "total" (exports plus imports), or None."""
    return _FLOWS.get(letters(part))


def measure_of(part: str) -> str | None:
    """One header cell of tables 5 and 6 -> "quantity", "value", or None."""
    return _MEASURES.get(letters(part))


def is_label_header(text: str, table: str) -> bool:
    """The first column's header: the commodity (tables 5, 6) or the partner (table 4)."""
    word = letters(text)
    if table in ("5", "6"):
        return "commodity" in word
    return "importsource" in word or "exportdestination" in word or "countryregion" in word
