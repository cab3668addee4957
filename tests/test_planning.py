"""Planning with fixed dates, for every source's release rhythm."""

from __future__ import annotations

import datetime as dt

import pytest

from extractors import get_publisher
from flows.planning import CellState, Planned, plan_backfill, plan_source

D = dt.date


def latest_publishable(source: str, today: dt.date) -> dt.date:
    return get_publisher(source).calendar.latest_month(today)


def plan(
    source: str, scopes: list[str], today: dt.date, first: dt.date, cells: dict, **fields: object
) -> list[Planned]:  # type: ignore[type-arg]
    """plan_source with the publisher's own calendar and its default settings (plus `fields`)."""
    publisher = get_publisher(source)
    settings = publisher.settings_model(first_month=first.strftime("%Y-%m"), **fields)
    return plan_source(source, publisher.calendar, settings, scopes, today, cells)


def loaded(checked: dt.date) -> CellState:
    return CellState("loaded", dt.datetime(checked.year, checked.month, checked.day, 3, tzinfo=dt.UTC))


def months(planned: list) -> list[str]:  # type: ignore[type-arg]
    return sorted({p.period.strftime("%Y-%m") for p in planned})


def test_latest_publishable_per_rhythm() -> None:
    assert latest_publishable("kr_customs", D(2026, 3, 1)) == D(2026, 2, 1)
    assert latest_publishable("cn_customs", D(2026, 4, 6)) == D(2026, 2, 1)
    assert latest_publishable("cn_customs", D(2026, 4, 8)) == D(2026, 3, 1)
    assert latest_publishable("us_census", D(2026, 3, 2)) == D(2025, 12, 1)
    assert latest_publishable("us_census", D(2026, 3, 5)) == D(2026, 1, 1)
    assert latest_publishable("un_comtrade", D(2026, 1, 10)) == D(2025, 12, 1)


def test_never_loaded_months_are_due_from_the_first_month() -> None:
    planned = plan("kr_customs", ["a"], D(2026, 4, 2), D(2026, 1, 1), {})
    assert months(planned) == ["2026-01", "2026-02", "2026-03"]
    assert {p.reason for p in planned} == {"never checked"}


def test_not_published_months_are_tried_again() -> None:
    cells = {
        ("a", D(2026, 3, 1)): CellState("not_published", dt.datetime(2026, 4, 1, tzinfo=dt.UTC)),
        ("a", D(2026, 2, 1)): loaded(D(2026, 3, 16)),
    }
    planned = plan("kr_customs", ["a"], D(2026, 4, 2), D(2026, 2, 1), cells)
    assert [(p.period, p.reason) for p in planned] == [(D(2026, 3, 1), "last state not_published")]


def test_korea_window_is_rechecked_once_after_the_mid_month_refresh() -> None:
    cells = {("a", D(2025, m, 1)): loaded(D(2026, 4, 2)) for m in range(1, 13)}
    cells |= {("a", D(2026, m, 1)): loaded(D(2026, 4, 2)) for m in range(1, 4)}
    before_refresh = plan("kr_customs", ["a"], D(2026, 4, 14), D(2025, 1, 1), cells)
    assert before_refresh == []
    after_refresh = plan("kr_customs", ["a"], D(2026, 4, 15), D(2025, 1, 1), cells)
    assert months(after_refresh) == [f"2025-{m:02d}" for m in range(4, 13)] + [
        "2026-01",
        "2026-02",
        "2026-03",
    ]
    assert len(after_refresh) == 12
    rechecked = {k: loaded(D(2026, 4, 15)) for k in cells}
    assert plan("kr_customs", ["a"], D(2026, 4, 20), D(2025, 1, 1), rechecked) == []


def test_gacc_skips_january_and_never_rechecks_pages() -> None:
    planned = plan("cn_customs", ["table4:USD"], D(2026, 3, 9), D(2026, 1, 1), {})
    assert months(planned) == ["2026-02"]  # January comes inside the February page
    cells = {("table4:USD", D(2026, 2, 1)): loaded(D(2026, 3, 9))}
    assert plan("cn_customs", ["table4:USD"], D(2026, 3, 20), D(2026, 1, 1), cells) == []
    assert months(
        plan_backfill(
            "cn_customs", get_publisher("cn_customs").calendar, ["t"], D(2025, 12, 1), D(2026, 3, 1)
        )
    ) == [
        "2025-12",
        "2026-02",
        "2026-03",
    ]


def test_census_window_after_the_june_annual_revision() -> None:
    cells = {("exports", D(2025, m, 1)): loaded(D(2026, 5, 1)) for m in range(1, 13)}
    cells |= {("exports", D(2026, m, 1)): loaded(D(2026, 5, 1)) for m in range(1, 4)}
    assert plan("us_census", ["exports"], D(2026, 6, 1), D(2025, 1, 1), cells) == []
    after = plan("us_census", ["exports"], D(2026, 6, 11), D(2025, 1, 1), cells)
    assert months(after)[0] == "2025-04" and months(after)[-1] == "2026-04"  # 13 months up to the latest
    assert [p for p in after if p.reason == "never checked"] == [
        p for p in after if p.period == D(2026, 4, 1)
    ]


def test_comtrade_window_is_rechecked_every_few_days() -> None:
    cells = {("r", D(2026, m, 1)): loaded(D(2026, 10, 1)) for m in range(1, 10)}
    fresh = plan(
        "un_comtrade",
        ["r"],
        D(2026, 10, 5),
        D(2026, 1, 1),
        cells,
        window_months=3,
        recheck_days=7,
    )
    assert fresh == []
    stale = plan(
        "un_comtrade",
        ["r"],
        D(2026, 10, 9),
        D(2026, 1, 1),
        cells,
        window_months=3,
        recheck_days=7,
    )
    assert months(stale) == ["2026-07", "2026-08", "2026-09"]


def test_the_nightly_month_comes_from_the_runs_scheduled_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # A run scheduled for 02:30 on the 15th in Seoul is 17:30 on the 14th in UTC.
    from prefect.runtime import flow_run

    from flows.prefect_flows import scheduled_date

    scheduled = dt.datetime(2026, 4, 14, 17, 30, tzinfo=dt.UTC)
    monkeypatch.setitem(flow_run.FIELDS, "scheduled_start_time", lambda: scheduled)
    assert scheduled_date("Asia/Seoul") == D(2026, 4, 15)
    assert scheduled_date("UTC") == D(2026, 4, 14)
