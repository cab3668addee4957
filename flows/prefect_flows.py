"""The Prefect flows: `nightly` (scheduled), `backfill` (started by an analyst from the UI's form) and
`backfill-month` (one source and month: a backfill run from its deployment fans out to it).

The forms Prefect draws from these signatures (as of prefect 3.9.1, checked in a browser): a `str` is a
one-row text area (Enter adds a newline, so months are stripped of whitespace here), a `list` of a
`Literal` a multi-select that shows its default at once, and `X | None` a choice of type that opens on
"None": so no parameter is optional by `None`. Months are checked here rather than by a schema pattern,
which the form would report as a raw regular expression: a bad month ends the run at once, Failed, with
the mistake in words.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact
from prefect.client.schemas.objects import State
from pydantic import Field

from extractors import publisher_ids
from flows import interrupt
from flows.artifacts import (
    RunFailed,
    failed_state,
    final_state,
    publish,
    quiet_expected_failures,
    unreachable,
)
from flows.planning import Planned
from flows.progress import TERMINAL_REPEATS, Progress, describe, said_once_on_the_terminal, stderr_if_terminal
from flows.rates import refresh_exchange_rates
from flows.releases import Outcome, outcomes_since
from flows.report import release_rows
from flows.runtime import Runtime, runtime
from flows.scaling import (
    CHILD_DEPLOYMENT,
    child_deployment_available,
    default_task_runner,
    ensure_source_limits,
    month_groups,
    run_children,
)
from flows.schedule import choose_sources, grid_of, latest_month, plan_nightly, plan_range
from flows.tasks import run_releases
from transforms.months import MONTH_HELP, MonthMistake, check_range, month_field, parse_month
from warehouse.connections import utcnow

quiet_expected_failures()  # a deployment run that fails for a known reason logs no traceback

if TYPE_CHECKING:
    from flows.settings import Settings

    SourceId = str
else:  # the registered publishers: the forms' choices of source
    SourceId = Literal[tuple(publisher_ids())]


def _enabled_sources() -> list[str]:
    """The sources enabled where the flows are imported (a worker's, or `tradeflow serve`'s settings):
    the Sources fields' default, shown in the form as chosen."""
    from flows.settings import get_settings

    try:
        return list(get_settings().sources)
    except Exception:  # a broken config must not break importing the flows; the run reports it
        return publisher_ids()


ENABLED = _enabled_sources()


def _as_enabled(sources: list[str], settings: Settings) -> list[str]:
    """The default ("every enabled source") means the sources enabled where the run runs: the default
    was fixed when the flows were imported, perhaps under other settings."""
    return list(settings.sources) if list(sources) == ENABLED else list(sources)


def _param(default: Any, title: str, description: str) -> Any:
    """A parameter default that carries the title and description the Prefect UI form shows."""
    return Field(default, description=description, json_schema_extra={"title": title})


def _refused(message: str) -> State[Any]:
    """The run ends Failed at once with one line and no traceback: a mistake in what was asked."""
    get_run_logger().error("%s", message)
    return failed_state(message, [])


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


@flow(name="nightly", task_runner=default_task_runner(), log_prints=True)
def nightly(
    sources: list[SourceId] = _param(ENABLED, "Sources", "Sources to check; every enabled source is chosen."),
    as_of: str = _param(
        "",
        "As of",
        "Plan as if today were this date (YYYY-MM-DD, e.g. 2026-11-30). Empty: the run's scheduled date in the "
        "schedule's timezone.",
    ),
) -> list[Outcome] | State[Any]:
    """Check every source for releases that are due and load what changed."""
    interrupt.install()  # over Prefect's own SIGTERM handling, when the command line asked
    rt = runtime()
    rt.start_run()
    if not sources:
        return _refused("no source chosen: choose at least one")
    try:
        today = (
            dt.date.fromisoformat(as_of.strip())
            if as_of.strip()
            else scheduled_date(rt.settings.nightly_timezone)
        )
    except ValueError:
        return _refused(f"as of {as_of.strip()!r} is not a date: write it as YYYY-MM-DD, e.g. 2026-11-30")
    chosen = choose_sources(_as_enabled(sources, rt.settings), rt.settings)
    for source in [s for s in chosen if _key_missing(rt, s)]:
        variable = f"TRADEFLOW_{source.upper()}_{str(rt.settings.publisher(source).key_field).upper()}"
        get_run_logger().warning("%s skipped: it needs a key (%s)", source, variable)
        chosen.remove(source)
    planned = plan_nightly(rt, chosen, today)
    get_run_logger().info("nightly as of %s: %d releases due", today, len(planned))
    return _report(rt, "nightly", run_releases("nightly", planned, force=False))


