"""GACC release pages (HTML) -> raw rows, scraped with BeautifulSoup.

Supported tables: (4) by country/region, (5) major exports and (6) major imports by quantity and value,
CNY and USD editions. As of 2026-04:
- a page's unit line and its title disagreed on the currency once (2025): that page is refused;
- a page's column headers named another month than its title (2025): the title wins, with a warning;
- older pages publish some tables as an image only: refused with an error saying so.
"""

from __future__ import annotations

import datetime as dt
import logging
import re

import pandas as pd
from bs4 import BeautifulSoup, Tag

from extractors.base import Payload
from extractors.cn_customs.headers import column_meaning, flow_of, is_label_header, measure_of
from extractors.cn_customs.settings import SUPPORTED_TABLES
from extractors.cn_customs.text import MAX_PAGE_BYTES, currency_of, month_number
from extractors.errors import ParseError

log = logging.getLogger("tradeflow.extractors.cn_customs")
RAW_COLUMNS = (
    "table",
    "year",
    "title_month",
    "currency",
    "unit_multiplier",
    "label",
    "quantity_unit",
    "flow",
    "measure",
    "kind",
    "months",
    "figure",
)
_TITLE_RE = re.compile(
    r"\((\d+)\)\s*China'?s\s+(.+?),\s*([A-Za-z]{3,9})\.?(?:\s*[-–~]\s*([A-Za-z]{3,9})\.?)?\s*([1-9]\d{3})\s*"
    r"[（(]\s*in\s+(CNY|USD|RMB)\s*[)）]",
    re.IGNORECASE,
)
_UNIT_RE = re.compile(
    r"Unit\s*[:：]\s*(CNY|USD|RMB)\s*([\d,]+)?\s*(hundred million|million|billion|thousand)?", re.IGNORECASE
)
_WORDS = {"thousand": 10**3, "million": 10**6, "hundred million": 10**8, "billion": 10**9}


# The HTML standard's own caps on spans (browsers clip to them); a GACC table has about ten columns and
# fifty rows, so a page beyond these is hostile or broken, and refused before any cell is repeated.
MAX_COLSPAN = 1000
MAX_ROWSPAN = 65534
MAX_GRID_CELLS = 200_000
MAX_TABLES = 20


def _span(payload: Payload, cell: Tag, attribute: str, limit: int, row: int) -> int:
    text = str(cell.get(attribute) or "1").strip()
    if not text.isdigit():
        return 1
    span = int(text)
    if span > limit:
        raise payload.error(
            ParseError, f"row {row + 1}: {attribute}={text[:20]} is over the limit of {limit}"
        )
    return max(span, 1)


def _grid(payload: Payload, table: Tag) -> list[list[str]]:
    """The table as a grid of cell texts, with rowspan/colspan cells repeated. Spans are bounded (a
    rowspan stops at the table's last row, as in a browser) and so is the grid's size."""
    grid: list[list[str]] = []
    pending: dict[tuple[int, int], str] = {}
    rows = table.find_all("tr")
    cells = 0
    for r, row in enumerate(rows):
        out: list[str] = []
        c = 0
        for cell in row.find_all(["td", "th"], recursive=False):
            while (r, c) in pending:
                out.append(pending.pop((r, c)))
                c += 1
            text = " ".join(cell.get_text(" ", strip=True).split())
            colspan = _span(payload, cell, "colspan", MAX_COLSPAN, r)
            rowspan = min(_span(payload, cell, "rowspan", MAX_ROWSPAN, r), len(rows) - r)
            cells += colspan * rowspan
            if cells > MAX_GRID_CELLS:
                raise payload.error(
                    ParseError,
                    f"row {r + 1}: the table spans over {MAX_GRID_CELLS:,} cells; a release table is far smaller",
                )
            for dc in range(colspan):
                out.append(text)
                for dr in range(1, rowspan):
                    pending[(r + dr, c + dc)] = text
            c += colspan
        while (r, c) in pending:
            out.append(pending.pop((r, c)))
            c += 1
        grid.append(out)
    return grid


_PLACEHOLDERS = frozenset({"", "-", "—", "–", "/", "…"})
_NUMBER_RE = re.compile(r"^-?[\d,]*\.?\d+$")


def _is_number(text: str) -> bool:
    return bool(_NUMBER_RE.match(text.replace(" ", "")))


