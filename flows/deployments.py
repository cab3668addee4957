"""The Prefect deployments: `nightly` on a cron schedule with a timezone, and `backfill` on demand.

`tradeflow serve` (or `python deploy/serve.py`) serves both to the Prefect server in PREFECT_API_URL;
`deploy/prefect.yaml` describes the same deployments for `prefect deploy --all` on a work pool.
"""

from __future__ import annotations

from typing import Any

from prefect.schedules import Cron

from flows.prefect_flows import backfill, nightly
from flows.settings import Settings


def build_deployments(settings: Settings) -> list[Any]:
    nightly_deployment = nightly.to_deployment(
        name="nightly",
        schedules=[Cron(settings.nightly_cron, timezone=settings.nightly_timezone)],
        description="Checks every enabled source for the releases that are due and loads what changed.",
        tags=["tradeflow"],
    )
    backfill_deployment = backfill.to_deployment(
        name="backfill",
        description="Loads a range of months: Run > Custom run, then fill in the form.",
        tags=["tradeflow"],
    )
    return [nightly_deployment, backfill_deployment]


def serve_deployments(settings: Settings) -> None:
    from prefect import serve

    serve(*build_deployments(settings))
