"""Scaling out on Prefect's own machinery: task runners, per-source concurrency limits, child runs.

- Task runner (`TRADEFLOW_TASK_RUNNER`): threads by default; `dask` runs the release tasks (fetch, parse,
  normalise, upsert) on a Dask cluster through prefect-dask, at `TRADEFLOW_DASK_ADDRESS` or a local one.
- Per-source limits: where the Prefect global concurrency limit `tradeflow-source-<id>` exists, every
  fetch holds one of its slots, so all workers together keep within what a publisher tolerates.
- Child runs: a backfill started from a deployment hands each (source, month) to the `backfill-month`
  deployment, so every worker polling the pool takes a share.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from flows.planning import Planned
from flows.settings import Settings

CHILD_DEPLOYMENT = "backfill-month/backfill-month"
_FINAL_POLL_S = 2.0
WAIT_REPORT_S = 15.0  # how often a parent waiting for its child runs says what they are doing
_LIMITS_SEEN: dict[str, tuple[float, bool]] = {}
_LIMITS_LOCK = threading.Lock()
_LIMITS_TTL_S = 60.0
SLOT_LEASE_S = 900.0  # a fetch holding its source's slot longer than this lets another one start


def build_task_runner(settings: Settings) -> Any:
    """The task runner the settings ask for (a fresh one: a runner is entered once per flow run)."""
    if settings.task_runner == "dask":
        from prefect_dask.task_runners import DaskTaskRunner

        if settings.dask_address:
            return DaskTaskRunner(address=settings.dask_address)
        # One thread per worker process: parsing is CPU-bound Python, threads would share one GIL.
        return DaskTaskRunner(
            cluster_kwargs={"n_workers": settings.dask_workers, "threads_per_worker": 1, "processes": True}
        )
    from prefect.task_runners import ThreadPoolTaskRunner

    return ThreadPoolTaskRunner(max_workers=settings.max_parallel_releases)


def default_task_runner() -> Any:
    """The runner a flow is declared with, from the environment of the process importing it (a worker's)."""
    from flows.settings import get_settings

    try:
        settings = get_settings()
    except Exception:  # a broken config must not break importing the flows; the run reports it
        settings = Settings.model_construct(task_runner="thread", max_parallel_releases=4)
    return build_task_runner(settings)


def source_limit_name(source: str) -> str:
    return f"tradeflow-source-{source}"


def ensure_source_limits(settings: Settings) -> dict[str, int]:
    """Create the per-source global concurrency limits that are missing, with the configured sizes.

    Existing limits are left as they are: an operator may have tuned them in the UI. Returns each
    limit's size as the server holds it.
    """
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.exceptions import ObjectNotFound

    sizes: dict[str, int] = {}
    with get_client(sync_client=True) as client:
        for source in settings.sources:
            limit = settings.concurrency(source)
            if limit is None:
                continue
            name = source_limit_name(source)
            try:
                sizes[source] = client.read_global_concurrency_limit_by_name(name).limit
            except ObjectNotFound:
                client.create_global_concurrency_limit(
                    GlobalConcurrencyLimitCreate(name=name, limit=max(1, limit), active=True)
                )
                sizes[source] = max(1, limit)
    return sizes


@contextmanager
def fetch_slot(source: str) -> Iterator[None]:
    """Hold one of the source's slots while its publisher is called; no limit on the server: no wait.

    Talks to the slot endpoints with Prefect's synchronous client. (As of prefect 3.9,
    `prefect.concurrency.sync.concurrency` took 2-5 s a call from task threads, even for a limit that
    does not exist; this takes one request to take a slot and one to give it back.) The slot is leased:
    if the process dies holding it, the server frees it when the lease runs out.
    """
    from prefect.client.orchestration import get_client
    from prefect.exceptions import PrefectHTTPStatusError

    name = source_limit_name(source)
    if not _limit_exists(name):
        yield
        return
    with get_client(sync_client=True) as client:
        while True:
            try:
                taken = client.increment_concurrency_slots_with_lease(
                    names=[name], slots=1, mode="concurrency", lease_duration=SLOT_LEASE_S
                ).json()
                break
            except PrefectHTTPStatusError as exc:
                if exc.response.status_code != 423:  # 423 Locked: every slot is taken; wait as told
                    raise
                time.sleep(min(float(exc.response.headers.get("Retry-After", 1.0)), 5.0))
    if not taken.get("limits"):
        yield
        return
    try:
        yield
    finally:
        with get_client(sync_client=True) as client:
            client.release_concurrency_slots_with_lease(UUID(str(taken["lease_id"])))


def _limit_exists(name: str) -> bool:
    """Whether the server has this limit, asked at most once a minute per process: every slot request
    is a write on the Prefect server, which a run without limits need not pay for."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    now = time.monotonic()
    with _LIMITS_LOCK:
        known = _LIMITS_SEEN.get(name)
        if known is not None and now - known[0] < _LIMITS_TTL_S:
            return known[1]
    with get_client(sync_client=True) as client:
        try:
            exists = client.read_global_concurrency_limit_by_name(name).active
        except ObjectNotFound:
            exists = False
    with _LIMITS_LOCK:
        _LIMITS_SEEN[name] = (now, exists)
    return exists


def child_deployment_available() -> bool:
    """True when this flow runs from a deployment and the month deployment exists beside it."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound
    from prefect.runtime import deployment

    if not deployment.id:
        return False
    with get_client(sync_client=True) as client:
        try:
            client.read_deployment_by_name(CHILD_DEPLOYMENT)
        except ObjectNotFound:
            return False
    return True


def run_children(
    groups: list[tuple[str, str]],
    force: bool,
    parent_id: str | None,
    on_end: Callable[[str, str, str], None] | None = None,
    on_wait: Callable[[dict[str, int]], None] | None = None,
) -> dict[UUID, str]:
    """Start one `backfill-month` run per (source, month), named `<source> <YYYY-MM>`, and wait for all.

    Returns each child's final state name; `on_end(source, month, state)` is called as each one ends, and
    `on_wait(runs by state)` once the children are started and then every WAIT_REPORT_S while some are
    still going. The idempotency key makes a retried parent find its children instead of starting them
    twice.
    """
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.client.schemas.objects import FlowRun
    from prefect.deployments import run_deployment

    started: list[UUID] = []
    group_of: dict[UUID, tuple[str, str]] = {}
    for source, month in groups:
        run = run_deployment(
            CHILD_DEPLOYMENT,
            parameters={"source": source, "month": month, "force": force},
            timeout=0,
            as_subflow=True,
            flow_run_name=f"{source} {month}",
            tags=["tradeflow", f"source:{source}", f"month:{month}"],
            idempotency_key=f"{parent_id}:{source}:{month}" if parent_id else None,
        )
        assert isinstance(run, FlowRun)  # called from sync code: the run, not a coroutine
        started.append(run.id)
        group_of[run.id] = (source, month)
    finals: dict[UUID, str] = {}
    last_report = 0.0
    with get_client(sync_client=True) as client:
        while len(finals) < len(started):
            pending = [r for r in started if r not in finals]
            going: dict[str, int] = {}
            # One request per 200 pending runs and poll, not one per run.
            for chunk in (pending[i : i + 200] for i in range(0, len(pending), 200)):
                runs = client.read_flow_runs(
                    flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=chunk)), limit=len(chunk)
                )
                for fr in runs:
                    if fr.state is not None and fr.state.is_final() and fr.id not in finals:
                        finals[fr.id] = fr.state.name or fr.state.type.value
                        if on_end is not None:
                            on_end(*group_of[fr.id], finals[fr.id])
                    elif fr.state is not None and fr.id not in finals:
                        name = fr.state.name or fr.state.type.value
                        going[name] = going.get(name, 0) + 1
            if len(finals) < len(started):
                if on_wait is not None and going and time.monotonic() - last_report >= WAIT_REPORT_S:
                    on_wait(going)
                    last_report = time.monotonic()
                time.sleep(_FINAL_POLL_S)
    return finals


def month_groups(planned: list[Planned]) -> list[tuple[str, str]]:
    """The distinct (source, month) pairs of a plan, in plan order."""
    seen: dict[tuple[str, str], None] = {}
    for p in planned:
        seen[(p.source, p.period.strftime("%Y-%m"))] = None
    return list(seen)
