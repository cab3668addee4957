"""What a run leaves for people: its artifacts (the month x source grid, why cells failed, the release
table, the summary, the nightly's changes) and its final state, a Failed state with one line per failed
release or unreachable source and no traceback."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from prefect import get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.client.schemas.objects import State
from prefect.states import Failed

from flows.headlines import headlines_markdown
from flows.releases import Outcome, record_pending
from flows.report import changes_markdown, failures_markdown, month_grid, release_rows, summary_markdown
from flows.runtime import Runtime
from warehouse.read import late_sources, revisions_by_release


def publish(rt: Runtime, kind: str, outcomes: list[Outcome]) -> None:
    now = dt.datetime.now(dt.UTC)
    create_table_artifact(
        key=f"tradeflow-{kind}-grid",
        table=month_grid(outcomes),
        description=f"tradeflow {kind}: months by source; each cell the state and the figures loaded",
    )
    create_markdown_artifact(
        key=f"tradeflow-{kind}-failures",
        markdown=failures_markdown(f"tradeflow {kind}", outcomes),
        description=f"tradeflow {kind}: why each failed cell of the grid failed",
    )
    create_table_artifact(
        key=f"tradeflow-{kind}-releases",
        table=release_rows(outcomes),
        description=f"tradeflow {kind}: every release checked, one row each",
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
        changed = [o.release_id for o in outcomes if o.release_id and (o.inserted or o.revised)]
        create_markdown_artifact(
            key="tradeflow-headlines",
            markdown=headlines_markdown(
                rt.engine, sorted({o.source for o in outcomes}), rt.settings.code_groups, changed, now
            ),
            description="tradeflow: each watched line's latest month, change on a year earlier, year to date",
        )


def unreachable(outcomes: list[Outcome]) -> dict[str, str]:
    """source -> one line for each source that stopped answering: why, and how many releases were not
    tried ("name resolution failed for comtradeapi.un.org; 70 releases not tried")."""
    out: dict[str, str] = {}
    for source in sorted({o.source for o in outcomes if o.state == "skipped" or "unreachable:" in o.message}):
        mine = [o for o in outcomes if o.source == source]
        tripped = [o for o in mine if o.state == "failed" and "unreachable:" in o.message]
        skipped = sum(o.state == "skipped" for o in mine)
        why = (
            tripped[0].reason.split("unreachable: ", 1)[-1].split(";", 1)[0]
            if tripped
            else "connections failing"
        )
        out[source] = f"{source}: unreachable ({why}); {skipped} releases not tried"
    return out


def failure_lines(outcomes: list[Outcome]) -> list[str]:
    """One line per failed release, except those of unreachable sources: one line per such source."""
    down = unreachable(outcomes)
    lines = [
        f"{o.source} {o.month} {o.scope}: {o.reason}"
        for o in outcomes
        if o.state == "failed" and o.source not in down
    ]
    return lines + list(down.values())


class RunFailed(Exception):
    """What a run that failed for a known reason (a release failed, a mistake in what was asked) carries
    in its Failed state: its one-line reasons and its outcomes. The engine that runs a deployment (served
    or on a worker) raises a Failed state's data at the end: it must be an exception (a list was a
    TypeError traceback), and being this one it is logged as the message alone (`quiet_expected_failures`)."""

    def __init__(self, message: str, outcomes: list[Outcome]) -> None:
        super().__init__(message)
        self.outcomes = outcomes

    def __reduce__(self) -> tuple[Any, ...]:
        return (RunFailed, (str(self), self.outcomes))


def failed_state(message: str, outcomes: list[Outcome]) -> State[Any]:
    return Failed(message=message, data=RunFailed(message, outcomes))


class _QuietExpectedFailure(logging.Filter):
    """Drops the engine's closing traceback for a run that ended with RunFailed: the run already logged
    its reasons, one line each, and its state says them; a traceback would only bury them."""

    def filter(self, record: logging.LogRecord) -> bool:
        failure = record.exc_info[1] if record.exc_info else None
        return not isinstance(failure, RunFailed)


def quiet_expected_failures() -> None:
    """Install the filter on Prefect's flow-run logger (once; idempotent): the deployment engine logs a
    Failed run's data there, with its traceback, before the process exits."""
    logger = logging.getLogger("prefect.flow_runs")
    if not any(isinstance(f, _QuietExpectedFailure) for f in logger.filters):
        logger.addFilter(_QuietExpectedFailure())


def final_state(rt: Runtime, outcomes: list[Outcome]) -> list[Outcome] | State[Any]:
    """The run's result: its outcomes, or, when a release failed or was not tried, a Failed state that
    says which and carries the outcomes (an expected outcome: no traceback; unexpected errors still raise
    and keep theirs)."""
    unrecorded = record_pending(rt)
    if unrecorded:
        get_run_logger().error("%s", unrecorded)
    failed = [o for o in outcomes if o.state in ("failed", "skipped")]
    if not failed:
        return outcomes
    lines = [f"{len(failed)} of {len(outcomes)} releases failed or were not tried:"]
    lines += [f"  {line}" for line in failure_lines(outcomes)]
    if unrecorded:
        lines.append(unrecorded)
    return failed_state("\n".join(lines), outcomes)
