"""The nightly's `tradeflow-headlines` artifact: for each watched line (every reporter, partner and flow
stored in TOTAL) and each commodity group, its latest month, change on a year earlier and year to date,
and what tonight's releases changed in it."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
from sqlalchemy import Engine

from transforms.headline import TOTAL, HeadlineError, Selection, combined_series, format_money, select
from transforms.months import add_months
from warehouse.growth import changed_by, read_line, watched_lines


def _pct(value: float) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:+.1f}%"


def _months_text(ends: list[dt.date], months: list[int]) -> str:
    return ", ".join(
        f"{end:%b %Y}" if m == 1 else f"{add_months(end, 1 - m):%b}-{end:%b %Y}"
        for end, m in zip(ends, months, strict=True)
    )


def _changes(changed: pd.DataFrame) -> str:
    """'new: Sep 2026, Oct 2026; revised: Aug 2026': by the month a figure ends in (a January-to-N figure
    counts for month N)."""
    if changed.empty:
        return "no change"
    changed = changed.assign(
        end=[
            add_months(p, int(m) - 1)
            for p, m in zip(changed["period"], changed["period_months"], strict=True)
        ]
    )
    parts = []
    for label, mine in (("new", changed[changed["new"]]), ("revised", changed[~changed["new"]])):
        if len(mine):
            parts.append(f"{label}: {', '.join(f'{end:%b %Y}' for end in sorted(set(mine['end'])))}")
    return "; ".join(parts)


def headline_row(
    engine: Engine, selection: Selection, release_ids: list[int], today: dt.date
) -> list[str] | None:
    try:
        rows, currency = read_line(engine, selection, since=dt.date(today.year - 2, 1, 1))
    except HeadlineError:
        return None
    series = combined_series(rows, selection.codes).dropna(subset=["value"])
    if series.empty:
        return None
    last = series.iloc[-1]
    months = int(last["period_months"])
    latest = _months_text([last["end"]], [months])
    ytd = (
        "-"
        if pd.isna(last["ytd_value"])
        else f"{format_money(float(last['ytd_value']), currency)} ({_pct(last['ytd_yoy_pct'])})"
    )
    return [
        selection.source,
        selection.describe(),
        latest,
        format_money(float(last["value"]), currency),
        _pct(last["yoy_pct"]),
        f"{ytd}, {int(last['ytd_months'])} months",
        _changes(changed_by(engine, selection, release_ids)),
    ]


def headlines_markdown(
    engine: Engine,
    sources: list[str],
    groups: dict[str, list[str]],
    release_ids: list[int],
    when: dt.datetime,
) -> str:
    codes = sorted({TOTAL, *(c for group in groups.values() for c in group)})
    lines = watched_lines(engine, sources, codes)
    selections: dict[tuple[str, ...], Selection] = {}
    for source, reporter, partner, flow, code in lines:
        if code == TOTAL:
            selections[(source, reporter, partner, flow, TOTAL)] = select(
                source, reporter, partner, flow, TOTAL, groups
            )
        for name, members in groups.items():
            if code in members:
                selections[(source, reporter, partner, flow, name)] = select(
                    source, reporter, partner, flow, name, groups
                )
    table = [
        "| source | line | latest | value | on year | year to date (on year) | tonight |",
        "|---|---|---|---|---|---|---|",
    ]
    for key in sorted(selections):
        row = headline_row(engine, selections[key], release_ids, when.date())
        if row is not None:
            table.append("| " + " | ".join(row) + " |")
    if len(table) == 2:
        table = ["No watched line has figures yet."]
    header = [
        f"# Headlines ({when.date().isoformat()})",
        "",
        "Latest month of each watched line and commodity group",
    ]
    header += [
        "(a group only where all its codes are in), its change on a year earlier, and tonight's changes.",
        "",
    ]
    return "\n".join(header + table) + "\n"
