"""The Prefect flows: `nightly` (scheduled) and `backfill` (started by an analyst from the UI)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any, Literal
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.client.schemas.objects import State
from prefect.futures import as_completed
from prefect.states import Failed
from pydantic import Field

from extractors import publisher_ids
from extractors.errors import SourceUnavailable, TransientFetchError
from flows import interrupt
from flows.planning import Planned
from flows.releases import Outcome, ingest_release, outcomes_since, record_pending
from flows.report import changes_markdown, grid_rows, summary_markdown
from flows.runtime import Runtime, runtime
from flows.scaling import (
    child_deployment_available,
    default_task_runner,
    ensure_source_limits,
    fetch_slot,
    month_groups,
    run_children,
)
from flows.schedule import choose_sources, grid_of, latest_month, plan_nightly, plan_range
from transforms.months import parse_month
from warehouse.connections import utcnow
from warehouse.read import late_sources, revisions_by_release

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
if TYPE_CHECKING:
    SourceId = str
else:  # the registered publishers: the forms' choices of source
    SourceId = Literal[tuple(publisher_ids())]


def retry_only_transient(_task: Any, _task_run: Any, state: Any) -> bool:
    """Prefect retries a release only when its failure was transient (timeout, reset, 429, 5xx)."""
    try:
        state.result()
    except SourceUnavailable:
        return False  # the source is down for this run; the next run tries again
    except TransientFetchError:
        return True
    except Exception:
        return False
    return False


@task(
    name="ingest-release", task_run_name="{source} {month} {scope}", retry_condition_fn=retry_only_transient
)
def ingest_release_task(source: str, month: str, scope: str, force: bool = False) -> Outcome:
    return ingest_release(
        runtime(), source, parse_month(month), scope, force, fetch_guard=lambda: fetch_slot(source)
    )


def _run_releases(planned: list[Planned], force: bool) -> list[Outcome]:
    logger = get_run_logger()
    settings = runtime().settings
    work = ingest_release_task.with_options(
        retries=settings.task_retries, retry_delay_seconds=settings.task_retry_delay_s
    )
    futures = {work.submit(p.source, p.period.strftime("%Y-%m"), p.scope, force): p for p in planned}
    outcomes: list[Outcome] = []
    for done, future in enumerate(as_completed(list(futures)), start=1):
        p = futures[future]
        result = future.result(raise_on_failure=False)
        if isinstance(result, Outcome):
            outcome = result
        else:  # a transient failure that outlived its retries
            outcome = Outcome(p.source, p.scope, p.period, "failed", message=runtime().redact(str(result)))
        outcomes.append(outcome)
        logger.info("[%d/%d] %s", done, len(futures), outcome.line())
    return outcomes


def _report(kind: str, outcomes: list[Outcome]) -> list[Outcome] | State[Any]:
    rt = runtime()
    now = dt.datetime.now(dt.UTC)
    create_table_artifact(
        key=f"tradeflow-{kind}-grid",
        table=grid_rows(outcomes),
        description=f"tradeflow {kind}: state of every release checked",
    )
    revisions = revisions_by_release(
        rt.engine, [o.release_id for o in outcomes if o.release_id and o.revised], None
    )
    create_markdown_artifact(
        key=f"tradeflow-{kind}-summary",
        markdown=summary_markdown(f"tradeflow {kind}", outcomes, revisions[:20], now),
        description=f"tradeflow {kind}: new, revised and failed releases",
    )
    if kind == "nightly":
        create_markdown_artifact(
            key="tradeflow-nightly-changes",
            markdown=changes_markdown(
                outcomes, revisions, late_sources(rt.engine), rt.settings.revision_alert_pct, now
            ),
            description="tradeflow: what changed since the previous night",
        )
    return _final(rt, outcomes)


def _final(rt: Runtime, outcomes: list[Outcome]) -> list[Outcome] | State[Any]:
    """The run's result: its outcomes, or, when a release failed, a Failed state that says which and
    carries the outcomes. A failed release is an expected outcome, reported one line each: the run
    ends Failed with that message and no traceback (unexpected errors still raise and keep theirs)."""
    unrecorded = record_pending(rt)
    if unrecorded:
        get_run_logger().error("%s", unrecorded)
    failed = [o for o in outcomes if o.state == "failed"]
    if not failed:
        return outcomes
    lines = [f"{len(failed)} of {len(outcomes)} releases failed:"]
    lines += [f"  {o.source} {o.month} {o.scope}: {o.message}" for o in failed]
    if unrecorded:
        lines.append(unrecorded)
    return Failed(message="\n".join(lines), data=outcomes)


def _key_missing(rt: Runtime, source: str) -> bool:
    settings = rt.settings.publisher(source)
    return settings.key_required and settings.key() is None


def scheduled_date(timezone: str) -> dt.date:
    """The run's own date: its scheduled start in the schedule's timezone (now, for an ad-hoc run)."""
    from prefect.runtime import flow_run

    start = flow_run.scheduled_start_time
    when = start if isinstance(start, dt.datetime) else dt.datetime.now(dt.UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(ZoneInfo(timezone)).date()


Month = Annotated[str, Field(pattern=MONTH_PATTERN)]


def _param(default: Any, title: str, description: str) -> Any:
    """A parameter default that carries the title and description the Prefect UI form shows."""
    return Field(default, description=description, json_schema_extra={"title": title})


@flow(name="nightly", task_runner=default_task_runner(), log_prints=True)
def nightly(
    sources: list[SourceId] | None = _param(
        None, "Sources", "Sources to check. Empty: every enabled source."
    ),
    as_of: dt.date | None = _param(
        None,
        "As of",
        "Plan as if today were this date (YYYY-MM-DD, for example 2026-11-30). Empty: the run's "
        "scheduled date in the schedule's timezone.",
    ),
) -> list[Outcome] | State[Any]:
    """Check every source for releases that are due and load what changed."""
    interrupt.install()  # over Prefect's own SIGTERM handling, when the command line asked
    rt = runtime()
    rt.start_run()
    chosen = choose_sources(list(sources) if sources else None, rt.settings)
    if not sources:
        for source in [s for s in chosen if _key_missing(rt, s)]:
            variable = f"TRADEFLOW_{source.upper()}_{str(rt.settings.publisher(source).key_field).upper()}"
            get_run_logger().warning("%s skipped: it needs a key (%s)", source, variable)
            chosen.remove(source)
    today = as_of or scheduled_date(rt.settings.nightly_timezone)
    planned = plan_nightly(rt, chosen, today)
    get_run_logger().info("nightly as of %s: %d releases due", today, len(planned))
    outcomes = _run_releases(planned, force=False)
    return _report("nightly", outcomes)


@flow(name="backfill", task_runner=default_task_runner(), log_prints=True)
def backfill(
    start_month: Month = _param(..., "Start month", "First month to load, as YYYY-MM (for example 2024-01)."),
    end_month: Month | None = _param(
        None,
        "End month",
        "Last month to load, as YYYY-MM (for example 2026-10). Empty: the latest month that "
        "could be published today.",
    ),
    sources: list[SourceId] | None = _param(
        None,
        "Sources",
        "Sources to load (any of the registered publishers). Empty: every enabled source.",
    ),
    force: bool = _param(False, "Force", "Re-load payloads even when identical to the last one loaded."),
    dry_run: bool = _param(
        False,
        "Dry run",
        "Only list the releases that would be fetched, with their current status; fetch and write nothing.",
    ),
) -> list[Outcome] | State[Any]:
    """Load a range of months for the chosen sources."""
    interrupt.install()  # over Prefect's own SIGTERM handling, when the command line asked
    rt = runtime()
    rt.start_run()
    chosen = choose_sources(list(sources) if sources else None, rt.settings)
    start = parse_month(start_month)
    end = parse_month(end_month) if end_month else latest_month(chosen, dt.date.today())
    if end < start:
        raise ValueError(f"end month {end:%Y-%m} is before start month {start:%Y-%m}")
    planned = plan_range(rt, chosen, start, end)
    if dry_run:
        cells = {s: grid_of(rt, s) for s in chosen}
        listing = []
        for p in planned:
            cell = cells[p.source].get((p.scope, p.period))
            state = f"would fetch (now {cell.state if cell else 'never checked'})"
            listing.append(Outcome(p.source, p.scope, p.period, state))
        create_table_artifact(
            key="tradeflow-backfill-dry-run",
            table=grid_rows(listing),
            description="tradeflow backfill dry run: releases that would be fetched",
        )
        for o in listing:
            print(f"{o.source} {o.month} {o.scope}: {o.state}")
        return listing
    groups = month_groups(planned)
    if len(groups) > 1 and child_deployment_available():
        # Run from a deployment: each (source, month) becomes a child run that any worker may take.
        since = utcnow().replace(microsecond=0)  # stored timestamps may have whole seconds only
        ensure_source_limits(rt.settings)
        from prefect.runtime import flow_run

        finals = run_children(groups, force, str(flow_run.id) if flow_run.id else None)
        states = sorted({state for state in finals.values()})
        get_run_logger().info("%d child runs ended: %s", len(finals), ", ".join(states))
        outcomes = outcomes_since(rt, planned, since, f"child runs ended {', '.join(states)}")
    else:
        outcomes = _run_releases(planned, force=force)
    return _report("backfill", outcomes)


@flow(name="backfill-month", task_runner=default_task_runner(), log_prints=True)
def backfill_month(
    source: SourceId = _param(..., "Source", "The source to load."),
    month: Month = _param(..., "Month", "The month to load, as YYYY-MM."),
    force: bool = _param(False, "Force", "Re-load payloads even when identical to the last one loaded."),
) -> list[Outcome] | State[Any]:
    """One source and month of a backfill: the unit of work that workers share."""
    interrupt.install()  # over Prefect's own SIGTERM handling, when the command line asked
    rt = runtime()
    rt.start_run()
    period = parse_month(month)
    planned = plan_range(rt, choose_sources([source], rt.settings), period, period)
    return _final(rt, _run_releases(planned, force=force))


# ------------------------------------------------------------------------------ CLI entry points


def _print_outcomes(outcomes: list[Outcome]) -> None:
    for o in outcomes:
        print(o.line())


def _exit_code(state: Any) -> int:
    """Print each release's outcome; 0 unless a release failed (one line per failure on stderr)."""
    import sys

    result = state.result(raise_on_failure=False)
    if isinstance(result, list):
        outcomes: list[Outcome] = result
        _print_outcomes([o for o in outcomes if o.state != "failed"])
        failed = [o for o in outcomes if o.state == "failed"]
        for o in failed:
            print(f"FAILED {o.source} {o.month} {o.scope}: {o.message}", file=sys.stderr)
        unrecorded = [line for line in (state.message or "").splitlines() if "could not be recorded" in line]
        for line in unrecorded:
            print(f"tradeflow: {line}", file=sys.stderr)
        return 1 if failed or state.is_failed() else 0
    if isinstance(result, BaseException):
        print(f"tradeflow: {runtime().redact(str(result))}", file=sys.stderr)
        return 1
    print(f"tradeflow: {runtime().redact(str(result or state.message))}", file=sys.stderr)
    return 1


