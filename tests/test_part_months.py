"""Figures for part of a month (issue 28 item 2, migration 0013): days 1 to N of a month are never a month."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, text

from tests.helpers import load, row, table_rows
from transforms.schema import SchemaError, validate_canonical
from warehouse.read import parse_filter, read_view
from warehouse.row_hash import row_hashes

NOV = dt.date(2026, 11, 1)
NOV_2025 = dt.date(2025, 11, 1)


def _kr(period: dt.date, value: float, days: int = 0, *, provisional: bool = True) -> dict[str, object]:
    return row("kr_customs_flash", "KOR", "WLD", "export", "TOTAL", period, value, period_days=days,
               provisional=provisional)  # fmt: skip


def test_a_part_month_figure_is_checked() -> None:
    for days, months, says in ((-1, 1, "1 to 30"), (31, 1, "1 to 30"), (10, 2, "period_months must be 1")):
        frame = pd.DataFrame([{**_kr(NOV, 1e9, days), "period_months": months}])
        with pytest.raises(SchemaError, match=says):
            validate_canonical(frame)
    legacy = pd.DataFrame([_kr(NOV, 1e9)]).drop(columns="period_days")
    assert validate_canonical(legacy)["period_days"].tolist() == [0]  # a frame without it: whole months


def test_whole_month_row_hashes_did_not_change_and_a_window_s_differs() -> None:
    whole = validate_canonical(pd.DataFrame([_kr(NOV, 1e9)]))
    assert row_hashes(whole).tolist() == row_hashes(whole.drop(columns="period_days")).tolist()
    window = validate_canonical(pd.DataFrame([_kr(NOV, 1e9, 20)]))
    assert row_hashes(window).tolist() != row_hashes(whole).tolist()


def test_days_1_to_10_1_to_20_and_the_month_are_three_figures_each_revised_on_its_own(engine: Engine) -> None:
    load(engine, "kr_customs_flash", NOV, [_kr(NOV, 18e9, 10), _kr(NOV, 38e9, 20), _kr(NOV, 60e9)], "a")
    load(engine, "kr_customs_flash", NOV, [_kr(NOV, 18e9, 10), _kr(NOV, 38.5e9, 20), _kr(NOV, 60e9)], "b")
    figures = {int(r["period_days"]): r["value"] for r in table_rows(engine, "trade_flow")}
    assert figures == {10: 18e9, 20: 38.5e9, 0: 60e9}
    (revision,) = table_rows(engine, "trade_flow_revision")
    revised = {r["id"]: int(r["period_days"]) for r in table_rows(engine, "trade_flow")}
    assert revised[revision["trade_flow_id"]] == 20 and revision["old_value"] == 38e9
    with pytest.raises(SchemaError, match="the same key appears more than once"):
        load(engine, "kr_customs_flash", NOV, [_kr(NOV, 1e9, 20), _kr(NOV, 2e9, 20)], "c")
    latest = read_view(engine, "trade_flow_latest", [parse_filter("period_days=20")])
    assert latest["value"].tolist() == [38.5e9]


def test_the_growth_view_compares_a_window_with_the_same_window_a_year_earlier(engine: Engine) -> None:
    earlier = [_kr(NOV_2025, 15e9, 10), _kr(NOV_2025, 32e9, 20), _kr(NOV_2025, 50e9)]
    load(engine, "kr_customs_flash", NOV_2025, earlier, "2025")
    load(engine, "kr_customs_flash", NOV, [_kr(NOV, 18e9, 10), _kr(NOV, 40e9, 20)], "2026")
    growth = read_view(engine, "trade_flow_growth", [parse_filter("period>=2026-11-01")])
    by_days = {int(r["period_days"]): r for r in growth.to_dict(orient="records")}
    assert set(by_days) == {10, 20}  # November 2026 has no whole month yet: no month row
    assert by_days[20]["prior_year_value"] == 32e9 and by_days[20]["yoy_pct"] == pytest.approx(25.0)
    assert by_days[10]["prior_year_value"] == 15e9 and by_days[10]["yoy_pct"] == pytest.approx(20.0)
    assert by_days[20]["ytd_value"] is None or pd.isna(by_days[20]["ytd_value"])
    months = read_view(engine, "trade_flow_growth", [parse_filter("period_days=0")])
    assert months["value"].tolist() == [50e9]  # a window is never a month


def test_mirror_flows_pairs_whole_months_only(engine: Engine) -> None:
    load(engine, "kr_customs_flash", NOV, [row("kr_customs_flash", "KOR", "CHN", "export", "TOTAL", NOV, 9e9,
                                               period_days=20)], "k")  # fmt: skip
    load(engine, "cn_customs", NOV, [row("cn_customs", "CHN", "KOR", "import", "TOTAL", NOV, 16e9)], "c")
    assert read_view(engine, "mirror_flows").empty


def test_the_migration_keeps_a_populated_warehouse_and_down_drops_part_month_figures(engine: Engine) -> None:
    from warehouse.migrate import downgrade, upgrade

    load(engine, "kr_customs", NOV, [_kr(NOV, 60e9) | {"source": "kr_customs"}], "a")
    load(engine, "kr_customs", NOV, [_kr(NOV, 61e9) | {"source": "kr_customs"}], "b")  # a revision
    load(engine, "kr_customs_flash", NOV, [_kr(NOV, 38e9, 20)], "c")
    downgrade(engine, "0012_concordance")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM trade_flow")).scalar_one() == 1
        assert conn.execute(text("SELECT count(*) FROM trade_flow_revision")).scalar_one() == 1
    upgrade(engine)  # a warehouse with figures and revisions, rebuilt on SQLite
    rows = table_rows(engine, "trade_flow")
    assert [(r["value"], int(r["period_days"])) for r in rows] == [(61e9, 0)]
    (revision,) = table_rows(engine, "trade_flow_revision")
    assert revision["trade_flow_id"] == rows[0]["id"]


def test_headline_says_the_first_20_days_of_november_against_the_same_days_a_year_earlier(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    import json

    from tests.helpers import empty_config, run_cli

    # Korea's early figures as a registered source would store them (the publisher package comes next)
    kr = {"source": "kr_customs"}
    earlier = [_kr(NOV_2025, 15e9, 10) | kr, _kr(NOV_2025, 32e9, 20) | kr, _kr(NOV_2025, 50e9) | kr]
    load(engine, "kr_customs", NOV_2025, earlier, "2025")
    load(engine, "kr_customs", NOV, [_kr(NOV, 18e9, 10) | kr, _kr(NOV, 40e9, 20) | kr], "2026")
    env = {"TRADEFLOW_DATABASE_URL": db_url, "TRADEFLOW_CONFIG": empty_config(tmp_path)}
    ask = ["headline", "--source", "kr_customs", "--reporter", "KOR", "--flow", "export", "--year", "2026",
           "--through-month", "11"]  # fmt: skip
    said = run_cli(env, *ask, "--days", "20")
    assert said.returncode == 0, said.stderr
    assert said.stdout.startswith(
        "KOR exports to the world, in the first 20 days of November 2026: USD 40.0 bn, +25.0% on the same days "
        "a year earlier (provisional, kr_customs"
    ), said.stdout
    as_json = json.loads(run_cli(env, *ask, "--days", "10", "--format", "json").stdout)
    assert (as_json["value"], as_json["prior_year_value"], as_json["days"]) == (18e9, 15e9, 10)
    missing = run_cli(env, *ask, "--days", "15")
    assert (
        missing.returncode == 1
        and "no figures for KOR exports to the world in the first 15 days" in missing.stderr
    )
    month = run_cli(env, *ask)  # the whole months: November 2026 is not there yet, the windows do not count
    assert month.returncode == 1 and "November" not in month.stdout
    refused = run_cli(env, *ask, "--days", "31")
    assert refused.returncode == 2 and "'31' is not a number of days from 1 to 30" in refused.stderr
