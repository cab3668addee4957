"""The view trade_flow_growth (migration 0007) on both databases, over figures built by hand: a full
two-year monthly series, a revised month, a missing month, GACC's January-February and January-to-N
figures, and a line published only as cumulatives."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine, text

from tests.helpers import load, row
from transforms.months import add_months

Y24, Y25 = dt.date(2024, 1, 1), dt.date(2025, 1, 1)


def months(start: dt.date, n: int) -> list[dt.date]:
    return [add_months(start, i) for i in range(n)]


def monthly_series(
    source: str, reporter: str, partner: str, code: str, base: float
) -> list[dict[str, object]]:
    """2024 and 2025, every month: base + month in 2024, 10% more in 2025."""
    return [
        row(source, reporter, partner, "export", code, m, (base + m.month) * (1.1 if m.year == 2025 else 1))
        for m in months(Y24, 24)
    ]


def growth(engine: Engine, where: str = "") -> dict[tuple[str, str, dt.date, int], dict[str, Any]]:
    """The view's rows by (source, commodity_code, period, period_months)."""
    with engine.connect() as conn:
        rows = conn.execute(text(f"SELECT * FROM trade_flow_growth {where}")).mappings().all()
    out = {}
    for r in rows:
        period = r["period"] if isinstance(r["period"], dt.date) else dt.date.fromisoformat(r["period"])
        key = (r["source"], r["commodity_code"], period, r["period_months"])
        assert key not in out, f"two rows for {key}"
        out[key] = dict(r)
    return out


def test_a_full_two_year_series(engine: Engine) -> None:
    load(engine, "kr_customs", Y25, monthly_series("kr_customs", "KOR", "CHN", "TOTAL", 100.0), "full")
    rows = growth(engine)
    assert len(rows) == 24
    june = rows["kr_customs", "TOTAL", dt.date(2025, 6, 1), 1]
    assert june["value"] == pytest.approx(106 * 1.1)
    assert june["prior_year_value"] == pytest.approx(106)
    assert june["yoy_pct"] == pytest.approx(10.0)
    assert june["ytd_value"] == pytest.approx(sum(100 + m for m in range(1, 7)) * 1.1)
    assert june["ytd_prior_year_value"] == pytest.approx(sum(100 + m for m in range(1, 7)))
    assert june["ytd_yoy_pct"] == pytest.approx(10.0)
    assert june["ytd_months"] == 6 and not june["derived"]
    january_24 = rows["kr_customs", "TOTAL", Y24, 1]
    assert january_24["ytd_value"] == pytest.approx(101) and january_24["ytd_months"] == 1
    assert january_24["prior_year_value"] is None and january_24["yoy_pct"] is None
    assert january_24["ytd_prior_year_value"] is None and january_24["ytd_yoy_pct"] is None


def test_a_revised_month_counts_with_its_latest_value(engine: Engine) -> None:
    load(engine, "kr_customs", Y25, monthly_series("kr_customs", "KOR", "CHN", "TOTAL", 100.0), "first")
    march = dt.date(2025, 3, 1)
    load(
        engine, "kr_customs", march, [row("kr_customs", "KOR", "CHN", "export", "TOTAL", march, 206.0)], "rev"
    )
    rows = growth(engine)
    assert rows["kr_customs", "TOTAL", march, 1]["yoy_pct"] == pytest.approx(100.0)  # 206 against 103
    expected = sum((100 + m) * 1.1 for m in (1, 2, 4, 5, 6)) + 206.0
    assert rows["kr_customs", "TOTAL", dt.date(2025, 6, 1), 1]["ytd_value"] == pytest.approx(expected)


def test_a_missing_month_leaves_no_partial_year_to_date(engine: Engine) -> None:
    series = [
        r
        for r in monthly_series("us_census", "USA", "KOR", "8542", 50.0)
        if r["period"] not in (dt.date(2025, 5, 1), dt.date(2024, 8, 1))
    ]
    load(engine, "us_census", Y25, series, "gaps")
    rows = growth(engine)
    april, june = (
        rows["us_census", "8542", dt.date(2025, 4, 1), 1],
        rows["us_census", "8542", dt.date(2025, 6, 1), 1],
    )
    assert april["ytd_value"] == pytest.approx(sum(50 + m for m in range(1, 5)) * 1.1)
    assert june["ytd_value"] is None and june["ytd_yoy_pct"] is None and june["ytd_months"] == 6
    assert june["yoy_pct"] == pytest.approx(10.0)  # the month itself still compares
    assert ("us_census", "8542", dt.date(2025, 5, 1), 1) not in rows
    august = rows["us_census", "8542", dt.date(2025, 8, 1), 1]  # its month a year earlier is missing
    assert august["prior_year_value"] is None and august["yoy_pct"] is None
    assert august["ytd_prior_year_value"] is None and august["ytd_yoy_pct"] is None


