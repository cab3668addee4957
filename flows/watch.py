"""The `watch` flow: every few minutes, probe each publisher whose release is due, and load it the
moment it is out (README "Fresh within minutes"). Outside every probe window it makes no call at all.

Two watch runs at once (a slow one overlapping the next) probe alike, but each release is fetched by one
of them: a run fetches only the releases it claims (`warehouse.claims`). The releases load through the
same task as the nightly's, so the per-source concurrency limits and events apply.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from prefect import flow, get_run_logger
from prefect.client.schemas.objects import State

from extractors import get_publisher
from extractors.base import ProbeResult, Probing, ReleaseMoment
from extractors.errors import TradeflowError
from flows import interrupt
from flows.artifacts import final_state
from flows.planning import Planned
from flows.releases import Outcome
from flows.runtime import Runtime, runtime
from flows.scaling import default_task_runner
from flows.schedule import grid_of, scopes_of
from flows.tasks import run_releases
from flows.watching import due_releases
from warehouse.claims import claim_fetch


def probe_release(rt: Runtime, source: str, moment: ReleaseMoment) -> ProbeResult:
    """The publisher's probe; a publisher without one, or a probe that fails, cannot tell (the release
    is then fetched, and a fetch that fails is recorded as any failed release is)."""
    publisher = get_publisher(source)
    if not isinstance(publisher, Probing):
        return ProbeResult(None, "no probe: fetching")
    try:
        return publisher.probe(rt.http, rt.settings.publisher(source), moment)
    except TradeflowError as exc:
        return ProbeResult(None, f"probe failed, fetching: {rt.redact(str(exc))}")


def plan_watch(
    rt: Runtime, now: dt.datetime, holder: str, log: Any, observed: dt.datetime | None = None
) -> list[Planned]:
    """Probe what is due at `now` and claim the releases found out (or that no probe can tell about).
    `observed`: the real moment of the probes, recorded as a release's publication time where the
    publisher states none (None for a rehearsal at another moment). `log`: the run's logger."""
    planned: list[Planned] = []
    for source in rt.settings.sources:
        settings = rt.settings.publisher(source)
        if settings.key_required and not settings.key():
            variable = f"TRADEFLOW_{source.upper()}_{str(settings.key_field).upper()}"
            log.warning("%s skipped: it needs a key (%s)", source, variable)
            continue
        calendar = get_publisher(source).calendar
        due = due_releases(
            calendar,
            scopes_of(rt.settings, source),
            grid_of(rt, source),
            now,
            rt.settings.watch_probe_minutes,
            settings.first,
        )
        for item in due:
            moment = item.moment
            found = probe_release(rt, source, moment)
            state = {True: "out", False: "not out yet", None: "cannot tell"}[found.published]
            log.info("%s %s: %s (%s)", source, moment.label(), state, found.detail)
            if found.published is False:
                continue
            for scope in item.scopes:
                if not claim_fetch(
                    rt.engine, source, scope, moment.period, since=moment.earliest, holder=holder, now=now
                ):
                    log.info("%s %s %s: another watch run is fetching it", source, moment.label(), scope)
                    continue
                seen = found.published_at or (observed if found.published else None)
                reason = f"watch: {moment.label()} {state}"
                planned.append(Planned(source, scope, moment.period, reason, published_at=seen))
    return planned


@flow(name="watch", task_runner=default_task_runner(), log_prints=True)
def watch(as_of: str = "") -> list[Outcome] | State[Any]:
    """Probe each enabled source whose release is due now; load each release found out."""
    interrupt.install()
    rt = runtime()
    rt.start_run()
    real = dt.datetime.now(dt.UTC)
    now = dt.datetime.fromisoformat(as_of) if as_of.strip() else real
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    from prefect.runtime import flow_run

    holder = str(flow_run.id or uuid.uuid4())
    # At another moment (`as_of`), a rehearsal: what is due then, against the warehouse as it is now; a
    # probe's answer then is not a sighting at that moment, so no publication time is recorded.
    planned = plan_watch(rt, now, holder, get_run_logger(), observed=None if as_of.strip() else real)
    if not planned:
        get_run_logger().info("watch at %s: nothing due", now.isoformat(timespec="minutes"))
        return []
    outcomes = run_releases("watch", planned, force=False)
    return final_state(rt, outcomes)
