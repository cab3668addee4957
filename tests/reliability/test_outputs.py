"""`export --out` and `chart --out` never write over the warehouse or into the raw archive, and always write
a whole file (issue 26, item 10): `export --out data/tradeflow.db` replaced the SQLite warehouse with a
248-byte CSV, and did the same through a symlink."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from pathlib import Path

import pytest

from cli.outfile import OutputRefused, write_output
from flows.settings import Settings
from tests.helpers import empty_config, load, row, run_cli
from warehouse.engine import create_warehouse_engine
from warehouse.migrate import upgrade


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "data" / "tradeflow.db"
    path.parent.mkdir()
    engine = create_warehouse_engine(f"sqlite:///{path}")
    upgrade(engine)
    march = dt.date(2026, 3, 1)
    load(engine, "kr_customs", march, [row("kr_customs", "KOR", "CHN", "export", "TOTAL", march, 1e9)], "kr")
    engine.dispose()
    (path.parent / "raw" / "kr_customs" / "2026-03").mkdir(parents=True)
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_no_output_lands_on_the_warehouse_or_in_the_archive(warehouse: Path, tmp_path: Path) -> None:
    env = {
        "TRADEFLOW_DATABASE_URL": f"sqlite:///{warehouse}",
        "TRADEFLOW_DATA_DIR": str(warehouse.parent),
        "TRADEFLOW_CONFIG": empty_config(tmp_path),
    }
    (tmp_path / "link.csv").symlink_to(warehouse)
    (tmp_path / "hard.csv").hardlink_to(warehouse)
    before = _digest(warehouse)
    targets = {
        str(warehouse): "is the warehouse itself",
        str(tmp_path / "link.csv"): "is the warehouse itself",
        str(tmp_path / "hard.csv"): "is the warehouse itself",
        f"{warehouse}-wal": "is the warehouse itself",
        str(warehouse.parent / "raw" / "kr_customs" / "2026-03" / "x.csv"): "is inside the raw archive",
        str(warehouse.parent / "raw"): "is inside the raw archive",
    }
    for out, says in targets.items():
        done = run_cli(env, "export", "--view", "trade_flow", "--format", "csv", "--out", out)
        assert done.returncode == 2 and says in done.stderr and done.stderr.count("\n") == 1, (
            out,
            done.stderr,
        )
    chart = run_cli(env, "chart", "--source", "kr_customs", "--reporter", "KOR", "--partner", "CHN",
                    "--flow", "export", "--out", str(tmp_path / "link.csv"))  # fmt: skip
    assert chart.returncode == 2 and "is the warehouse itself" in chart.stderr, chart.stderr
    assert _digest(warehouse) == before
    with sqlite3.connect(warehouse) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT count(*) FROM trade_flow").fetchone() == (1,)
    assert not list((warehouse.parent / "raw").rglob("*.csv"))
    fine = run_cli(
        env, "export", "--view", "trade_flow", "--format", "csv", "--out", str(tmp_path / "ok.csv")
    )
    assert fine.returncode == 0 and (tmp_path / "ok.csv").read_text().count("\n") == 2, fine.stderr


def test_an_output_stopped_half_way_leaves_the_old_file_whole(tmp_path: Path) -> None:
    out = tmp_path / "figures.csv"
    out.write_text("the previous export\n")
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'w.db'}", data_dir=tmp_path / "data")

    def half_then_fail(path: Path) -> None:
        path.write_text("half of the new")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        write_output(out, settings, half_then_fail)
    assert out.read_text() == "the previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figures.csv"]
    write_output(out, settings, lambda path: path.write_text("the new export\n"))
    assert out.read_text() == "the new export\n"
    with pytest.raises(OutputRefused, match="is a folder"):
        write_output(tmp_path, settings, lambda path: path.write_text("x"))


@pytest.mark.parametrize(
    ("out", "fmt", "written", "says"),
    [
        ("kor.parquet", None, "parquet", ""),
        ("kor.JSON", None, "json", ""),
        ("kor.csv", "csv", "csv", ""),
        ("kor.txt", "json", "json", ""),  # an extension that says nothing: the format asked for
        ("kor.parquet", "csv", None, "kor.parquet ends in .parquet but --format is csv"),
        ("kor.data", None, None, "say --format csv, parquet or json"),
    ],
)
def test_an_export_is_written_in_the_format_its_name_says(
    warehouse: Path, tmp_path: Path, out: str, fmt: str | None, written: str | None, says: str
) -> None:
    """`--out x.parquet` without `--format` silently wrote CSV into it."""
    import pandas as pd

    env = {
        "TRADEFLOW_DATABASE_URL": f"sqlite:///{warehouse}",
        "TRADEFLOW_DATA_DIR": str(warehouse.parent),
        "TRADEFLOW_CONFIG": empty_config(tmp_path),
    }
    path = tmp_path / out
    done = run_cli(
        env, "export", "--view", "trade_flow", "--out", str(path), *(["--format", fmt] if fmt else [])
    )
    if written is None:
        assert done.returncode == 2 and says in done.stderr and not path.exists(), done.stderr
        return
    assert done.returncode == 0, done.stderr
    read = {"parquet": pd.read_parquet, "json": pd.read_json, "csv": pd.read_csv}[written]
    assert len(read(path)) == 1 and f"({written})" in done.stdout