def test_a_zero_a_year_earlier_gives_no_percentage(engine: Engine) -> None:
    rows = [
        row("kr_customs", "KOR", "CHN", "export", "8541", m, 0.0 if m.year == 2024 else 5.0)
        for m in months(Y24, 14)
    ]
    load(engine, "kr_customs", Y25, rows, "zero")
    february = growth(engine)["kr_customs", "8541", dt.date(2025, 2, 1), 1]
    assert february["prior_year_value"] == 0 and february["yoy_pct"] is None
    assert february["ytd_prior_year_value"] == 0 and february["ytd_yoy_pct"] is None


def _gacc_year(
    year: dt.date, scale: float, *, code: str = "TOTAL", monthly: bool = True
) -> list[dict[str, object]]:
    """GACC's shape: January-February as one cumulative; then each month and January-to-N. Its published
    cumulatives differ from the sum of its months by rounding (0.05 here), as real ones do."""
    out = [row("cn_customs", "CHN", "KOR", "export", code, year, 200.0 * scale, period_months=2)]
    cumulative = 200.0 * scale
    for n in range(3, 13):
        month = add_months(year, n - 1)
        value = (100.0 + n) * scale
        cumulative += value
        if monthly:
            out.append(row("cn_customs", "CHN", "KOR", "export", code, month, value))
        out.append(row("cn_customs", "CHN", "KOR", "export", code, year, cumulative + 0.05, period_months=n))
    return out


def test_gacc_january_february_and_january_to_n(engine: Engine) -> None:
    load(engine, "cn_customs", Y25, _gacc_year(Y24, 1.0) + _gacc_year(Y25, 1.2), "gacc")
    rows = growth(engine)
    for year in (Y24, Y25):  # no January or February of its own: the two months are one row
        assert ("cn_customs", "TOTAL", year, 1) not in rows
        assert ("cn_customs", "TOTAL", add_months(year, 1), 1) not in rows
    jan_feb = rows["cn_customs", "TOTAL", Y25, 2]
    assert jan_feb["value"] == pytest.approx(240.0) and jan_feb["prior_year_value"] == pytest.approx(200.0)
    assert jan_feb["yoy_pct"] == pytest.approx(20.0)
    assert jan_feb["ytd_value"] == jan_feb["value"] and jan_feb["ytd_months"] == 2
    assert jan_feb["ytd_yoy_pct"] == pytest.approx(20.0)
    march = rows["cn_customs", "TOTAL", dt.date(2025, 3, 1), 1]
    assert march["value"] == pytest.approx(103 * 1.2) and not march["derived"]
    # March's year to date is GACC's own January-March figure, not the sum of the rows above.
    assert march["ytd_value"] == pytest.approx(240.0 + 103 * 1.2 + 0.05)
    assert march["ytd_prior_year_value"] == pytest.approx(200.0 + 103 + 0.05)
    assert march["ytd_months"] == 3
    assert len([k for k in rows if k[0] == "cn_customs"]) == 2 * 11


def test_a_line_published_only_as_cumulatives_gets_derived_months(engine: Engine) -> None:
    load(
        engine,
        "cn_customs",
        Y25,
        _gacc_year(Y24, 1.0, code="8542", monthly=False) + _gacc_year(Y25, 1.5, code="8542", monthly=False),
        "cumulative-only",
    )
    rows = growth(engine)
    march = rows["cn_customs", "8542", dt.date(2025, 3, 1), 1]
    assert march["derived"]
    assert march["value"] == pytest.approx(103 * 1.5 + 0.05)  # January-March less January-February
    assert march["prior_year_value"] == pytest.approx(103 + 0.05)
    april = rows["cn_customs", "8542", dt.date(2025, 4, 1), 1]
    assert april["value"] == pytest.approx(104 * 1.5) and april["derived"]
    assert april["ytd_value"] == pytest.approx(300.0 + (103 + 104) * 1.5 + 0.05)
    assert not rows["cn_customs", "8542", Y25, 2]["derived"]  # January-February is published as such


def test_a_published_month_is_never_replaced_by_a_derived_one(engine: Engine) -> None:
    """Months and cumulatives that disagree (a revision reaching one of them only): the month stands."""
    figures = _gacc_year(Y25, 1.0)
    for figure in figures:
        if figure["period_months"] == 1 and figure["period"] == dt.date(2025, 4, 1):
            figure["value"] = 999.0
    load(engine, "cn_customs", Y25, figures, "disagree")
    april = growth(engine)["cn_customs", "TOTAL", dt.date(2025, 4, 1), 1]
    assert april["value"] == 999.0 and not april["derived"]


