"""Small builders shared by tests."""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, text

from transforms.schema import CANONICAL_COLUMNS
from warehouse.connections import utcnow
from warehouse.upsert import ReleaseInfo, upsert_release


def canonical_frame(n: int, *, source: str = "test_src", seed: int = 0) -> pd.DataFrame:
    """n distinct canonical rows (HS6 codes x partners x months), deterministic."""
    partners = ["CHN", "USA", "JPN", "DEU", "VNM"]
    rows = []
    for i in range(n):
        rows.append(
            {
                "source": source,
                "reporter": "KOR",
                "partner": partners[i % len(partners)],
                "flow": "export" if (i // len(partners)) % 2 == 0 else "import",
                "commodity_system": "HS",
                "commodity_code": f"{850000 + (i // 10):06d}",
                "commodity_name": f"item {i // 10}",
                "period": dt.date(2026, 1, 1),
                "period_months": 1,
                "value": float(1000 + i * 7 + seed),
                "currency": "USD",
                "valuation": "FOB",
                "net_weight_kg": float(i),
                "quantity": None,
                "quantity_unit": None,
                "provisional": False,
            }
        )
    frame = pd.DataFrame(rows)
    assert not frame.duplicated(subset=["partner", "flow", "commodity_code"]).any()
    return frame


def release_info(
    content: bytes,
    *,
    scope: str = "file:test.csv",
    period: dt.date = dt.date(2026, 1, 1),
    source: str = "canonical",
) -> ReleaseInfo:
    return ReleaseInfo(
        source=source,
        scope=scope,
        period=period,
        url="file:///tmp/test.csv",
        sha256=hashlib.sha256(content).hexdigest(),
        bytes=len(content),
        fetched_at=utcnow(),
    )


def table_rows(engine: Engine, table: str, order: str = "id") -> list[dict[str, object]]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text(f"SELECT * FROM {table} ORDER BY {order}"))]


def count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def snapshot(engine: Engine) -> dict[str, list[dict[str, object]]]:
    """Every row of every tradeflow table: for asserting "exactly as before"."""
    return {
        "release": table_rows(engine, "release"),
        "trade_flow": table_rows(engine, "trade_flow"),
        "trade_flow_revision": table_rows(engine, "trade_flow_revision"),
        "ingest_status": table_rows(engine, "ingest_status", order="source, scope, period"),
    }


def backfills_at_once(env: dict[str, str], *arguments: list[str]) -> list[subprocess.CompletedProcess[str]]:
    """`tradeflow backfill` in one process per argument list, all started together; their results."""
    results: list[subprocess.CompletedProcess[str] | None] = [None] * len(arguments)

    def run(index: int) -> None:
        results[index] = subprocess.run(
            [sys.executable, "-m", "flows", "backfill", *arguments[index]],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(arguments))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [r for r in results if r is not None]


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`tradeflow <args>` in a subprocess with `env` over the environment; its output as text."""
    import os

    return subprocess.run(
        [sys.executable, "-m", "flows", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def empty_config(folder: Path) -> str:
    """A tradeflow.toml with nothing in it: every setting at its default (a missing file is an error)."""
    path = folder / "empty.toml"
    path.write_text("# every setting at its default\n", encoding="utf-8")
    return str(path)


def row(
    source: str,
    reporter: str,
    partner: str,
    flow: str,
    code: str,
    period: dt.date,
    value: float,
    currency: str = "USD",
    *,
    period_months: int = 1,
    provisional: bool = False,
    net_weight_kg: float | None = None,
    period_days: int = 0,
) -> dict[str, object]:
    return {
        "source": source,
        "reporter": reporter,
        "partner": partner,
        "flow": flow,
        "commodity_system": "TOTAL" if code == "TOTAL" else "HS",
        "commodity_code": code,
        "commodity_name": "",
        "period": period,
        "period_months": period_months,
        "period_days": period_days,
        "value": value,
        "currency": currency,
        "valuation": "FOB" if flow == "export" else "CIF",
        "net_weight_kg": net_weight_kg,
        "quantity": None,
        "quantity_unit": None,
        "provisional": provisional,
    }


def load(
    engine: Engine,
    source: str,
    period: dt.date,
    rows: list[dict[str, object]],
    tag: str,
    published_at: dt.datetime | None = None,
) -> int:
    frame = pd.DataFrame(rows, columns=list(CANONICAL_COLUMNS))
    info = ReleaseInfo(
        source=source,
        scope="test",
        period=period,
        url=f"https://example.invalid/{tag}",
        sha256=tag.ljust(64, "0"),
        bytes=1,
        fetched_at=utcnow(),
        published_at=published_at,
    )
    return upsert_release(engine, frame, info).release_id
