"""The Prefect deployments: `nightly` on a cron schedule with a timezone, `watch` every few minutes,
and `backfill` on demand.

`tradeflow serve` (or `python deploy/serve.py`) serves them to the Prefect server in PREFECT_API_URL;
`deploy/prefect.yaml` describes the same deployments for `prefect deploy --all` on a work pool. A third,
`backfill-month`, takes one source and month: a backfill run from a deployment fans out to it.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from prefect.schedules import Cron, Interval

from flows.prefect_flows import backfill, backfill_month, nightly
from flows.scaling import ensure_source_limits
from flows.settings import Settings
from flows.watch import watch


def schedule_in_words(cron: str, timezone: str) -> str:
    """The schedule with its timezone, for the deployment's description: as of prefect 3.9 the UI shows a
    cron schedule as "At 02:30 AM" with no timezone, and "Next run" in the browser's time."""
    fields = cron.split()
    if len(fields) == 5 and fields[0].isdigit() and fields[1].isdigit() and fields[2:] == ["*", "*", "*"]:
        return f"Every day at {int(fields[1]):02d}:{int(fields[0]):02d}, {timezone} time"
    return f"On the schedule `{cron}`, {timezone} time"


def build_deployments(settings: Settings) -> list[Any]:
    nightly_deployment = nightly.to_deployment(
        name="nightly",
        # The slug is what the deployment page shows for the schedule (as of prefect 3.9, in place of
        # "At 02:30 AM every day", which has no timezone): the schedule in words, with its timezone.
        schedules=[
            Cron(
                settings.nightly_cron,
                timezone=settings.nightly_timezone,
                slug=schedule_in_words(settings.nightly_cron, settings.nightly_timezone),
            )
        ],
        description=f"{schedule_in_words(settings.nightly_cron, settings.nightly_timezone)}: checks every enabled "
        "source for the releases that are due and loads what changed.",
        tags=["tradeflow"],
    )
    backfill_deployment = backfill.to_deployment(
        name="backfill",
        description="Loads a range of months: Run > Custom run, then fill in the form.",
        tags=["tradeflow"],
    )
    month_deployment = backfill_month.to_deployment(
        name="backfill-month",
        description="One source and month of a backfill; backfills started from a deployment fan out to it.",
        tags=["tradeflow"],
    )
    watch_deployment = watch.to_deployment(
        name="watch",
        schedules=[
            # anchored on the hour: runs fall at the publishers' round release times (09:00, 08:30, ...)
            Interval(
                settings.watch_interval_min * 60,
                anchor_date=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                slug=watch_in_words(settings.watch_interval_min),
            )
        ],
        description=f"{watch_in_words(settings.watch_interval_min)}: probes each enabled source whose release "
        "is due (inside its release window, and no call outside it) and loads a release the moment it is out.",
        tags=["tradeflow"],
    )
    return [nightly_deployment, backfill_deployment, month_deployment, watch_deployment]


def watch_in_words(minutes: int) -> str:
    return f"Every {minutes} minutes"


def forget_other_schedules(deployment_name: str, keep: list[str]) -> list[str]:
    """Delete the deployment's schedules whose label is not one of `keep`; returns the ones deleted.

    Prefect keeps a labelled schedule per label (slug) when a deployment is updated: after the nightly's
    cron or timezone changes, the schedule under the old label would stay and the nightly run twice."""
    from prefect import get_client
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            deployment = client.read_deployment_by_name(deployment_name)
        except ObjectNotFound:
            return []
        stale = [s for s in deployment.schedules if s.slug not in keep]
        for schedule in stale:
            client.delete_deployment_schedule(deployment.id, schedule.id)
    return [str(s.slug) for s in stale]


# How often `tradeflow serve` asks the server for runs to start. Prefect's default (10 s) left a run
# submitted from the UI waiting 5 s on average before it began; PREFECT_RUNNER_POLL_FREQUENCY, when set,
# still decides.
SERVE_POLL_S = 2.0


def serve_deployments(settings: Settings) -> None:
    from prefect import serve

    ensure_source_limits(settings)
    forget_other_schedules(
        "nightly/nightly", [schedule_in_words(settings.nightly_cron, settings.nightly_timezone)]
    )
    forget_other_schedules("watch/watch", [watch_in_words(settings.watch_interval_min)])
    poll = None if "PREFECT_RUNNER_POLL_FREQUENCY" in os.environ else SERVE_POLL_S
    serve(*build_deployments(settings), query_seconds=poll)