def test_provisional_and_release_time_come_with_each_row(engine: Engine) -> None:
    may = dt.date(2025, 5, 1)
    load(
        engine,
        "kr_customs",
        may,
        [row("kr_customs", "KOR", "CHN", "export", "TOTAL", may, 1.0, provisional=True)],
        "p",
    )
    (only,) = growth(engine).values()
    assert bool(only["provisional"]) and only["released_at"] is not None


def test_january_february_compares_with_the_same_two_months_however_published(engine: Engine) -> None:
    """2024 as two months (with a January-February cumulative beside them, which makes no row of its
    own), 2025 as one January-February figure: each compares with the same two months a year earlier."""
    figures = [
        row("cn_customs", "CHN", "KOR", "export", "TOTAL", Y24, 90.0),
        row("cn_customs", "CHN", "KOR", "export", "TOTAL", dt.date(2024, 2, 1), 110.0),
        row("cn_customs", "CHN", "KOR", "export", "TOTAL", Y24, 200.0, period_months=2),
        row("cn_customs", "CHN", "KOR", "export", "TOTAL", Y25, 250.0, period_months=2),
        row("cn_customs", "CHN", "KOR", "export", "TOTAL", dt.date(2026, 2, 1), 1.0),
    ]
    load(engine, "cn_customs", Y25, figures, "mixed")
    rows = growth(engine)
    assert ("cn_customs", "TOTAL", Y24, 2) not in rows  # the months of 2024 stand for themselves
    assert rows["cn_customs", "TOTAL", dt.date(2024, 2, 1), 1]["ytd_value"] == pytest.approx(200.0)
    jan_feb = rows["cn_customs", "TOTAL", Y25, 2]
    assert jan_feb["prior_year_value"] == pytest.approx(200.0) and jan_feb["yoy_pct"] == pytest.approx(25.0)
    february_26 = rows["cn_customs", "TOTAL", dt.date(2026, 2, 1), 1]  # a month against two: no comparison
    assert february_26["prior_year_value"] is None and february_26["yoy_pct"] is None


def test_reading_one_line_gives_the_views_rows_for_it(engine: Engine) -> None:
    """tradeflow's reads run the view's query over one line's figures: the same rows as the view."""
    from transforms.headline import select
    from warehouse.growth import read_line

    figures = monthly_series("kr_customs", "KOR", "CHN", "TOTAL", 100.0)
    figures += [
        r
        for r in monthly_series("kr_customs", "KOR", "CHN", "8542", 5.0)
        if r["period"] != dt.date(2025, 2, 1)
    ]
    load(engine, "kr_customs", Y25, figures, "korea")
    load(
        engine,
        "cn_customs",
        Y25,
        _gacc_year(Y24, 1.0) + _gacc_year(Y25, 1.2, code="8542", monthly=False),
        "gacc",
    )
    view = growth(engine)
    compared = ["value", "prior_year_value", "yoy_pct", "ytd_value", "ytd_prior_year_value", "ytd_yoy_pct"]
    seen = 0
    for source, reporter, partner, code in (
        ("kr_customs", "KOR", "CHN", "TOTAL"),
        ("kr_customs", "KOR", "CHN", "8542"),
        ("cn_customs", "CHN", "KOR", "TOTAL"),
        ("cn_customs", "CHN", "KOR", "8542"),
    ):
        rows, currency = read_line(engine, select(source, reporter, partner, "export", code, {}))
        assert currency == "USD" and len(rows)
        for r in rows.to_dict(orient="records"):
            expected = view[source, code, r["period"], r["period_months"]]
            for column in compared:
                assert r[column] == pytest.approx(expected[column], nan_ok=True) or (
                    expected[column] is None and r[column] != r[column]
                ), (source, code, r["period"], column)
            assert (bool(r["derived"]), r["ytd_months"]) == (
                bool(expected["derived"]),
                expected["ytd_months"],
            )
            seen += 1
    assert seen == len(view)


def test_a_year_to_date_from_a_january_february_figure_and_a_month_counts_months_not_rows(
    engine: Engine,
) -> None:
    """January-February published as one figure, then March as a month, and no January-March figure of
    the publisher's own: the year to date through March is the two added (three months in two rows)."""
    feb_cum = row("cn_customs", "CHN", "KOR", "export", "TOTAL", Y25, 300.0, period_months=2)
    march = row("cn_customs", "CHN", "KOR", "export", "TOTAL", dt.date(2025, 3, 1), 170.0)
    load(engine, "cn_customs", dt.date(2025, 3, 1), [feb_cum, march], "jan-feb and march")
    rows = growth(engine)
    through_march = rows["cn_customs", "TOTAL", dt.date(2025, 3, 1), 1]
    assert through_march["ytd_value"] == pytest.approx(470.0) and through_march["ytd_months"] == 3
    assert rows["cn_customs", "TOTAL", Y25, 2]["ytd_value"] == pytest.approx(300.0)
