"""Warehouse integration tests: every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Connection, Engine, inspect, text

from cli.local import ingest_file
from tests.helpers import canonical_frame, count, empty_config, release_info, snapshot, table_rows
from transforms.canonical import format_canonical, parse_canonical_csv
from transforms.schema import SchemaError
from warehouse.engine import create_warehouse_engine
from warehouse.key import TRADE_FLOW_KEY
from warehouse.migrate import current_revision, head_revision, upgrade
from warehouse.upsert import upsert_release

TABLES = {"trade_flow", "trade_flow_revision", "release", "ingest_status"}


def _write_csv(path: Path, frame: pd.DataFrame) -> Path:
    from transforms.schema import validate_canonical

    path.write_text(format_canonical(validate_canonical(frame), "csv"), encoding="utf-8")
    return path


def test_migrations_from_empty_and_twice_is_a_noop(db_url: str) -> None:
    engine = create_warehouse_engine(db_url)
    assert current_revision(engine) is None
    before, after = upgrade(engine)
    assert (before, after) == (None, head_revision())
    assert set(inspect(engine).get_table_names()) >= TABLES
    assert upgrade(engine) == (head_revision(), head_revision())
    assert set(inspect(engine).get_table_names()) >= TABLES
    engine.dispose()


def test_same_file_twice_writes_nothing_the_second_time(engine: Engine, tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "release.csv", canonical_frame(1000))
    first = ingest_file(engine, tmp_path / "data", "canonical", path).result
    assert (first.state, first.inserted, first.revised) == ("loaded", 1000, 0)
    before = snapshot(engine)

    second = ingest_file(engine, tmp_path / "data", "canonical", path).result
    assert (second.state, second.inserted, second.revised) == ("unchanged", 0, 0)
    after = snapshot(engine)
    assert after["trade_flow"] == before["trade_flow"]
    assert after["release"] == before["release"]
    assert after["trade_flow_revision"] == []
    (status,) = after["ingest_status"]
    assert status["state"] == "unchanged"
    assert status["last_changed"] == before["ingest_status"][0]["last_changed"]


def test_three_changed_values_make_exactly_three_revisions(engine: Engine, tmp_path: Path) -> None:
    frame = canonical_frame(1000)
    path = _write_csv(tmp_path / "release.csv", frame)
    ingest_file(engine, tmp_path / "data", "canonical", path)
    before = {r["id"]: r for r in table_rows(engine, "trade_flow")}

    changed = frame.copy()
    for i in (5, 500, 999):
        changed.loc[i, "value"] = changed.loc[i, "value"] + 1234.5
    path = _write_csv(tmp_path / "release.csv", changed)
    result = ingest_file(engine, tmp_path / "data", "canonical", path).result
    assert (result.state, result.inserted, result.revised) == ("loaded", 0, 3)

    revisions = table_rows(engine, "trade_flow_revision")
    assert len(revisions) == 3
    after = {r["id"]: r for r in table_rows(engine, "trade_flow")}
    moved = {i for i in after if after[i]["updated_at"] != before[i]["updated_at"]}
    assert moved == {r["trade_flow_id"] for r in revisions}
    for rev in revisions:
        row_before, row_after = before[rev["trade_flow_id"]], after[rev["trade_flow_id"]]
        assert rev["old_value"] == row_before["value"]
        assert rev["new_value"] == row_before["value"] + 1234.5 == row_after["value"]
        assert row_after["first_value"] == row_before["value"]
        assert row_after["first_release_id"] == row_before["release_id"]
        assert row_after["release_id"] == result.release_id == rev["release_id"]
        assert rev["old_release_id"] == row_before["release_id"]
    assert len(after) == 1000


@pytest.mark.parametrize(
    ("column", "bad"),
    [
        ("flow", "sideways"),
        ("currency", "XYZ"),
        ("value", "12,3x"),
        ("period_months", "13"),
        ("commodity_code", "85A2"),
        ("partner", "korea"),
        # Text PostgreSQL would refuse mid-load (and SQLite store): refused by the contract on both.
        ("quantity_unit", "u" * 50),
        ("partner", "kr_customs:" + "Q" * 60),
        ("commodity_code", "8" * 81),
        ("partner", "kr_customs:Q\x00Q"),
    ],
)
def test_a_violation_writes_nothing(engine: Engine, tmp_path: Path, column: str, bad: str) -> None:
    ingest_file(engine, tmp_path / "data", "canonical", _write_csv(tmp_path / "ok.csv", canonical_frame(20)))
    before = snapshot(engine)
    frame = canonical_frame(20, seed=1).astype({column: object})
    text = format_canonical(frame, "csv").splitlines()
    header = text[0].split(",")
    cells = text[7].split(",")
    cells[header.index(column)] = f'"{bad}"' if "," in bad else bad
    text[7] = ",".join(cells)
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    with pytest.raises(SchemaError) as err:
        ingest_file(engine, tmp_path / "data", "canonical", path)
    assert column in str(err.value)
    assert snapshot(engine) == before


def test_a_nul_in_a_name_is_dropped_and_the_figure_stored(engine: Engine) -> None:
    """Comtrade has sent a `cmdDesc` holding U+0000, which PostgreSQL text cannot store."""
    frame = canonical_frame(5)
    frame.loc[2, "commodity_name"] = "Electronic\x00 integrated circuits"
    result = upsert_release(engine, frame, release_info(b"nul"))
    assert result.inserted == 5
    names = {r["commodity_name"] for r in table_rows(engine, "trade_flow")}
    assert "Electronic integrated circuits" in names and not any("\x00" in n for n in names)


def test_duplicate_key_is_rejected_with_the_key_named(engine: Engine) -> None:
    frame = canonical_frame(10)
    frame = pd.concat([frame, frame.iloc[[3]]], ignore_index=True)
    with pytest.raises(SchemaError) as err:
        upsert_release(engine, frame, release_info(b"dup"))
    message = str(err.value)
    assert "more than once" in message and f"commodity_code={frame.iloc[3]['commodity_code']}" in message
    assert count(engine, "trade_flow") == count(engine, "release") == count(engine, "ingest_status") == 0


def test_failure_inside_the_transaction_leaves_the_database_as_before(engine: Engine) -> None:
    upsert_release(engine, canonical_frame(200), release_info(b"one"))
    before = snapshot(engine)
    changed = canonical_frame(300, seed=5)  # 200 revised + 100 new

    def explode(_conn: Connection) -> None:
        raise RuntimeError("injected failure after every write of the release")

    with pytest.raises(RuntimeError, match="injected"):
        upsert_release(engine, changed, release_info(b"two"), before_commit=explode)
    assert snapshot(engine) == before
    result = upsert_release(engine, changed, release_info(b"two"))
    assert (result.inserted, result.revised) == (100, 200)


def test_parse_and_ingest_file_round_trip_through_the_cli(tmp_path: Path, db_url: str) -> None:
    frame = canonical_frame(25)
    frame.loc[0, "commodity_code"] = "010121"  # leading zero must survive
    frame.loc[1, ["quantity", "quantity_unit"]] = [3.0, "kg"]  # an empty unit elsewhere: NULL, not ""
    source = _write_csv(tmp_path / "in.csv", frame)
    env = {
        "TRADEFLOW_DATABASE_URL": db_url,
        "TRADEFLOW_DATA_DIR": str(tmp_path / "data"),
        "TRADEFLOW_CONFIG": empty_config(tmp_path),
        "PATH": "/usr/bin:/bin",
    }
    cli = [sys.executable, "-m", "flows"]
    parsed = subprocess.run(
        [*cli, "parse", "--source", "canonical", str(source)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert parsed.stdout == source.read_text(encoding="utf-8")
    loaded = subprocess.run(
        [*cli, "ingest-file", "--source", "canonical", str(source)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert "loaded" in loaded.stdout and "25 new" in loaded.stdout
    engine = create_warehouse_engine(db_url)
    rows = table_rows(engine, "trade_flow")
    assert len(rows) == 25 and rows[0]["commodity_code"] == "010121"
    units = [r["quantity_unit"] for r in rows]
    assert units.count(None) == 24 and units.count("kg") == 1
    (release,) = table_rows(engine, "release")
    import hashlib

    assert release["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    assert Path(str(release["raw_path"])).read_bytes() == source.read_bytes()
    engine.dispose()


def test_empty_cells_of_a_canonical_file_mean_no_unit_and_not_provisional() -> None:
    header = ",".join(canonical_frame(1).columns)
    data = f"{header}\nt,KOR,CHN,export,HS,8542,,2026-09-01,1,12.5,USD,FOB,,,,\n".encode()
    frame = parse_canonical_csv(data, "inline")
    assert pd.isna(frame.loc[0, "quantity_unit"])  # not ""
    assert frame["provisional"].tolist() == [False]


def test_each_figure_keeps_its_own_month_through_both_load_paths(engine: Engine) -> None:
    """Months are converted once per distinct month for the driver: each row must get its own back."""

    def months(frame: pd.DataFrame, start: int) -> pd.DataFrame:
        frame["period"] = [dt.date(2026, 1 + (start + i) % 5, 1) for i in range(len(frame))]
        return frame

    first = months(canonical_frame(40), 0)
    upsert_release(engine, first, release_info(b"a"))  # straight into trade_flow
    more = months(canonical_frame(60, seed=1), 2)  # other months for the same lines: new figures, staged
    upsert_release(engine, more, release_info(b"b"))
    stored = {
        (r["partner"], r["flow"], r["commodity_code"], str(r["period"])[:10], r["value"])
        for r in table_rows(engine, "trade_flow")
    }
    expected = {
        (r.partner, r.flow, r.commodity_code, r.period.isoformat(), r.value)
        for frame in (first, more)
        for r in frame.itertuples()
    }
    assert stored == expected


def test_every_reference_holds_after_loads(engine: Engine) -> None:
    """PostgreSQL has no foreign keys on the bulk tables (migration 0003): the upsert keeps them true."""
    upsert_release(engine, canonical_frame(300), release_info(b"a"))  # first load: straight into trade_flow
    upsert_release(engine, canonical_frame(500, seed=2), release_info(b"b"))  # staged: 300 revised, 200 new
    upsert_release(engine, canonical_frame(50, source="other"), release_info(b"c", source="other"))
    release_ids = {r["id"] for r in table_rows(engine, "release")}
    flows = table_rows(engine, "trade_flow")
    assert len(flows) == 550
    assert {f["release_id"] for f in flows} | {f["first_release_id"] for f in flows} <= release_ids
    flow_ids = {f["id"] for f in flows}
    revisions = table_rows(engine, "trade_flow_revision")
    assert len(revisions) == 300
    assert {r["trade_flow_id"] for r in revisions} <= flow_ids
    assert {r["release_id"] for r in revisions} | {r["old_release_id"] for r in revisions} <= release_ids
    statuses = table_rows(engine, "ingest_status", order="source, scope, period")
    assert {s["release_id"] for s in statuses} <= release_ids


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    from warehouse.models import IngestStatus, Release, TradeFlow, TradeFlowRevision

    inspector = inspect(engine)
    for model in (Release, TradeFlow, TradeFlowRevision, IngestStatus):
        table = model.__table__  # type: ignore[attr-defined]
        assert {c["name"] for c in inspector.get_columns(table.name)} == {c.name for c in table.columns}, (
            table.name
        )
    uniques = inspector.get_unique_constraints("trade_flow")
    assert [u["column_names"] for u in uniques if u["name"] == "uq_trade_flow_key"] == [list(TRADE_FLOW_KEY)]


def test_figures_without_a_fingerprint_get_one_and_no_revision(engine: Engine) -> None:
    """Figures stored before fingerprints existed (migration 0004) are matched by key on the next load:
    unchanged ones get their fingerprint and no revision, a changed one exactly one revision."""
    frame = canonical_frame(500)
    changed = frame.copy()
    changed.loc[7, "value"] += 1
    upsert_release(engine, frame, release_info(b"v1"))
    for version, rows, forget, expected in (
        (b"v2", frame, "", ("unchanged", 0, 0, 0)),
        (b"v3", changed, " WHERE id % 2 = 0", ("loaded", 0, 1, 1)),
    ):
        with engine.begin() as conn:
            conn.execute(text("UPDATE trade_flow SET row_hash = NULL" + forget))
        result = upsert_release(engine, rows, release_info(version))
        assert (
            result.state,
            result.inserted,
            result.revised,
            count(engine, "trade_flow_revision"),
        ) == expected
        with engine.connect() as conn:
            assert (
                conn.execute(text("SELECT count(*) FROM trade_flow WHERE row_hash IS NULL")).scalar_one() == 0
            )


def test_first_load_goes_in_in_key_order(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """A first load goes in in the unique index's order (ids follow the key); PostgreSQL then refreshes
    the planner's statistics. The rows are the same either way."""
    from warehouse import upsert

    monkeypatch.setattr(upsert, "ANALYZE_AFTER_ROWS", 100)
    frame = canonical_frame(600).sample(frac=1, random_state=3)  # shuffled
    upsert_release(engine, frame, release_info(b"v1"))
    key = ", ".join(TRADE_FLOW_KEY)
    with engine.connect() as conn:
        ids = conn.execute(text(f"SELECT id FROM trade_flow ORDER BY {key}")).scalars().all()
        if engine.dialect.name == "postgresql":
            analyzed = conn.execute(text("SELECT reltuples FROM pg_class WHERE oid = 'trade_flow'::regclass"))
            assert analyzed.scalar_one() == 600  # -1 until a table has been analysed
    assert len(ids) == 600 and ids == sorted(ids)
    stored = pd.DataFrame(table_rows(engine, "trade_flow"))
    assert sorted(stored["commodity_code"] + stored["partner"] + stored["flow"]) == sorted(
        frame["commodity_code"] + frame["partner"] + frame["flow"]
    )


