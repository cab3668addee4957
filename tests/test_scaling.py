"""Scaling out: the Dask task runner, writers in several processes at once, per-source fetch limits.

(Two real `prefect worker start` processes sharing a backfill are in tests/test_deployment.py, beside
the real Prefect server they need.)
"""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from demo.replay import ReplayServer
from flows.runtime import reset_runtime
from flows.settings import get_settings
from tests.helpers import backfills_at_once, canonical_frame, count, release_info, table_rows
from transforms.schema import CANONICAL_COLUMNS
from warehouse.engine import create_warehouse_engine
from warehouse.migrate import upgrade
from warehouse.upsert import upsert_release

TABLES = ("trade_flow_revision", "trade_flow", "ingest_status", "release")
FIGURE = (*CANONICAL_COLUMNS, "first_value")


def warehouse_content(engine: Engine) -> dict[str, Any]:
    """What a downstream user sees, without surrogate ids and clock times."""
    figures = sorted(tuple(str(r[c]) for c in FIGURE) for r in table_rows(engine, "trade_flow"))
    releases = sorted(
        (str(r["source"]), str(r["scope"]), str(r["period"]), str(r["sha256"]), int(str(r["rows"])))
        for r in table_rows(engine, "release")
    )
    cells = sorted(
        (str(r["source"]), str(r["scope"]), str(r["period"]), str(r["state"]), int(str(r["rows"])))
        for r in table_rows(engine, "ingest_status", order="source, scope, period")
    )
    return {"figures": figures, "releases": releases, "cells": cells}