def parse_page(payload: Payload) -> pd.DataFrame:
    """A release page's table as raw rows: one per line and column, the figure as printed."""
    if len(payload.content) > MAX_PAGE_BYTES:
        raise payload.error(
            ParseError,
            f"a page of {len(payload.content):,} bytes; release pages are under {MAX_PAGE_BYTES:,}",
        )
    soup = BeautifulSoup(payload.content, "lxml")
    title_text = " ".join(soup.title.get_text(" ").split()) if soup.title else ""
    match = _TITLE_RE.search(title_text) or _TITLE_RE.search(" ".join(soup.get_text(" ").split()))
    if not match:
        raise payload.error(ParseError, 'no release title like "(4) China\'s ..., Mar 2026 (in USD)"')
    number, subject, first_month, last_month, year, currency = match.groups()
    if number not in SUPPORTED_TABLES:
        raise payload.error(
            ParseError,
            f'table ({number}) "{subject}" is not supported; supported: '
            f"{', '.join(f'({k}) {v}' for k, v in SUPPORTED_TABLES.items())}",
        )
    try:
        title_month = month_number(last_month or first_month)
    except ValueError as exc:
        raise payload.error(ParseError, f"the title's month: {exc}") from None
    if payload.period is not None and (payload.period.year, payload.period.month) != (int(year), title_month):
        raise payload.error(
            ParseError,
            f"the title names {_month_name(title_month)} {year} but the index links the page as "
            f"{payload.period:%B %Y}",
        )
    currency = currency_of(currency)
    # A release page holds one table, flat. Many tables, or tables inside tables, are refused before any is
    # read: looking into each of thousands of nested tables costs the square of their number.
    every_table = soup.find_all("table")
    if len(every_table) > MAX_TABLES:
        raise payload.error(ParseError, f"the page holds {len(every_table):,} tables; a release page has one")
    if any(t.find("table") is not None for t in every_table):
        raise payload.error(ParseError, "a table inside a table; a release table is flat")
    tables = [t for t in every_table if len(t.find_all("tr")) >= 3]
    if not tables:
        if soup.find("img") is not None:
            raise payload.error(ParseError, f"table ({number}) is published as an image, not an HTML table")
        raise payload.error(ParseError, "no HTML table on the page")
    grid = _grid(payload, max(tables, key=lambda t: len(t.find_all("tr"))))
    unit = next((m for row in grid for cell in row[:3] if (m := _UNIT_RE.search(cell))), None)
    if unit is None:
        raise payload.error(ParseError, 'no unit line like "Unit: USD1 Million"')
    unit_currency = currency_of(unit.group(1))
    if unit_currency != currency:
        raise payload.error(ParseError, f"title says {currency} but the unit line says {unit.group(0)!r}")
    multiplier = int((unit.group(2) or "1").replace(",", "")) * _WORDS.get((unit.group(3) or "").lower(), 1)
    return _rows(payload, grid, number, int(year), title_month, currency, multiplier)


def _aligned(payload: Payload, row: list[str], r: int, width: int) -> list[str] | None:
    """A body row as one cell per column, or None for a row with no figures (a spacer, a heading, a note
    spanning the table). A row with figures is never dropped: one that cannot be matched to the columns
    is an error naming it. As of 2026-12 no real page has such a row; a hand-edited one would."""
    label = row[0].strip() if row else ""
    if len(row) == width and label and len(set(row)) > 1:
        return row
    if not any(_is_number(cell) for cell in row[1:]):
        return None
    name = repr(label) if label else f"{r + 1} (no label)"
    if not label:
        raise payload.error(ParseError, f"row {name} has figures but no label in its first cell")
    if (
        len(row) > width
        and not any(cell.strip() for cell in row[width:])
        and all(c.strip() for c in row[1:width])
    ):
        # Trailing empty cells after a row with every column filled: the figures line up with the header.
        # An empty cell inside the row could be a shifted one (an empty cell is also "no figure"): refused.
        return row[:width]
    raise payload.error(
        ParseError,
        f"row {name} has {len(row)} cells where the header has {width} columns: its figures cannot be "
        "matched to the columns",
    )


def _month_name(month: int) -> str:
    return dt.date(2000, month, 1).strftime("%B")


