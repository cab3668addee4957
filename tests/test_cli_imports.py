"""What each command imports: a command never waits on the import of a library it does not use.

Read from Python's own import log (PYTHONPROFILEIMPORTTIME), not timed: the times are in bench/README.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import empty_config, run_cli

HEAVY = {"pandas", "pyarrow", "numpy", "prefect", "requests", "sqlmodel", "alembic", "lxml", "bs4"}


def _imported(env: dict[str, str], *args: str) -> set[str]:
    result = run_cli({**env, "PYTHONPROFILEIMPORTTIME": "1"}, *args)
    assert result.returncode == 0, result.stderr[-2000:]
    names = {
        line.split("|")[2].strip().split(".")[0]
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and line.count("|") == 2
    }
    assert "flows" in names  # the log was read
    return names & HEAVY


@pytest.fixture(scope="module")
def warehouse_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("imports")
    env = {
        "TRADEFLOW_DATABASE_URL": f"sqlite:///{folder / 'warehouse.db'}",
        "TRADEFLOW_CONFIG": empty_config(folder),
        "TRADEFLOW_DATA_DIR": str(folder / "data"),
    }
    assert run_cli(env, "db", "upgrade").returncode == 0
    return env


def test_help_query_and_status_import_no_data_library(warehouse_env: dict[str, str]) -> None:
    assert _imported(warehouse_env, "--help") == set()
    assert _imported(warehouse_env, "query", "SELECT count(*) FROM trade_flow") == set()
    assert _imported(warehouse_env, "status") == set()


def test_loading_a_canonical_file_imports_no_http_orm_or_prefect(
    warehouse_env: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "one.csv"
    path.write_text(
        "source,reporter,partner,flow,commodity_system,commodity_code,commodity_name,period,period_months,"
        "value,currency,valuation,net_weight_kg,quantity,quantity_unit,provisional\n"
        "canonical,KOR,CHN,export,HS,8542,,2026-09-01,1,12.5,USD,FOB,,,,false\n",
        encoding="utf-8",
    )
    assert _imported(warehouse_env, "ingest-file", "--source", "canonical", str(path)) == {
        "pandas",
        "pyarrow",
        "numpy",
    }


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--start", "2026-13"], "start month '2026-13' is not a month: write it as YYYY-MM, e.g. 2026-03"),
        (["--start", "2026-09", "--end", "2026-08"], "end month 2026-08 is before start month 2026-09"),
        (["--start", "2026-08", "--end", "13"], "end month '13' is not a month"),
    ],
)
def test_a_mistaken_backfill_is_refused_before_anything_starts(
    warehouse_env: dict[str, str], args: list[str], says: str
) -> None:
    """`backfill --start 2026-13` took 16-17 s: it started Prefect's temporary server, then said no. It
    now says no before Prefect (or the warehouse, or any data library) is even imported."""
    result = run_cli({**warehouse_env, "PYTHONPROFILEIMPORTTIME": "1"}, "backfill", *args)
    assert result.returncode == 2
    told = [line for line in result.stderr.splitlines() if not line.startswith("import time:")]
    assert told == [f"tradeflow backfill: {says}" + told[0].split(says, 1)[1]] and says in told[0], told
    imported = {
        line.split("|")[2].strip().split(".")[0]
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and line.count("|") == 2
    }
    assert "flows" in imported and not imported & HEAVY, imported & HEAVY
