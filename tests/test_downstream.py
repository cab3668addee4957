"""The downstream surface on both databases: views over a small hand-built history, exports, README examples."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine

from tests.conftest import IN_CI
from tests.helpers import empty_config, load, row, run_cli
from transforms.months import add_months
from warehouse.query import QueryError, read_only_query
from warehouse.read import FilterError, parse_filter, read_view

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date.today()
RECENT = add_months(TODAY.replace(day=1), -1)  # the latest month kr_customs can be due for


@pytest.fixture
def history(engine: Engine) -> Engine:
    march = dt.date(2026, 3, 1)
    load(
        engine,
        "kr_customs",
        march,
        [
            row("kr_customs", "KOR", "CHN", "export", "TOTAL", march, 100e9),
            row("kr_customs", "KOR", "CHN", "export", "854232", march, 4e9),
        ],
        "kr1",
    )
    load(
        engine,
        "kr_customs",
        march,
        [
            row("kr_customs", "KOR", "CHN", "export", "TOTAL", march, 100e9),
            row("kr_customs", "KOR", "CHN", "export", "854232", march, 4.5e9),
        ],
        "kr2",
    )
    load(
        engine,
        "kr_customs",
        RECENT,
        [row("kr_customs", "KOR", "CHN", "export", "TOTAL", RECENT, 90e9)],
        "kr3",
    )
    load(
        engine,
        "cn_customs",
        march,
        [
            row("cn_customs", "CHN", "KOR", "import", "TOTAL", march, 110e9),
            row("cn_customs", "CHN", "KOR", "import", "TOTAL", march, 800e9, "CNY"),
        ],
        "cn1",
    )
    load(
        engine,
        "un_comtrade",
        march,
        [
            row("un_comtrade", "KOR", "CHN", "export", "TOTAL", march, 98e9),
            row("un_comtrade", "CHN", "KOR", "import", "TOTAL", march, 107e9),
        ],
        "un1",
    )
    load(
        engine,
        "us_census",
        dt.date(2020, 1, 1),
        [row("us_census", "USA", "KOR", "export", "8542", dt.date(2020, 1, 1), 1e9)],
        "us1",
    )
    return engine


def test_trade_flow_latest_has_readable_names(history: Engine) -> None:
    latest = read_view(history, "trade_flow_latest")
    assert len(latest) == 8
    kr = latest[(latest["source"] == "kr_customs") & (latest["commodity_code"] == "854232")].iloc[0]
    assert (kr["reporter_name"], kr["partner_name"], kr["value"]) == ("South Korea", "China", 4.5e9)
    assert kr["released_at"] is not None


def test_first_vs_latest(history: Engine) -> None:
    view = read_view(history, "trade_flow_first_vs_latest", [parse_filter("commodity_code=854232")])
    (r,) = view.to_dict(orient="records")
    assert (r["first_value"], r["latest_value"], r["revision"], r["revisions"]) == (4e9, 4.5e9, 0.5e9, 1)
    assert r["revision_ratio"] == pytest.approx(0.125)
    assert str(r["first_released_at"]) < str(r["last_released_at"])
    unrevised = read_view(history, "trade_flow_first_vs_latest", [parse_filter("revisions=0")])
    assert len(unrevised) == 7 and set(unrevised["revision"]) == {0}


def test_source_freshness_flags_the_late_source(history: Engine) -> None:
    fresh = read_view(history, "source_freshness").set_index("source")
    assert bool(fresh.loc["us_census", "late"]) is True
    assert str(fresh.loc["us_census", "latest_month_loaded"])[:7] == "2020-01"
    assert bool(fresh.loc["kr_customs", "late"]) is False
    assert str(fresh.loc["kr_customs", "latest_month_loaded"])[:7] == RECENT.strftime("%Y-%m")
    assert bool(fresh.loc["un_comtrade", "late"]) is False and pd.isna(
        fresh.loc["un_comtrade", "expected_month"]
    )


def test_mirror_flows_gap(history: Engine) -> None:
    mirror = read_view(history, "mirror_flows", [parse_filter("exporter=KOR"), parse_filter("importer=CHN")])
    pairs = {(r["export_source"], r["import_source"]): r for r in mirror.to_dict(orient="records")}
    national = pairs[("kr_customs", "cn_customs")]
    assert (national["export_value"], national["import_value"], national["gap"]) == (100e9, 110e9, 10e9)
    assert national["gap_ratio"] == pytest.approx(0.1) and national["currency"] == "USD"
    comtrade = pairs[("un_comtrade", "un_comtrade")]
    assert comtrade["gap"] == 9e9
    assert set(pairs) == {
        ("kr_customs", "cn_customs"),
        ("kr_customs", "un_comtrade"),
        ("un_comtrade", "cn_customs"),
        ("un_comtrade", "un_comtrade"),
    }


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_export_round_trips(history: Engine, db_url: str, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"latest.{fmt}"
    env = {**os.environ, "TRADEFLOW_DATABASE_URL": db_url, "TRADEFLOW_CONFIG": empty_config(tmp_path)}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "flows",
            "export",
            "--view",
            "trade_flow_latest",
            "--where",
            "reporter=KOR",
            "--format",
            fmt,
            "--out",
            str(out),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    expected = read_view(history, "trade_flow_latest", [parse_filter("reporter=KOR")])
    back = {"csv": pd.read_csv, "json": pd.read_json, "parquet": pd.read_parquet}[fmt](out)
    assert len(back) == len(expected) == 4
    assert sorted(back["value"]) == sorted(expected["value"])
    assert sorted(back["commodity_code"].astype(str)) == sorted(expected["commodity_code"])


def test_export_refuses_unknown_columns_and_query_is_read_only(history: Engine, db_url: str) -> None:
    with pytest.raises(ValueError, match="no column"):
        read_view(history, "trade_flow_latest", [parse_filter("nope=1")])
    with pytest.raises(QueryError, match="read-only"), read_only_query(db_url, "DELETE FROM trade_flow"):
        pass
    assert len(read_view(history, "trade_flow")) == 8


def test_boolean_filters_mean_the_same_on_both_databases(history: Engine) -> None:
    everything = read_view(history, "trade_flow_latest")
    assert len(everything) == 8 and not everything["provisional"].any()
    for written in ("false", "FALSE", "0", "no"):
        assert len(read_view(history, "trade_flow_latest", [parse_filter(f"provisional={written}")])) == 8
    assert read_view(history, "trade_flow_latest", [parse_filter("provisional=true")]).empty
    assert len(read_view(history, "trade_flow_latest", [parse_filter("provisional!=true")])) == 8
    freshness = read_view(history, "source_freshness")
    late = read_view(history, "source_freshness", [parse_filter("late=true")])
    assert sorted(late["source"]) == sorted(freshness.loc[freshness["late"].astype(bool), "source"])
    assert len(late) >= 1
    with pytest.raises(ValueError, match="true or false"):
        read_view(history, "trade_flow_latest", [parse_filter("provisional=maybe")])


def test_filters_bind_by_the_columns_declared_type(engine: Engine, db_url: str, tmp_path: Path) -> None:
    """`--where commodity_code=0101` found nothing on SQLite (the code bound as the number 101) and a
    23-digit value ended in an OverflowError traceback: filters now bind as each column's declared type."""
    march = dt.date(2026, 3, 1)
    load(
        engine,
        "kr_customs",
        march,
        [
            row("kr_customs", "KOR", "CHN", "export", "0101", march, 5e6),
            row("kr_customs", "KOR", "CHN", "export", "101010", march, 7e6),
            row("kr_customs", "KOR", "CHN", "export", "854232", march, 4e9),
        ],
        "codes",
    )
    for view in ("trade_flow_latest", "trade_flow", "trade_flow_growth", "trade_flow_first_vs_latest"):
        found = read_view(engine, view, [parse_filter("commodity_code=0101")])
        assert found["commodity_code"].tolist() == ["0101"], view
        assert read_view(engine, view, [parse_filter("commodity_code=101")]).empty, view
    assert sorted(read_view(engine, "trade_flow", [parse_filter("commodity_code>=1")])["commodity_code"]) == [
        "101010",
        "854232",
    ]  # text order, as on PostgreSQL: "0101" < "1"
    assert len(read_view(engine, "trade_flow_latest", [parse_filter("value>=7000000")])) == 2
    assert len(read_view(engine, "trade_flow_latest", [parse_filter("period_months=1")])) == 3
    assert len(read_view(engine, "trade_flow_latest", [parse_filter("period>=2026-03-01")])) == 3
    assert read_view(engine, "trade_flow_latest", [parse_filter("period>2026-03-01")]).empty
    assert len(read_view(engine, "trade_flow_growth", [parse_filter("value>=7000000")])) == 2  # undeclared
    assert read_view(engine, "trade_flow_latest", [parse_filter("value=" + "9" * 23)]).empty  # a number
    assert read_view(engine, "trade_flow_growth", [parse_filter("value<" + "9" * 23)]).shape[0] == 3

    env = {"TRADEFLOW_DATABASE_URL": db_url, "TRADEFLOW_CONFIG": empty_config(tmp_path)}
    out = tmp_path / "codes.csv"
    done = run_cli(
        env,
        "export",
        "--view",
        "trade_flow_latest",
        "--where",
        "commodity_code=0101",
        "--format",
        "csv",
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    assert pd.read_csv(out, dtype=str)["commodity_code"].tolist() == ["0101"]
    for where, says in (
        ("value=lots", "value is a number, not 'lots'"),
        ("period_months=" + "1" * 23, "period_months is a whole number of at most 19 digits"),
        ("period_months=two", "period_months is a whole number, not 'two'"),
        ("period=2026-13-01", "period is a date (YYYY-MM-DD), not '2026-13-01'"),
        ("value=nan", "value is a finite number"),
        ("nosuch=1", "has no column 'nosuch'"),
        ("period", "bad filter 'period'"),
    ):
        with pytest.raises(FilterError, match=re.escape(says)):
            read_view(engine, "trade_flow_latest", [parse_filter(where)])
    # On the command line: one line, exit 2, no traceback (as for every FilterError).
    refused = run_cli(env, "export", "--view", "trade_flow_latest", "--where", "period_months=" + "1" * 23,
                      "--format", "csv", "--out", str(tmp_path / "x.csv"))  # fmt: skip
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1, refused.stderr
    assert "whole number of at most 19 digits" in refused.stderr and "Traceback" not in refused.stderr


def _examples() -> dict[str, str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return dict(re.findall(r"<!-- example: ([\w-]+) -->\n```\w+\n(.*?)```", text, re.S))


def test_readme_psql_example_runs(history: Engine, db_url: str) -> None:
    """The README's psql example, against PostgreSQL (tests/test_readme.py runs the others on the demo)."""
    if not db_url.startswith("postgresql"):
        return  # psql reads PostgreSQL only
    if shutil.which("psql") is None:
        if IN_CI:
            pytest.fail("psql is needed to run the README's psql example under CI=true")
        pytest.skip("psql not installed")
    schema_url = db_url.replace("postgresql+psycopg://", "postgresql://")
    result = subprocess.run(
        ["bash", "-c", _examples()["psql"]],
        env={**os.environ, "TRADEFLOW_PSQL_URL": schema_url},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "us_census" in result.stdout and re.search(
        r"us_census\s*\|\s*2020-01-01.*\|\s*t\s*$", result.stdout, re.M
    )


def _duckdb_types(db_file: str, view: str) -> dict[str, str]:
    duckdb = pytest.importorskip("duckdb")
    duckdb_ext = pytest.importorskip("duckdb_ext")
    con = duckdb.connect()
    con.execute(f"SET extension_directory = '{duckdb_ext.__path__[0]}/extensions'")
    con.execute("LOAD sqlite")
    relation = con.sql(f"SELECT * FROM sqlite_scan('{db_file}', '{view}')")
    return {name: str(kind) for name, kind in zip(relation.columns, relation.types, strict=True)}


def test_sqlite_views_declare_every_column_so_duckdb_reads_numbers(history: Engine, db_url: str) -> None:
    """Migration 0011: a computed column of a SQLite view had no type, and DuckDB read it as BLOB."""
    if not db_url.startswith("sqlite"):  # PostgreSQL's views carry their types: a BI tool sees numbers
        with history.connect() as conn:
            kinds = dict(
                conn.exec_driver_sql(
                    "SELECT column_name, data_type FROM information_schema.columns"
                    " WHERE table_name = 'mirror_flows' AND table_schema = current_schema()"
                ).fetchall()
            )
        assert {kinds[c] for c in ("export_value", "import_value", "gap", "gap_ratio")} == {
            "double precision"
        }
        return
    from warehouse.migrate import downgrade, upgrade

    db_file = db_url.removeprefix("sqlite:///")
    views = ("trade_flow_latest", "trade_flow_first_vs_latest", "source_freshness", "trade_flow_growth")
    with history.connect() as conn:
        for view in (*views, "mirror_flows"):
            untyped = [r[1] for r in conn.exec_driver_sql(f"PRAGMA table_info({view})") if not r[2]]
            assert untyped == [], (view, untyped)
    mirror = _duckdb_types(db_file, "mirror_flows")
    assert {mirror[c] for c in ("export_value", "import_value", "gap", "gap_ratio")} == {"DOUBLE"}
    assert _duckdb_types(db_file, "trade_flow_first_vs_latest")["revisions"] == "BIGINT"
    assert _duckdb_types(db_file, "trade_flow_growth")["period"] == "DATE"
    freshness = _duckdb_types(db_file, "source_freshness")
    assert (freshness["last_checked"], freshness["failed_releases"]) == ("TIMESTAMP", "BIGINT")
    assert (freshness["latest_published_at"], freshness["lag_minutes"]) == ("TIMESTAMP", "DOUBLE")  # 0014
    before = {v: read_view(history, v) for v in views}
    # The rows are the views' own: down to 0010 and up again reads the same frames.
    downgrade(history, "0010_query_reader")
    with history.connect() as conn:
        assert any(not r[2] for r in conn.exec_driver_sql("PRAGMA table_info(mirror_flows)"))
        down = {v: read_view(history, v) for v in views}
    upgrade(history)
    later = ["period_days", "latest_published_at", "latest_loaded_at", "lag_minutes"]  # 0013's and 0014's
    for view in views:
        pd.testing.assert_frame_equal(
            before[view].drop(columns=later, errors="ignore"), down[view], check_dtype=False
        )
        pd.testing.assert_frame_equal(before[view], read_view(history, view), check_dtype=False)
