"""A preliminary answer (XML) -> raw rows: one per window and slot, amounts in thousands of US dollars.

The answer does not say which of the four services it answers (the slots are positions), so the scope
comes from the payload (a fetch sets it; `--scope` sets it for a file) or from the service's name in the
file name or URL. As of 2026-12 each item carries `priodYear`, `priodMon` (YYYYMM), `priodDt` (`01~10`,
`01~20`, `01~<last day>`: running totals from the 1st), `itemUsdAmt00` (the total) and `itemUsdAmt01`..
`10`, written with a leading space and thousands commas (`" 20,130,610"`), thousands of US dollars.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
import re
from typing import Final

import pandas as pd

from extractors.base import Payload
from extractors.errors import ParseError
from extractors.kr_customs.parse import read_answer
from extractors.kr_customs_flash.scopes import FlashScope, scope_named_in
from extractors.kr_customs_flash.slots import SLOTS

log = logging.getLogger("tradeflow.extractors.kr_customs_flash")

AMOUNTS: Final = tuple(f"itemUsdAmt{i:02d}" for i in range(11))  # 00 the total, 01-10 the slots
FIELDS: Final = ("priodYear", "priodMon", "priodDt", *AMOUNTS)
RAW_COLUMNS: Final = ("table", "flow", "period", "period_days", "slot", "thousand_usd")
_MONTH = re.compile(r"(\d{4})(\d{2})")
_WINDOW = re.compile(r"01~(\d{2})")
_AMOUNT = re.compile(r"\d{1,3}(?:,\d{3}){0,4}|\d{1,15}")
# Each slot and the total are rounded to the thousand: the ten slots may add up to 5.5 thousand more.
_ROUNDING = 6


def scope_of(payload: Payload) -> FlashScope:
    """The service the payload answers: its scope, else the service its file's name (or the URL's last
    part) names. A scope that contradicts the file's name is refused: one of the two is wrong."""
    named = scope_named_in(payload.url.split("?", 1)[0].rsplit("/", 1)[-1])
    if payload.scope and not payload.scope.startswith("file:"):
        told = FlashScope.parse(payload.scope)
        if named is not None and named != told:
            raise payload.error(
                ParseError,
                f"the scope given ({told}, {told.service}) is not the service the file's name names "
                f"({named}, {named.service}): rename the file or give the right scope",
            )
        return told
    if named is None:
        raise payload.error(
            ParseError,
            "cannot tell which of the four preliminary services this answer is (its slots are positions):"
            " name the file after its service (e.g. getCntyMmUtPrviImpAcrs_202301.xml) or pass --scope"
            " (items:export, items:import, partners:export, partners:import)",
        )
    return named


def window_days(payload: Payload, month: str, text: str) -> tuple[dt.date, int]:
    """(period, period_days) of an item: days 1-N, or 0 when N is the month's last day."""
    found = _MONTH.fullmatch(month)
    if found is None or not 1 <= int(found[2]) <= 12 or int(found[1]) < 1900:
        raise payload.error(ParseError, f"priodMon {month!r} is not a month (YYYYMM)")
    period = dt.date(int(found[1]), int(found[2]), 1)
    last = calendar.monthrange(period.year, period.month)[1]
    window = _WINDOW.fullmatch(text)
    if window is None or not 1 <= int(window[1]) <= last:
        raise payload.error(
            ParseError,
            f"{month}: priodDt {text!r} is not a window of the month (days 1 to N: 01~10, 01~20 or 01~{last})",
        )
    days = int(window[1])
    return period, 0 if days == last else days


def _amount(payload: Payload, where: str, field: str, text: str) -> int:
    cleaned = text.strip()
    if _AMOUNT.fullmatch(cleaned) is None:
        raise payload.error(ParseError, f"{where}: {field} {text!r} is not an amount (thousands of USD)")
    return int(cleaned.replace(",", ""))


def parse_answer(payload: Payload) -> pd.DataFrame:
    scope = scope_of(payload)
    answer = read_answer(payload, FIELDS)
    columns = answer.columns
    count = len(columns["priodDt"])
    if answer.total_count is not None and answer.total_count > count:
        raise payload.error(
            ParseError, f"a paged answer: {count} items of {answer.total_count}; ask for one month a call"
        )
    slots = SLOTS[(scope.table, scope.flow)]
    rows: list[tuple[object, ...]] = []
    seen: dict[tuple[dt.date, int], str] = {}
    for i in range(count):
        period, days = window_days(payload, columns["priodMon"][i], columns["priodDt"][i])
        where = f"{columns['priodMon'][i]} {columns['priodDt'][i]}"
        year = columns["priodYear"][i]
        if year and year != f"{period.year}":
            raise payload.error(ParseError, f"{where}: priodYear {year!r} is not the year of priodMon")
        if (period, days) in seen:
            raise payload.error(ParseError, f"{where}: the same window twice in one answer")
        seen[(period, days)] = where
        amounts = [_amount(payload, where, field, columns[field][i]) for field in AMOUNTS]
        _check_slots(payload, scope, where, amounts, slots)
        rows += [(period, days, slot, amount) for slot, amount in enumerate(amounts)]
    frame = pd.DataFrame(rows, columns=list(RAW_COLUMNS[2:]))
    frame.insert(0, "flow", scope.flow)
    frame.insert(0, "table", scope.table)
    _check_running_totals(frame, scope, slots)
    frame["fetched_at"] = payload.fetched_at
    return frame


def _check_slots(
    payload: Payload, scope: FlashScope, where: str, amounts: list[int], slots: tuple[str, ...]
) -> None:
    """No slot above the total; partners, which never overlap, not above it together. (Items may: as of
    2026-12 "machinery" is thought to hold "semiconductor manufacturing equipment".)"""
    total, parts = amounts[0], amounts[1:]
    for name, amount in zip(slots, parts, strict=True):
        if amount > total:
            raise payload.error(
                ParseError,
                f"{where}: {scope} slot {name} ({amount:,}) is above the total ({total:,}): not a"
                f" {scope.service} answer, or its slot list (README) is wrong",
            )
    if scope.table == "partners" and sum(parts) > total + _ROUNDING:
        raise payload.error(
            ParseError,
            f"{where}: the ten partners add up to {sum(parts):,}, above the total ({total:,}): not a"
            f" {scope.service} answer, or its slot list (README) is wrong",
        )


def _check_running_totals(frame: pd.DataFrame, scope: FlashScope, slots: tuple[str, ...]) -> None:
    """Days 1-10, 1-20 and the month are running totals: one that falls is logged (a revision by the
    publisher between releases, or slots that moved), never dropped."""
    if frame.empty:
        return
    order = frame.assign(rank=frame["period_days"].replace(0, 99)).sort_values(["period", "slot", "rank"])
    falls = order.groupby(["period", "slot"])["thousand_usd"].diff() < 0
    for row in order[falls].itertuples():
        name = "total" if row.slot == 0 else slots[int(str(row.slot)) - 1]
        window = "the month" if row.period_days == 0 else f"days 1-{row.period_days}"
        log.warning(
            "%s %s: %s falls to %s thousand USD in %s, below the window before",
            scope,
            f"{row.period:%Y-%m}",
            name,
            f"{row.thousand_usd:,}",
            window,
        )
