"""With a canary key configured for every source, faults everywhere, and every surface searched: the keys
appear nowhere (CLI output and logs, exceptions, Prefect artifacts and logs, the database, the archive)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from demo.replay import ReplayServer
from tests.reliability.harness import assert_no_canary, database_dump
from warehouse.engine import create_warehouse_engine

pytestmark = pytest.mark.prefect


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flows", "-v", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=600,
    )


async def _prefect_text(api: str) -> str:
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api}):
        async with get_client() as client:
            artifacts = await client.read_artifacts()
            logs = await client.read_logs()
            runs = await client.read_flow_runs()
            tasks = await client.read_task_runs()
    parts = [repr(a.data) + repr(a.description) for a in artifacts]
    parts += [log.message for log in logs]
    parts += [repr(r.parameters) + repr(r.state.message if r.state else "") for r in runs]
    parts += [repr(t.state.message if t.state else "") for t in tasks]
    return "\n".join(parts)


def test_keys_never_leak(
    rel_env: dict[str, str], replay: ReplayServer, releases: Path, tmp_path: Path
) -> None:
    from tests.reliability.harness import CANARIES

    # A base URL with a password in it (a proxy's login), and a KCS error envelope that echoes the service
    # key (data.go.kr does, in some of them), answered with HTTP 200: both reached the archive, the
    # database, `sources`, the logs and ingest_status before 2026-12.
    rel_env = dict(rel_env)
    base = rel_env["TRADEFLOW_CN_CUSTOMS_BASE_URL"]
    rel_env["TRADEFLOW_CN_CUSTOMS_BASE_URL"] = base.replace("http://", "http://scraper:CANARY-pw%2F9@", 1)
    (releases / "kr_customs" / "nitemtrade_8542_CN_202610.xml").write_text(
        "<OpenAPI_ServiceResponse><cmmMsgHeader><errMsg>SERVICE ERROR</errMsg><returnAuthMsg>"
        f"SERVICE_KEY_IS_NOT_REGISTERED_ERROR ({CANARIES['TRADEFLOW_KR_CUSTOMS_SERVICE_KEY']})"
        "</returnAuthMsg><returnReasonCode>30</returnReasonCode></cmmMsgHeader></OpenAPI_ServiceResponse>",
        encoding="utf-8",
    )
    replay.faults.update(
        {
            "strtYymm=202609": ["status:403"],  # the error page echoes the request, key included
            "strtYymm=202608": ["status:429:0", "reset"],  # retried, then loaded
            "period=202609": ["truncate", "status:500"],  # retried, then loaded
            "period=202610": ["html"],  # fails: an HTML page
            "time=2026-09": ["status:401", "status:401"],  # Census refuses the key
            "demo-table4-usd-2026-10": ["cut"],  # fails: truncated HTML
        }
    )
    outputs = []
    for args in (
        ("sources",),
        ("backfill", "--start", "2026-08", "--end", "2026-10"),
        ("status",),
        ("status", "--format", "json"),
        ("nightly", "--as-of", "2026-11-30"),
        ("backfill", "--offline", "--start", "2026-08", "--end", "2026-10"),
    ):
        result = _cli(rel_env, *args)
        outputs.append(result.stdout + result.stderr)
    everything = "\n".join(outputs)
    from urllib.parse import quote_plus

    # The keys did go where each publisher wants them (so finding them nowhere else means something).
    for name in ("TRADEFLOW_KR_CUSTOMS_SERVICE_KEY", "TRADEFLOW_US_CENSUS_API_KEY"):
        assert any(quote_plus(CANARIES[name]) in r for r in replay.requests), name
    assert any("/data/v1/get/" in r for r in replay.requests)  # Comtrade's keyed endpoint, key in a header
    assert "HTTP 403" in everything and "HTTP 401" in everything and "an HTML page" in everything
    assert "serviceKey=***" in everything  # the URLs are there, with the key masked
    assert "https://***@" in everything or "http://***@" in everything  # `sources`: the base URL, masked
    assert "SERVICE_KEY_IS_NOT_REGISTERED_ERROR" in everything  # the echoing envelope was read (masked)
    assert_no_canary(everything, "the CLI's output and logs")

    engine = create_warehouse_engine(rel_env["TRADEFLOW_DATABASE_URL"])
    assert_no_canary(database_dump(engine), "the database")
    engine.dispose()

    data = Path(rel_env["TRADEFLOW_DATA_DIR"])
    files = [p for p in data.rglob("*") if p.is_file()]
    assert files
    for path in files:
        assert_no_canary(str(path.relative_to(data)), "an archived file name")
        assert_no_canary(path.read_bytes().decode("utf-8", "replace"), f"the archived file {path.name}")

    assert_no_canary(
        asyncio.run(_prefect_text(rel_env["PREFECT_API_URL"])), "Prefect artifacts, logs or states"
    )