def _rows(
    payload: Payload,
    grid: list[list[str]],
    number: str,
    year: int,
    title_month: int,
    currency: str,
    multiplier: int,
) -> pd.DataFrame:
    label_cols = 2 if number in ("5", "6") else 1

    def is_data(row: list[str]) -> bool:
        cells = row[label_cols:]
        return (
            len(row) > label_cols + 1
            and any(_is_number(c) for c in cells)
            and all(_is_number(c) or c in _PLACEHOLDERS for c in cells)
        )

    first_data = next((i for i, row in enumerate(grid) if is_data(row)), None)
    if first_data is None:
        raise payload.error(ParseError, "no data rows (rows of numbers) in the table")
    # The columns are the header's: a data row is read against them, never taken as their measure.
    width = len(grid[first_data - 1]) if first_data else len(grid[first_data])
    # Header rows: those with one cell per column, less the title and unit lines that span them all.
    headers = [row for row in grid[:first_data] if len(row) == width and len(set(row)) > 1]
    if not headers:
        raise payload.error(ParseError, "no header rows with one cell per data column")
    label_header = " ".join(dict.fromkeys(h[0] for h in headers))
    if not is_label_header(label_header, number):
        expected = "Commodity" if label_cols == 2 else "Import Source / Export Destination"
        raise payload.error(ParseError, f"first column header {label_header!r}; expected {expected}")
    columns = []
    for c in range(label_cols, width):
        parts = list(dict.fromkeys(h[c] for h in headers))
        text = " | ".join(parts)
        columns.append((c, text, parts))
    lines = [line for r in range(first_data, len(grid)) if (line := _aligned(payload, grid[r], r, width))]
    labels = [" ".join(line[:label_cols]).strip() for line in lines]
    twice = next((label for i, label in enumerate(labels) if label in labels[:i]), None)
    if twice is not None:
        raise payload.error(ParseError, f"row {twice!r} appears twice in the table: which figures hold?")
    rows: list[dict[str, object]] = []
    header_months = set()
    seen: set[tuple[str, str, str]] = set()
    for c, text, parts in columns:
        meaning = column_meaning(text)
        kind, months = meaning.kind, meaning.months
        if kind in ("month", "ytd"):
            header_months.add(months)
        if number == "4":
            # Strict on meaning: a flow header must read as one of the three GACC uses, so a moved or
            # renamed column is an error, never a mislabelled figure.
            found = [flow for p in parts if (flow := flow_of(p))]
            flow = found[-1] if len(found) == 1 or (kind == "yoy" and found) else ""
            measure = "value" if kind != "yoy" else "yoy_pct"
        else:
            flow = "export" if number == "5" else "import"
            measure = measure_of(parts[-1]) or "unknown"
            if kind == "yoy":
                measure = f"{measure}_yoy_pct"
        if (
            not flow
            or measure.startswith("unknown")
            or kind == "other"
            or (flow, measure, f"{kind}{months}") in seen
        ):
            raise payload.error(
                ParseError,
                f"column {c + 1} header {text!r} is not a known column; expected "
                "month, cumulative, year-on-year columns by flow and measure, once each",
            )
        seen.add((flow, measure, f"{kind}{months}"))
        columns_meta = {"col": c, "kind": kind, "months": months, "flow": flow, "measure": measure}
        for row in lines:
            figure = row[c].strip()
            rows.append(
                {
                    "table": number,
                    "year": year,
                    "title_month": title_month,
                    "currency": currency,
                    "unit_multiplier": multiplier,
                    "label": row[0].strip(),
                    "quantity_unit": row[1].strip() if label_cols == 2 else "",
                    "flow": columns_meta["flow"],
                    "measure": columns_meta["measure"],
                    "kind": columns_meta["kind"],
                    "months": columns_meta["months"],
                    "figure": figure,
                }
            )
    if header_months and header_months != {title_month}:
        # As of 2025, one real page's headers named the month before (5, "1-5 Total") while its title,
        # its index link and its figures were the release month: the title (and link) decide.
        deciders = "the title and the index link name" if payload.period is not None else "the title names"
        log.warning(
            "column headers name month %s but %s %s %s: stored as %s (the title decides) <%s>",
            ", ".join(str(m) for m in sorted(header_months)),
            deciders,
            _month_name(title_month),
            year,
            _month_name(title_month),
            payload.url,
        )
        for row_ in rows:
            if row_["kind"] in ("month", "ytd"):
                row_["months"] = title_month
    frame = pd.DataFrame(rows, columns=list(RAW_COLUMNS))
    bad = frame[~frame["figure"].map(lambda f: _is_number(f) or f in _PLACEHOLDERS)]
    if not bad.empty:
        first = bad.iloc[0]
        raise payload.error(ParseError, f"row {first['label']!r}: {first['figure']!r} is not a number")
    return frame