@pytest.mark.parametrize("distinct", [5, 300], ids=["one-integer-key", "column-sort"])
def test_key_order_is_the_unique_index_order(distinct: int) -> None:
    import numpy as np

    from warehouse.bulk import key_order

    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            name: rng.integers(0, distinct, 2000).astype(str)
            if name != "period_months"
            else rng.integers(1, 13, 2000)
            for name in TRADE_FLOW_KEY
        }
    )
    expected = frame.sort_values(list(TRADE_FLOW_KEY), kind="stable").index.to_numpy()
    assert (key_order(frame) == expected).all()


@pytest.mark.postgres
def test_a_failed_analyze_after_a_bulk_load_does_not_fail_the_load(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The statistics refresh runs after the commit: if the server refuses it, the load stands."""
    from warehouse import upsert

    engine = create_warehouse_engine(postgres_url)
    upgrade(engine)
    monkeypatch.setattr(upsert, "ANALYZE_AFTER_ROWS", 10)
    monkeypatch.setattr(upsert, "ANALYZE_SQL", "ANALYZE no_such_table")  # a real server error
    result = upsert_release(engine, canonical_frame(50), release_info(b"v1"))
    assert (result.state, result.inserted) == ("loaded", 50)
    assert count(engine, "trade_flow") == 50
    assert "no_such_table" in caplog.text
    engine.dispose()
