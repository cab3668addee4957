"""The release task and the loop that runs a run's releases on the task runner, telling progress."""

from __future__ import annotations

import datetime as dt
from typing import Any

from prefect import get_run_logger, task
from prefect.futures import as_completed

from extractors.errors import SourceUnavailable, TransientFetchError
from flows.events import emit_release_event
from flows.planning import Planned
from flows.progress import Progress, describe, stderr_if_terminal
from flows.releases import Outcome, ingest_release
from flows.runtime import runtime
from flows.scaling import fetch_slot
from transforms.months import parse_month


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
def ingest_release_task(
    source: str, month: str, scope: str, force: bool = False, published_at: str = ""
) -> Outcome:
    """One release. A transient failure is raised while Prefect has retries left for it (so it retries);
    on the last attempt it is the release's failed outcome, already recorded in ingest_status: a task
    that ended raising would log a traceback beside the run's one line for it."""
    from prefect.runtime import task_run

    rt = runtime()
    try:
        outcome = ingest_release(
            rt,
            source,
            parse_month(month),
            scope,
            force,
            fetch_guard=lambda: fetch_slot(source),
            published_at=dt.datetime.fromisoformat(published_at) if published_at else None,
        )
    except TransientFetchError as exc:
        if int(task_run.run_count or 1) <= rt.settings.task_retries:
            raise
        outcome = Outcome(source, scope, parse_month(month), "failed", message=rt.redact(str(exc)))
    emit_release_event(outcome)  # tradeflow.release.loaded / .failed, for automations downstream
    return outcome


def run_releases(kind: str, planned: list[Planned], force: bool) -> list[Outcome]:
    """Every planned release as a task, a progress line as each ends."""
    settings = runtime().settings
    work = ingest_release_task.with_options(
        retries=settings.task_retries, retry_delay_seconds=settings.task_retry_delay_s
    )
    futures = {
        work.submit(
            p.source,
            p.period.strftime("%Y-%m"),
            p.scope,
            force,
            p.published_at.isoformat() if p.published_at else "",
        ): p
        for p in planned
    }
    progress = Progress(kind, len(futures), logger=get_run_logger(), terminal=stderr_if_terminal())
    outcomes: list[Outcome] = []
    for future in as_completed(list(futures)):
        p = futures[future]
        result = future.result(raise_on_failure=False)
        if isinstance(result, Outcome):
            outcome = result
        else:  # an error the task did not expect (a transient one ends as a failed outcome of its own)
            outcome = Outcome(p.source, p.scope, p.period, "failed", message=runtime().redact(str(result)))
        outcomes.append(outcome)
        # A release of a source found unreachable is told once for the source at the end of the run.
        quiet = outcome.state == "skipped" or "unreachable:" in outcome.message
        progress.step(f"{describe(outcome)} ({outcome.scope})", quiet=quiet)
    return outcomes