def run_nightly_cli(sources: list[str] | None = None, as_of: dt.date | None = None) -> int:
    state = nightly(sources=sources, as_of=as_of, return_state=True)
    return _exit_code(state)


def run_backfill_cli(
    *, start: str, end: str | None, sources: list[str] | None, force: bool, dry_run: bool, offline: bool
) -> int:
    if offline:
        import sys

        from flows.releases import reload_archived

        rt = runtime()
        chosen = choose_sources(sources, rt.settings)
        end_month = parse_month(end) if end else latest_month(chosen, dt.date.today())
        outcomes = reload_archived(rt, chosen, parse_month(start), end_month)
        _print_outcomes(outcomes)
        failed = [o for o in outcomes if o.state == "failed"]
        for o in failed:
            print(f"FAILED {o.source} {o.month} {o.scope}: {o.message}", file=sys.stderr)
        unrecorded = record_pending(rt)
        if unrecorded:
            print(f"tradeflow: {unrecorded}", file=sys.stderr)
        if not outcomes:
            print(f"no archived releases for {chosen} between {start} and {end_month:%Y-%m}", file=sys.stderr)
        return 1 if failed else 0
    state = backfill(
        start_month=start,
        end_month=end,
        sources=sources,
        force=force,
        dry_run=dry_run,
        return_state=True,
    )
    return _exit_code(state)
