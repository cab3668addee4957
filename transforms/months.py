"""Months: the unit of every release. A month is the `datetime.date` of its first day."""

from __future__ import annotations

import datetime as dt
import re

Month = dt.date


def month_pattern(separator: str) -> str:
    """A regular expression for a month as publishers write it, year then month: a real month only
    (2026.13, 2026.00 or year 0 are not; they would reach `datetime.date` and fail there)."""
    return rf"[1-9]\d{{3}}{re.escape(separator)}(?:0[1-9]|1[0-2])"


_ANY_MONTH = re.compile("|".join(f"(?:{month_pattern(sep)})" for sep in ("-", ".", "")))


def parse_month(text: str) -> Month:
    """'YYYY-MM' (or 'YYYYMM', 'YYYY.MM') -> the first day of that month; ValueError otherwise."""
    month = text.strip()
    if not _ANY_MONTH.fullmatch(month):
        raise ValueError(f"not a month: {text!r} (expected YYYY-MM, e.g. 2026-03)")
    return dt.date(int(month[:4]), int(month[-2:]), 1)


def add_months(month: Month, n: int) -> Month:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(first: Month, last: Month) -> list[Month]:
    """Every month from `first` to `last`, both included."""
    out: list[Month] = []
    month = first.replace(day=1)
    while month <= last:
        out.append(month)
        month = add_months(month, 1)
    return out


def last_month_covered(period: Month, period_months: int) -> Month:
    """The month a figure ends with: its period, or the last month of a January-to-N cumulative."""
    return add_months(period, period_months - 1)


# How a month is written, for people (forms, command-line errors).
MONTH_HELP = "as YYYY-MM, e.g. 2026-03"


class MonthMistake(ValueError):
    """A month field that does not hold a month, or a range that ends before it starts; the message says
    which field and what it takes."""


def month_field(name: str, text: str, *, empty: Month | None = None) -> Month:
    """A month typed in a form field or on the command line: whitespace and newlines around it dropped;
    empty gives `empty`."""
    value = text.strip()
    if not value and empty is not None:
        return empty
    try:
        return parse_month(value)
    except ValueError:
        raise MonthMistake(f"{name} {value!r} is not a month: write it {MONTH_HELP}") from None


def check_range(start: Month, end: Month) -> None:
    if end < start:
        raise MonthMistake(f"end month {end:%Y-%m} is before start month {start:%Y-%m}: nothing to load")