def _backfill_run_name() -> str:
    """`backfill 2026-08..2026-09` (`..latest` for an empty end month), from what was typed, trimmed."""
    from prefect.runtime import flow_run

    asked = flow_run.parameters
    start = " ".join(str(asked.get("start_month", "")).split()) or "?"
    end = " ".join(str(asked.get("end_month", "")).split()) or "latest"
    return f"backfill {start}..{end}"


@flow(
    name="backfill",
    flow_run_name=_backfill_run_name,
    task_runner=default_task_runner(),
    log_prints=True,
)
def backfill(
    start_month: str = _param(..., "Start month", f"The first month to load, {MONTH_HELP}."),
    end_month: str = _param(
        "",
        "End month",
        f"The last month to load, {MONTH_HELP}. Empty: the latest month that could be out today.",
    ),
    sources: list[SourceId] = _param(ENABLED, "Sources", "Sources to load; every enabled source is chosen."),
    force: bool = _param(False, "Force", "Re-load payloads even when identical to the last one loaded."),
    dry_run: bool = _param(
        False,
        "Dry run",
        "Only list the releases that would be fetched, with their status; fetch and write nothing.",
    ),
) -> list[Outcome] | State[Any]:
    """Load a range of months for the chosen sources."""
    interrupt.install()  # over Prefect's own SIGTERM handling, when the command line asked
    rt = runtime()
    rt.start_run()
    if not sources:
        return _refused("no source chosen: choose at least one")
    chosen = choose_sources(_as_enabled(sources, rt.settings), rt.settings)
    try:
        start = month_field("start month", start_month)
        end = month_field("end month", end_month, empty=latest_month(chosen, dt.date.today()))
        check_range(start, end)
    except MonthMistake as exc:
        return _refused(str(exc))
    planned = plan_range(rt, chosen, start, end)
    if dry_run:
        return _dry_run(rt, chosen, planned)
    groups = month_groups(planned)
    what = f"{len(planned)} releases of {', '.join(chosen)}, {start:%Y-%m}..{end:%Y-%m}"
    if _worth_child_runs(rt, planned, groups) and child_deployment_available():
        get_run_logger().info(
            "%s: handing its %d source-months to child runs of %s for the pool's workers",
            what, len(groups), CHILD_DEPLOYMENT,
        )  # fmt: skip
        outcomes = _fan_out(rt, planned, groups, force)
    else:
        settings = rt.settings
        how = f"{settings.max_parallel_releases} at a time" if settings.task_runner == "thread" else "on Dask"
        get_run_logger().info("%s: loading them in this run, %s", what, how)
        outcomes = run_releases("backfill", planned, force=force)
    return _report(rt, "backfill", outcomes)


def _worth_child_runs(rt: Runtime, planned: list[Planned], groups: list[tuple[str, str]]) -> bool:
    """Child runs pay for their start-up (a process each) only over many releases and several months."""
    return len(groups) > 1 and len(planned) >= rt.settings.fan_out_min_releases


def _dry_run(rt: Runtime, chosen: list[str], planned: list[Planned]) -> list[Outcome]:
    cells = {s: grid_of(rt, s) for s in chosen}
    listing = []
    for p in planned:
        cell = cells[p.source].get((p.scope, p.period))
        listing.append(
            Outcome(
                p.source, p.scope, p.period, f"would fetch (now {cell.state if cell else 'never checked'})"
            )
        )
    create_table_artifact(
        key="tradeflow-backfill-dry-run",
        table=release_rows(listing),
        description="tradeflow backfill dry run: releases that would be fetched",
    )
    for o in listing:
        print(f"{o.source} {o.month} {o.scope}: {o.state}")
    return listing


def _fan_out(
    rt: Runtime, planned: list[Planned], groups: list[tuple[str, str]], force: bool
) -> list[Outcome]:
    """Run from a deployment: each (source, month) becomes a child run `<source> <YYYY-MM>` that any worker
    may take; a line and the progress artifact as each ends, with what the warehouse recorded for it."""
    since = utcnow().replace(microsecond=0)  # stored timestamps may have whole seconds only
    ensure_source_limits(rt.settings)
    from prefect.runtime import flow_run

    logger = get_run_logger()
    progress = Progress("backfill", len(planned), logger=logger, terminal=stderr_if_terminal())

    def ended(source: str, month: str, state: str) -> None:
        mine = [p for p in planned if p.source == source and p.period.strftime("%Y-%m") == month]
        for outcome in outcomes_since(rt, mine, since, f"child run {state}"):  # a line per release
            progress.step(f"{describe(outcome)} ({outcome.scope})")

    def waiting(states: dict[str, int]) -> None:
        counts = ", ".join(f"{n} {state.lower()}" for state, n in sorted(states.items()))
        logger.info(
            "waiting for %d child runs (%s): a worker polling the pool takes each",
            sum(states.values()),
            counts,
        )

    finals = run_children(
        groups, force, str(flow_run.id) if flow_run.id else None, on_end=ended, on_wait=waiting
    )
    states = sorted(set(finals.values()))
    get_run_logger().info("%d child runs ended: %s", len(finals), ", ".join(states))
    return outcomes_since(rt, planned, since, f"child runs ended {', '.join(states)}")


