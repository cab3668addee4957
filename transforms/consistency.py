"""Checks that a release's cumulative figures agree with its month figures and with the months beside it.

Some publishers print January-to-N figures beside the month (a cumulative figure: `period` January,
`period_months` N). Two things must then hold for each line (one reporter, partner, flow, commodity and
currency) and measure:

- a month cannot exceed January-to-that-month of the same release (printed to the same precision, the
  rounding cannot reverse them);
- January-to-N is January-to-(N-1) plus month N, up to rounding and the publisher's revisions of earlier
  months. A page whose figures are another month's than its title says breaks this by a whole month.

A failed check does not refuse the release (the figures are what the publisher printed): it is a note
stored with the release's status, so it is seen, never silent. The functions are pure; the caller passes
the stored neighbours (`neighbour_periods` says which).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

LINE_COLUMNS = ("source", "reporter", "partner", "flow", "commodity_system", "commodity_code", "currency")
CHECKED_MEASURES = ("value", "quantity", "net_weight_kg")
# January-to-N may differ from January-to-(N-1) + month N by the publisher's revisions of earlier months
# (a fraction of the cumulative) and by printed rounding; a page holding another month's figures is off by
# a whole month. A quarter of the month, or 1% of the cumulative, tells the two apart.
_MONTH_SHARE = 0.25
_CUMULATIVE_SHARE = 0.01


def cumulative_periods(rows: pd.DataFrame) -> list[tuple[dt.date, int]]:
    """The January-to-N figures a release holds, as (period, period_months)."""
    longer = rows[rows["period_months"] > 1]  # most releases have none: look at their dates only then
    spans = zip(longer["period"], longer["period_months"].astype(int), strict=True)
    return sorted({(period, months) for period, months in spans if period.month == 1})


def neighbour_periods(rows: pd.DataFrame) -> list[tuple[dt.date, int]]:
    """The (period, period_months) of stored figures the checks compare a release with: January-to-(N-1)
    and January-to-(N+1) with month N+1, for each January-to-N it holds. None when it holds no
    cumulative figure, so a release without them costs no read."""
    wanted: set[tuple[dt.date, int]] = set()
    for january, months in cumulative_periods(rows):
        wanted.add((january, months - 1))  # January-to-1 is January's own month figure
        if months < 12:
            wanted.add((january, months + 1))
            wanted.add((january.replace(month=months + 1), 1))
        wanted.add((january.replace(month=months), 1))
    return sorted(wanted)


def cumulative_notes(release: pd.DataFrame, stored: pd.DataFrame) -> list[str]:
    """What does not add up between a release's figures and the stored ones beside it: one note per
    check that failed, with a count and the first case."""
    if not cumulative_periods(release):
        return []
    figures = _long(release, stored)
    month = figures[figures["period_months"] == 1]
    # January-to-1 is January's month figure.
    cumulative = figures[[p.month == 1 for p in figures["period"]]]
    notes = []
    above = _months_above_cumulative(month, cumulative[cumulative["period_months"] > 1])
    if above:
        notes.append(_note("a month above January-to-that-month", above))
    gaps = _cumulative_gaps(month, cumulative)
    if gaps:
        notes.append(_note("January-to-N not January-to-(N-1) plus month N", gaps))
    return notes


_LINE = [*LINE_COLUMNS, "year", "measure"]


def _long(release: pd.DataFrame, stored: pd.DataFrame) -> pd.DataFrame:
    """One row per line, period and measure, with the month it ends (`end`) and whether the release
    holds it (`fresh`); the release's figures replace stored ones of the same key."""
    both = pd.concat([stored.assign(fresh=False), release.assign(fresh=True)], ignore_index=True)
    both = both.drop_duplicates([*LINE_COLUMNS, "period", "period_months"], keep="last")
    both["year"] = [p.year for p in both["period"]]
    both["end"] = pd.Series([p.month for p in both["period"]], index=both.index) + both["period_months"] - 1
    keep = [*LINE_COLUMNS, "year", "period", "period_months", "end", "fresh"]
    long = both.melt(id_vars=keep, value_vars=list(CHECKED_MEASURES), var_name="measure", value_name="figure")
    return long[long["figure"].notna()].astype({"figure": float})


def _months_above_cumulative(month: pd.DataFrame, cumulative: pd.DataFrame) -> list[str]:
    pairs = month.merge(cumulative, on=[*_LINE, "end"], suffixes=("_m", "_c"))
    pairs = pairs[pairs["fresh_m"] | pairs["fresh_c"]]
    bad = pairs[pairs["figure_m"] > pairs["figure_c"] * (1 + 1e-12)]
    return [
        f"{_line(r)}: {_span(r.period_m, 1)} {_num(r.figure_m)} > "
        f"{_span(r.period_c, r.period_months_c)} {_num(r.figure_c)}"
        for r in bad.itertuples()
    ]


def _cumulative_gaps(month: pd.DataFrame, cumulative: pd.DataFrame) -> list[str]:
    previous = cumulative.assign(end=cumulative["end"] + 1)
    steps = cumulative.merge(previous, on=[*_LINE, "end"], suffixes=("_c", "_p"))
    steps = steps.merge(month.rename(columns={"figure": "figure_m", "fresh": "fresh_m"}), on=[*_LINE, "end"])
    steps = steps[steps["fresh_c"] | steps["fresh_p"] | steps["fresh_m"]]
    m, c, p = (steps[f"figure_{side}"].to_numpy() for side in "mcp")
    step = steps["measure"].map(_printed_step(pd.concat([month, cumulative]))).fillna(0).to_numpy()
    tolerance = np.fmax(np.fmax(1.5 * step, _MONTH_SHARE * np.abs(m)), _CUMULATIVE_SHARE * np.abs(c))
    bad = steps[np.abs(c - p - m) > tolerance]
    return [
        f"{_line(r)}: {_span(r.period_c, r.period_months_c)} {_num(r.figure_c)}, but "
        f"{_span(r.period_p, r.period_months_p)} {_num(r.figure_p)} + {_span(r.period, 1)} "
        f"{_num(r.figure_m)} = {_num(r.figure_p + r.figure_m)}"
        for r in bad.itertuples()
    ]


def _printed_step(figures: pd.DataFrame) -> dict[str, float]:
    """Per measure, the step the figures were printed to: the largest power of ten (up to 10**12) that
    every one of them is a whole multiple of ("2,901.8" in CNY 100 million is a multiple of 10**7), taken
    over all of them because a round figure alone ("600.0") hides its precision."""
    out = {}
    for measure, group in figures.groupby("measure"):
        values = group["figure"].to_numpy()
        values = values[values != 0]
        step = 0.0
        for power in range(12, -1, -1):
            if len(values) and (np.mod(values, 10.0**power) == 0).all():
                step = 10.0**power
                break
        out[str(measure)] = step
    return out


def _note(what: str, cases: list[str]) -> str:
    return f"{what}: {len(cases)} figure{'s' if len(cases) != 1 else ''} (first: {cases[0]})"


def _line(row: Any) -> str:
    code, measure = row.commodity_code, row.measure
    what = f"{row.reporter}->{row.partner} {row.flow}"
    return f"{what} {measure}" if code == "TOTAL" else f"{what} {code} {measure}"


def _span(period: Any, months: Any) -> str:
    if months == 1:
        return f"{period:%b %Y}"
    return f"Jan-{dt.date(2000, int(months), 1):%b} {period:%Y}"


def _num(value: Any) -> str:
    return f"{value:,.0f}"
