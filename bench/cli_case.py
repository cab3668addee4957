"""The command line against its floors, in one run: `ingest-file --source canonical` of a canonical CSV
against the bare load of the same file, a reload with 1% of values changed, and the start-up of `--help`,
`status` and `query` beside `python -c pass` (and beside the code of an earlier commit, when given).

python -m bench.cli_case DB_URL ROWS [OLD_CHECKOUT]    (prints one JSON line)
"""

from __future__ import annotations

import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from bench.workloads import canonical_rows, change_values
from transforms.canonical import format_canonical
from transforms.schema import CANONICAL_COLUMNS, validate_canonical

ROOT = Path(__file__).resolve().parents[1]
_TYPES = {
    "period": "DATE",
    "period_months": "INTEGER",
    "value": "DOUBLE PRECISION",
    "net_weight_kg": "DOUBLE PRECISION",
    "quantity": "DOUBLE PRECISION",
    "provisional": "BOOLEAN",
}
_KEY = "source, period, period_months, reporter, partner, flow, commodity_system, commodity_code, currency"


def _floor(db_url: str, path: Path) -> float:
    """The bare load of the same file: PostgreSQL COPY ... FROM STDIN (FORMAT csv), SQLite the csv module
    and one executemany, into a table of the canonical columns with trade_flow's unique index."""
    engine = create_engine(db_url)
    columns = ", ".join(f"{c} {_TYPES.get(c, 'TEXT')}" for c in CANONICAL_COLUMNS)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS cli_floor"))
        conn.execute(text(f"CREATE TABLE cli_floor ({columns}, UNIQUE ({_KEY}))"))
    start = time.perf_counter()
    with engine.begin() as conn:
        raw: Any = conn.connection.driver_connection
        if engine.dialect.name == "postgresql":
            copy_sql = "COPY cli_floor FROM STDIN (FORMAT csv, HEADER)"
            with raw.cursor() as cur, cur.copy(copy_sql) as copy, path.open("rb") as fh:
                while chunk := fh.read(1 << 20):
                    copy.write(chunk)
        else:
            with path.open(newline="", encoding="utf-8") as fh:
                rows = csv.reader(fh)
                next(rows)
                marks = ", ".join("?" for _ in CANONICAL_COLUMNS)
                raw.executemany(f"INSERT INTO cli_floor VALUES ({marks})", rows)
    seconds = time.perf_counter() - start
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE cli_floor"))
    engine.dispose()
    return seconds


def _timed(command: list[str], env: dict[str, str]) -> float:
    """Wall time of one command, run outside the checkout (`-m flows` would find its modules in the
    working directory before PYTHONPATH)."""
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True, cwd=tempfile.gettempdir())
    return time.perf_counter() - start


def _startup(env: dict[str, str], pythonpath: str | None, runs: int = 5) -> dict[str, float]:
    run_env = {**env, "PYTHONPATH": pythonpath or str(ROOT)}
    cli = [sys.executable, "-m", "flows"]
    commands = {"--help": [*cli, "--help"], "status": [*cli, "status"], "query": [*cli, "query", "SELECT 1"]}
    return {
        name: statistics.median(_timed(command, run_env) for _ in range(runs))
        for name, command in commands.items()
    }


def main() -> None:
    db_url, rows = sys.argv[1], int(sys.argv[2])
    old = sys.argv[3] if len(sys.argv) > 3 else None
    folder = Path(tempfile.mkdtemp(prefix="tradeflow-cli-bench-"))
    frame = validate_canonical(canonical_rows(rows))
    first, changed = folder / "first.csv", folder / "changed.csv"
    first.write_text(format_canonical(frame, "csv"), encoding="utf-8")
    changed.write_text(
        format_canonical(validate_canonical(change_values(frame, 0.01)), "csv"), encoding="utf-8"
    )
    config = folder / "empty.toml"
    config.write_text("")
    env = {
        **os.environ,
        "TRADEFLOW_DATABASE_URL": db_url,
        "TRADEFLOW_CONFIG": str(config),
        "TRADEFLOW_DATA_DIR": str(folder),
    }
    cli = [sys.executable, "-m", "flows"]
    subprocess.run([*cli, "db", "upgrade"], env=env, check=True, capture_output=True)
    result: dict[str, Any] = {"rows": rows, "floor_seconds": _floor(db_url, first)}
    result["first_seconds"] = _timed([*cli, "ingest-file", "--source", "canonical", str(first)], env)
    result["changed_seconds"] = _timed([*cli, "ingest-file", "--source", "canonical", str(changed)], env)
    result["python_pass_seconds"] = statistics.median(
        _timed([sys.executable, "-c", "pass"], env) for _ in range(5)
    )
    result["startup"] = _startup(env, None)
    if old:
        result["startup_old"] = _startup(env, old)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
