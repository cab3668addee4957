"""What a process's runs share: the settings, the warehouse engine, the HTTP session, the write lock."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from extractors import RegistryError, all_publishers, concordance_ids, get_concordance
from extractors.redaction import redact_text
from flows.settings import Settings, get_settings, with_prefect_secrets
from warehouse.engine import create_warehouse_engine
from warehouse.migrate import upgrade
from warehouse.reference import CalendarRow, sync_concordances, sync_source_calendar

log = logging.getLogger(__name__)

if TYPE_CHECKING:  # requests is imported by the runs that fetch, not by `ingest-file` or `status`
    from extractors.http import HttpSession


def open_warehouse(settings: Settings, *, migrate: bool = True) -> Engine:
    """The warehouse engine, migrated to the code's schema, its source calendar the publishers', its
    concordances the registered ones."""
    engine = create_warehouse_engine(settings.database_url, **settings.engine_options())
    if migrate:
        upgrade(engine)
        sync_source_calendar(
            engine,
            [
                CalendarRow(
                    p.id,
                    p.calendar.lag_months if p.calendar.late_after_day else None,
                    p.calendar.late_after_day,
                    p.calendar.note,
                )
                for p in all_publishers()
            ],
        )
        _sync_concordances(engine)
    return engine


def _sync_concordances(engine: Engine) -> None:
    """The registered concordances into `ref_concordance`; one that cannot be read leaves the table as it
    is (a warning), and breaks nothing but the groups defined through it."""
    try:  # the file's digest is read at every start; the table is parsed only when it changed
        sync_concordances(engine, {c: get_concordance(c) for c in concordance_ids()})
    except (OSError, ValueError, RegistryError) as exc:  # a broken table file or entry point: say so
        log.warning("concordances not written to the warehouse: %s", exc)


def http_session(settings: Settings) -> HttpSession:
    from extractors.http import HttpPolicy, HttpSession

    policy = HttpPolicy(
        connect_timeout_s=settings.http_connect_timeout_s,
        read_timeout_s=settings.http_read_timeout_s,
        total_timeout_s=settings.http_total_timeout_s,
        max_retries=settings.http_max_retries,
        backoff_s=settings.http_backoff_s,
        max_response_bytes=settings.http_max_response_bytes,
        min_interval_s={p.id: settings.min_interval(p.id) for p in all_publishers()},
    )
    return HttpSession(policy, secrets=settings.secrets())


@dataclass
class Runtime:
    """Per-process resources shared by every release of a run: engine, HTTP session, write lock."""

    settings: Settings
    engine: Engine
    http: HttpSession
    base_settings: Settings
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    # Per run (`start_run`): why the warehouse cannot take writes now, and the status records it could not
    # take, written at the end of the run (`flows.releases.record_pending`).
    warehouse_down: str | None = None
    pending: list[tuple[str, str, dt.date, str, str]] = field(default_factory=list)
    # The releases being fetched or written right now (flows.interrupt records them if the run is stopped).
    in_flight: set[tuple[str, str, dt.date]] = field(default_factory=set)

    @classmethod
    def create(cls, base: Settings) -> Runtime:
        settings = with_prefect_secrets(base)
        return cls(
            settings=settings,
            engine=open_warehouse(settings),
            http=http_session(settings),
            base_settings=base,
        )

    def start_run(self) -> None:
        self.warehouse_down = None
        self.pending.clear()

    def redact(self, message: str) -> str:
        return redact_text(" ".join(message.split()), self.settings.secrets())


_RUNTIME: Runtime | None = None
_RUNTIME_LOCK = threading.Lock()


def runtime() -> Runtime:
    """The process's runtime, built from the settings on first use (tasks in threads share it)."""
    global _RUNTIME
    with _RUNTIME_LOCK:
        settings = get_settings()
        if _RUNTIME is None or _RUNTIME.base_settings is not settings:
            _RUNTIME = Runtime.create(settings)
        return _RUNTIME


def current_runtime() -> Runtime | None:
    """The runtime if one was built (for tests that watch a run from another thread)."""
    return _RUNTIME


def reset_runtime() -> None:
    global _RUNTIME
    with _RUNTIME_LOCK:
        if _RUNTIME is not None:
            _RUNTIME.engine.dispose()
            _RUNTIME.http.close()
        _RUNTIME = None
    get_settings.cache_clear()