def wipe(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in TABLES:
            conn.execute(text(f"DELETE FROM {table}"))


@pytest.mark.prefect
def test_dask_runner_loads_exactly_what_the_thread_runner_loads(
    flow_env: dict[str, str], replay: ReplayServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.prefect_flows import backfill
    from flows.scaling import build_task_runner

    engine = create_warehouse_engine(flow_env["TRADEFLOW_DATABASE_URL"])
    upgrade(engine)
    contents = {}
    runners = {}
    for kind in ("thread", "dask"):
        monkeypatch.setenv("TRADEFLOW_TASK_RUNNER", kind)
        monkeypatch.setenv("TRADEFLOW_DASK_WORKERS", "2")
        reset_runtime()
        wipe(engine)
        runner = build_task_runner(get_settings())
        runners[kind] = type(runner).__name__
        state = backfill.with_options(task_runner=runner)(
            start_month="2026-08", end_month="2026-10", return_state=True
        )
        assert state.is_completed(), state
        outcomes = state.result()
        assert {o.state for o in outcomes} <= {"loaded", "not_published"}, [o.line() for o in outcomes]
        contents[kind] = warehouse_content(engine)
    assert runners == {"thread": "ThreadPoolTaskRunner", "dask": "DaskTaskRunner"}
    assert len(contents["thread"]["figures"]) > 0
    assert contents["dask"] == contents["thread"]
    engine.dispose()


def _load_in_process(url: str, worker: int, barrier: Any, results: Any) -> None:
    """One writer process: three overlapping releases of the same source, started at the same moment."""
    engine = create_warehouse_engine(url)
    base = canonical_frame(2_000, source="parallel")
    inserted = revised = 0
    barrier.wait(timeout=60)
    for step in range(3):
        frame = base.copy()
        # Every release holds every figure; each writer and step moves its own slice of values.
        moved = (frame.index % 4 == worker) & (frame.index % 3 == step)
        frame.loc[moved, "value"] = frame.loc[moved, "value"] + 1 + worker * 10 + step
        content = f"worker {worker} step {step}".encode()
        result = upsert_release(
            engine, frame, release_info(content, scope=f"w{worker}:s{step}", source="parallel")
        )
        inserted += result.inserted
        revised += result.revised
    results.put((worker, inserted, revised))
    engine.dispose()


def test_parallel_overlapping_upserts_lose_and_duplicate_nothing(db_url: str) -> None:
    engine = create_warehouse_engine(db_url)
    upgrade(engine)
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(4)
    results = context.Queue()
    workers = [context.Process(target=_load_in_process, args=(db_url, w, barrier, results)) for w in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=300)
        assert w.exitcode == 0
    totals = [results.get(timeout=5) for _ in workers]
    # The same 2,000 figures, once each: the four first loads raced and exactly one of them inserted.
    assert count(engine, "trade_flow") == 2_000
    with engine.connect() as conn:
        distinct = conn.execute(
            text(
                "SELECT count(*) FROM (SELECT DISTINCT source, reporter, partner, flow, commodity_system,"
                " commodity_code, period, period_months FROM trade_flow) k"
            )
        ).scalar_one()
    assert distinct == 2_000
    assert sum(t[1] for t in totals) == 2_000
    # Every change a writer reported is one revision row, and each figure's revisions form one unbroken
    # chain from its first value to its current value: nothing lost, nothing counted twice.
    revisions = table_rows(engine, "trade_flow_revision")
    assert len(revisions) == sum(t[2] for t in totals) > 0
    figures = {r["id"]: r for r in table_rows(engine, "trade_flow")}
    chains: dict[Any, list[dict[str, Any]]] = {}
    for r in revisions:
        chains.setdefault(r["trade_flow_id"], []).append(r)
    for figure_id, figure in figures.items():
        chain = chains.get(figure_id, [])
        values = [figure["first_value"], *(r["new_value"] for r in chain)]
        assert [r["old_value"] for r in chain] == values[:-1]
        assert values[-1] == figure["value"]
    assert len(table_rows(engine, "release")) == 12
    engine.dispose()


@pytest.mark.prefect
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the limit lives in Prefect, not the warehouse
def test_per_source_limit_holds_across_processes(
    flow_env: dict[str, str], releases: Path, prefect_server: str
) -> None:
    """Two backfills in two processes share one Prefect server: Comtrade (limit 1) never sees two calls at
    once, although each process would make several in parallel."""
    from prefect.client.orchestration import get_client

    from flows.scaling import ensure_source_limits, source_limit_name

    with ReplayServer(releases, latency_s=0.3) as slow:
        env = {
            **os.environ,
            **flow_env,
            **slow.base_urls(),
            "TRADEFLOW_SOURCE_CONCURRENCY": '{"un_comtrade": 1, "kr_customs": 2, "cn_customs": 1, "us_census": 2}',
        }
        os.environ["TRADEFLOW_SOURCE_CONCURRENCY"] = env["TRADEFLOW_SOURCE_CONCURRENCY"]
        try:
            sizes = ensure_source_limits(get_settings())
        finally:
            del os.environ["TRADEFLOW_SOURCE_CONCURRENCY"]
        assert sizes["un_comtrade"] == 1
        arguments = ["--start", "2026-08", "--end", "2026-10", "--source", "un_comtrade", "--force"]
        for result in backfills_at_once(env, arguments, arguments):
            assert result.returncode == 0, result.stderr[-3000:]
        assert slow.count("/C/M/HS") >= 6
        assert slow.max_in_flight("/C/M/HS") == 1
    with get_client(sync_client=True) as client:
        limit = client.read_global_concurrency_limit_by_name(source_limit_name("un_comtrade"))
        assert limit.limit == 1 and limit.active_slots == 0  # every slot was given back
        for source in sizes:  # the session's other flow tests run without limits
            client.delete_global_concurrency_limit_by_name(source_limit_name(source))


def _archive_in_process(data_dir: str, barrier: Any, rounds: int) -> None:
    import datetime as dt

    from extractors.base import Payload
    from flows.archive import archive_release

    barrier.wait(timeout=60)
    for i in range(rounds):
        payload = Payload("cn_customs", b"<html>same bytes</html>" * 1000, f"http://x/{i}", "html")
        archive_release(Path(data_dir) / str(i), "cn_customs", "table4:USD", dt.date(2026, 9, 1), [payload])


def test_processes_archiving_the_same_release_at_once_all_succeed(tmp_path: Path) -> None:
    """Two backfills on one disk archive the same release at the same moment (found by
    test_two_backfills_at_once under load: a shared temporary file name made one rename fail)."""
    from flows.archive import archived_fetches, read_manifest

    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(4)
    writers = [
        context.Process(target=_archive_in_process, args=(str(tmp_path), barrier, 200)) for _ in range(4)
    ]
    for w in writers:
        w.start()
    for w in writers:
        w.join(timeout=300)
    assert [w.exitcode for w in writers] == [0, 0, 0, 0]
    import datetime as dt

    for i in range(200):
        fetches = archived_fetches(
            tmp_path / str(i), ["cn_customs"], dt.date(2026, 9, 1), dt.date(2026, 9, 1)
        )
        assert len(fetches) == 4  # every process's fetch logged, each on a line of its own
        assert (
            read_manifest(fetches[0].manifest.path).payloads()[0].content == b"<html>same bytes</html>" * 1000
        )
    assert not list(tmp_path.rglob("*.part"))


def test_a_failed_archive_write_leaves_no_part_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A write that fails half-way (a full disk, an interrupt) removes its temporary file."""
    import datetime as dt

    from extractors.base import Payload
    from flows import archive

    def full_disk(self: Path, target: Path) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "replace", full_disk)
    payload = Payload("cn_customs", b"<html>bytes</html>", "http://x/1", "html")
    with pytest.raises(OSError, match="No space left"):
        archive.archive_release(tmp_path, "cn_customs", "table4:USD", dt.date(2026, 9, 1), [payload])
    assert not list(tmp_path.rglob("*.part"))
