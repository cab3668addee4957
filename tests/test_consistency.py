"""The cumulative checks (transforms.consistency) on small frames: each rule, each measure."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from transforms.consistency import CHECKED_MEASURES, cumulative_notes, neighbour_periods

JAN, MAY, JUN = dt.date(2025, 1, 1), dt.date(2025, 5, 1), dt.date(2025, 6, 1)


def figure(period: dt.date, months: int, **measures: float | None) -> dict[str, object]:
    base: dict[str, object] = {
        "source": "cn_customs",
        "reporter": "CHN",
        "partner": "KOR",
        "flow": "export",
        "commodity_system": "TOTAL",
        "commodity_code": "TOTAL",
        "currency": "USD",
        "period": period,
        "period_months": months,
    }
    return base | {m: measures.get(m) for m in CHECKED_MEASURES}


def frame(*figures: dict[str, object]) -> pd.DataFrame:
    return pd.DataFrame(list(figures))


# A June release and the stored January-May, printed to 0.1 of USD 100 million, as GACC does; January-June
# is two tenths above January-May + June (a revision of an earlier month): consistent.
JUNE = frame(figure(JUN, 1, value=12_720_000_000.0), figure(JAN, 6, value=72_880_000_000.0))
STORED_MAY = frame(figure(JAN, 5, value=60_170_000_000.0))


def test_a_consistent_release_has_no_notes() -> None:
    assert cumulative_notes(JUNE, STORED_MAY) == []


def test_a_release_without_cumulative_figures_reads_nothing() -> None:
    months_only = frame(figure(JUN, 1, value=1.0))
    assert neighbour_periods(months_only) == []
    assert cumulative_notes(months_only, STORED_MAY) == []


def test_the_neighbours_read_are_the_months_beside_it() -> None:
    assert neighbour_periods(JUNE) == [(JAN, 5), (JAN, 7), (JUN, 1), (dt.date(2025, 7, 1), 1)]


@pytest.mark.parametrize("measure", CHECKED_MEASURES)
def test_a_month_above_its_cumulative_is_noted_in_every_measure(measure: str) -> None:
    release = frame(figure(JUN, 1, **{measure: 500.7}), figure(JAN, 6, **{measure: 400.3}))
    notes = cumulative_notes(release, STORED_MAY.iloc[0:0])
    assert notes == [
        f"a month above January-to-that-month: 1 figure (first: CHN->KOR export {measure}: "
        "Jun 2025 501 > Jan-Jun 2025 400)"
    ]


@pytest.mark.parametrize("measure", CHECKED_MEASURES)
def test_a_cumulative_that_does_not_add_up_is_noted_in_every_measure(measure: str) -> None:
    """The title says June but the figures are May's: January-to-June equals the stored January-to-May."""
    release = frame(figure(JUN, 1, **{measure: 12_540_000.0}), figure(JAN, 6, **{measure: 60_170_000.0}))
    stored = frame(figure(JAN, 5, **{measure: 60_170_000.0}), figure(MAY, 1, **{measure: 12_540_000.0}))
    notes = cumulative_notes(release, stored)
    assert notes == [
        f"January-to-N not January-to-(N-1) plus month N: 1 figure (first: CHN->KOR export {measure}: "
        "Jan-Jun 2025 60,170,000, but Jan-May 2025 60,170,000 + Jun 2025 12,540,000 = 72,710,000)"
    ]


def test_the_next_month_stored_first_is_checked_too() -> None:
    """Months load in any order: a May release is checked against a stored June."""
    may = frame(figure(MAY, 1, value=12_540_000_000.0), figure(JAN, 5, value=48_000_000_000.0))
    stored_june = JUNE
    assert len(cumulative_notes(may, stored_june)) == 1
    assert cumulative_notes(may.assign(value=[12_540_000_000.0, 60_170_000_000.0]), stored_june) == []


def test_rounding_of_small_figures_is_not_a_failure() -> None:
    """0.1 + 0.2 printed to one decimal may read 0.4: within the printed precision of three figures."""
    release = frame(
        figure(JUN, 1, value=10_000_000.0),
        figure(JAN, 6, value=40_000_000.0),
        figure(JAN, 6, value=72_880_000_000.0) | {"partner": "USA"},
    )
    stored = frame(figure(JAN, 5, value=20_000_000.0))
    assert cumulative_notes(release, stored) == []


def test_inconsistencies_among_stored_figures_alone_are_not_this_releases() -> None:
    other_line = figure(JAN, 5, value=5.0) | {"partner": "USA"}
    stored = frame(
        figure(JAN, 5, value=60_170_000_000.0), other_line, figure(MAY, 1, value=9.0) | {"partner": "USA"}
    )
    assert cumulative_notes(JUNE, stored) == []
