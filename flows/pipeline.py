"""Entry points of the nightly and backfill runs used by the CLI.

The Prefect flows (issue 4) are not built yet: until they are, `tradeflow nightly` brings the warehouse
to the current schema and says so, and `tradeflow backfill` refuses with the same reason.
"""

from __future__ import annotations

import sys

from flows.settings import Settings
from warehouse.engine import create_warehouse_engine
from warehouse.migrate import upgrade


def run_nightly_cli(settings: Settings, sources: list[str] | None = None) -> int:
    engine = create_warehouse_engine(settings.database_url)
    before, after = upgrade(engine)
    state = "created" if before is None else ("upgraded" if before != after else "up to date")
    print(f"warehouse {state} at schema revision {after}")
    print(
        "the nightly flow is not built yet: load releases with `tradeflow ingest-file --source S FILE`",
        file=sys.stderr,
    )
    return 0


def run_backfill_cli(
    settings: Settings,
    *,
    start: str,
    end: str,
    sources: list[str] | None,
    force: bool,
    dry_run: bool,
    offline: bool,
) -> int:
    print(
        "the backfill flow is not built yet: load releases with `tradeflow ingest-file --source S FILE`",
        file=sys.stderr,
    )
    return 2