@flow(name="backfill-month", task_runner=default_task_runner(), log_prints=True)
def backfill_month(
    source: SourceId = _param(..., "Source", "The source to load."),
    month: str = _param(..., "Month", f"The month to load, {MONTH_HELP}."),
    force: bool = _param(False, "Force", "Re-load payloads even when identical to the last one loaded."),
) -> list[Outcome] | State[Any]:
    """One source and month of a backfill: the unit of work that workers share."""
    interrupt.install()  # over Prefect's own SIGTERM handling, when the command line asked
    rt = runtime()
    rt.start_run()
    try:
        period = month_field("month", month)
    except MonthMistake as exc:
        return _refused(str(exc))
    planned = plan_range(rt, choose_sources([source], rt.settings), period, period)
    return final_state(rt, run_releases("backfill-month", planned, force=force))


def _report(rt: Runtime, kind: str, outcomes: list[Outcome]) -> list[Outcome] | State[Any]:
    for line in unreachable(outcomes).values():  # the run's logs; the command line prints them once itself
        get_run_logger().warning("%s", line, extra={TERMINAL_REPEATS: True})
    rates = refresh_exchange_rates(rt)
    if rates is not None:
        line, warning = rates
        (get_run_logger().warning if warning else get_run_logger().info)("%s", line)
    publish(rt, kind, outcomes)
    return final_state(rt, outcomes)


# ------------------------------------------------------------------------------ CLI entry points


def _print_outcomes(outcomes: list[Outcome]) -> None:
    for o in outcomes:
        print(o.line())


def _exit_code(state: Any) -> int:
    """Print each release's outcome; 0 unless a release failed (one line per failure, and per unreachable
    source, on stderr)."""
    import sys

    from flows.artifacts import failure_lines

    result = state.result(raise_on_failure=False)
    if isinstance(result, RunFailed):
        result = result.outcomes
    if isinstance(result, list):
        outcomes: list[Outcome] = result
        _print_outcomes([o for o in outcomes if o.state not in ("failed", "skipped")])
        for line in failure_lines(outcomes):
            print(f"FAILED {line}", file=sys.stderr)
        if not outcomes and state.is_failed():
            print(f"tradeflow: {state.message}", file=sys.stderr)
        unrecorded = [line for line in (state.message or "").splitlines() if "could not be recorded" in line]
        for line in unrecorded:
            print(f"tradeflow: {line}", file=sys.stderr)
        return 1 if state.is_failed() else 0
    if isinstance(result, BaseException):
        print(f"tradeflow: {runtime().redact(str(result))}", file=sys.stderr)
        return 1
    print(f"tradeflow: {runtime().redact(str(result or state.message))}", file=sys.stderr)
    return 1


def run_nightly_cli(sources: list[str] | None = None, as_of: dt.date | None = None) -> int:
    said_once_on_the_terminal()
    state = nightly(sources=sources or ENABLED, as_of=as_of.isoformat() if as_of else "", return_state=True)
    return _exit_code(state)


def run_watch_cli(as_of: str = "") -> int:
    from flows.watch import watch

    said_once_on_the_terminal()
    return _exit_code(watch(as_of=as_of, return_state=True))


def run_backfill_cli(
    *, start: str, end: str | None, sources: list[str] | None, force: bool, dry_run: bool, offline: bool
) -> int:
    said_once_on_the_terminal()
    if offline:
        import sys

        from flows.releases import record_pending, reload_archived

        rt = runtime()
        chosen = choose_sources(sources, rt.settings)
        end_month = parse_month(end) if end else latest_month(chosen, dt.date.today())
        outcomes = reload_archived(rt, chosen, parse_month(start), end_month)
        _print_outcomes(outcomes)
        failed = [o for o in outcomes if o.state == "failed"]
        for o in failed:
            print(f"FAILED {o.source} {o.month} {o.scope}: {o.reason}", file=sys.stderr)
        unrecorded = record_pending(rt)
        if unrecorded:
            print(f"tradeflow: {unrecorded}", file=sys.stderr)
        if not outcomes:
            print(f"no archived releases for {chosen} between {start} and {end_month:%Y-%m}", file=sys.stderr)
        return 1 if failed else 0
    state = backfill(
        start_month=start,
        end_month=end or "",
        sources=sources or ENABLED,
        force=force,
        dry_run=dry_run,
        return_state=True,
    )
    return _exit_code(state)
