"""Orchestration: one release at a time (`ingest_release`), and the Prefect flows `nightly` and `backfill`.

Flows only orchestrate: extractors fetch and parse, transforms normalise, the warehouse upserts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd
from pydantic import Field
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from extractors import get_extractor
from extractors.base import (
    HttpPolicy,
    HttpSession,
    NotPublished,
    ParseError,
    Payload,
    SourceConfig,
    TradeflowError,
    TransientFetchError,
    parse_month,
    redact_text,
)
from flows.archive import archive_release, archived_fetches, release_sha256
from flows.planning import CellState, Planned, latest_publishable, plan_backfill, plan_source
from flows.settings import SOURCE_IDS, Settings, get_settings, with_prefect_secrets
from transforms.areas import is_unmapped
from transforms.schema import SchemaError, empty_canonical, validate_canonical
from warehouse.engine import create_warehouse_engine, is_sqlite
from warehouse.errors import describe
from warehouse.migrate import upgrade
from warehouse.upsert import ReleaseInfo, record_status, record_statuses, upsert_release

log = logging.getLogger("tradeflow.flows")
SourceId = Literal["un_comtrade", "kr_customs", "cn_customs", "us_census"]
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


@dataclass(frozen=True)
class Outcome:
    """What happened to one (source, scope, month)."""

    source: str
    scope: str
    period: dt.date
    state: str
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    message: str = ""
    release_id: int | None = None

    @property
    def month(self) -> str:
        return self.period.strftime("%Y-%m")

    def line(self) -> str:
        detail = (
            f"{self.rows} rows, {self.inserted} new, {self.updated} revised" if self.rows else self.message
        )
        return f"{self.source} {self.month} {self.scope}: {self.state} ({detail})"


# ------------------------------------------------------------------------------------------- runtime


def source_config(settings: Settings, source: str) -> SourceConfig:
    watch = settings.watchlist[source]
    return SourceConfig(
        base_url=settings.base_url(source),
        api_key=settings.api_key(source),
        reporters=tuple(watch.reporters),
        partners=tuple(watch.partners),
        commodities=tuple(watch.commodities),
        tables=tuple(watch.tables),
        edition=watch.edition,
        imports_basis=watch.imports_basis,
    )


@dataclass
class Runtime:
    """Per-process resources shared by every release of a run: engine, HTTP session, write lock."""

    settings: Settings
    engine: Engine
    http: HttpSession
    base_settings: Settings
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    # Per run (`start_run`): why the warehouse cannot take writes now, and the status records it could not
    # take, written at the end of the run (`record_pending`).
    warehouse_down: str | None = None
    pending: list[tuple[str, str, dt.date, str, str]] = field(default_factory=list)

    def start_run(self) -> None:
        self.warehouse_down = None
        self.pending.clear()

    @classmethod
    def create(cls, base: Settings) -> Runtime:
        settings = with_prefect_secrets(base)
        engine = create_warehouse_engine(settings.database_url, **settings.engine_options())
        upgrade(engine)
        policy = HttpPolicy(
            connect_timeout_s=settings.http_connect_timeout_s,
            read_timeout_s=settings.http_read_timeout_s,
            max_retries=settings.http_max_retries,
            backoff_s=settings.http_backoff_s,
            max_response_bytes=settings.http_max_response_bytes,
            min_interval_s=settings.min_interval_s,
        )
        return cls(
            settings=settings,
            engine=engine,
            http=HttpSession(policy, secrets=settings.secrets()),
            base_settings=base,
        )

    def config(self, source: str) -> SourceConfig:
        return source_config(self.settings, source)

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


def reset_runtime() -> None:
    global _RUNTIME
    with _RUNTIME_LOCK:
        if _RUNTIME is not None:
            _RUNTIME.engine.dispose()
            _RUNTIME.http.close()
        _RUNTIME = None
    get_settings.cache_clear()


# ---------------------------------------------------------------------------------- one release


def read_cells(engine: Engine, source: str) -> dict[tuple[str, dt.date], CellState]:
    with engine.connect() as conn:
        result = conn.execute(
            text("SELECT scope, period, state, last_checked, sha256 FROM ingest_status WHERE source = :s"),
            {"s": source},
        ).all()
    cells = {}
    for r in result:
        period = r.period if isinstance(r.period, dt.date) else dt.date.fromisoformat(str(r.period))
        cells[(r.scope, period)] = CellState(r.state, _as_utc(r.last_checked))
    return cells


def _as_utc(value: Any) -> dt.datetime:
    """A stored timestamp as an aware UTC datetime (SQLite hands back text, PostgreSQL a datetime)."""
    when = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


def _last_fingerprint(
    engine: Engine, source: str, scope: str, period: dt.date
) -> tuple[str | None, str | None]:
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT state, sha256 FROM ingest_status WHERE source = :s AND scope = :sc AND period = :p"),
            {"s": source, "sc": scope, "p": period},
        ).first()
    return (row.state, row.sha256) if row else (None, None)


def fingerprint(source: str, payloads: list[Payload]) -> str:
    extractor = get_extractor(source)
    digest = hashlib.sha256()
    for p in payloads:
        fp = getattr(extractor, "fingerprint", None)
        digest.update(hashlib.sha256(fp(p) if fp else p.content).digest())
    return digest.hexdigest()


def check_release_period(rows: pd.DataFrame, period: dt.date, payload: Payload) -> None:
    """Every figure must belong to the requested month (a month figure) or end with it (a cumulative one)."""
    if rows.empty:
        return
    from flows.planning import add_months

    ends = [add_months(p, int(m) - 1) for p, m in zip(rows["period"], rows["period_months"], strict=True)]
    wrong = sorted({e for e in ends if e != period})
    if wrong:
        raise payload.error(
            ParseError,
            f"release holds figures for {[w.strftime('%Y-%m') for w in wrong]}, not the requested month",
        )


def rows_of(source: str, payloads: list[Payload], period: dt.date | None) -> pd.DataFrame:
    """Parse and normalise every payload of a release; a contract violation names source, month and URL."""
    extractor = get_extractor(source)
    frames = []
    for p in payloads:
        try:
            frame = validate_canonical(extractor.normalize(extractor.parse(p)))
        except SchemaError as exc:
            raise p.error(ParseError, f"normalised rows break the data contract: {exc}") from exc
        except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
            # A layout the parser did not foresee: still an error naming source, month and URL.
            raise p.error(ParseError, f"unexpected content ({type(exc).__name__}: {exc})") from exc
        if period is not None:
            check_release_period(frame, period, p)
        frames.append(frame)
    frames = [f for f in frames if not f.empty]
    if not frames:
        return empty_canonical()
    combined = pd.concat(frames, ignore_index=True)
    try:
        return validate_canonical(combined)
    except SchemaError as exc:
        raise payloads[0].error(ParseError, f"parts of the release overlap: {exc}") from exc


def unmapped_areas(rows: pd.DataFrame) -> list[str]:
    """Publisher codes that could not be mapped to an area: kept in the rows, and reported."""
    codes = set(rows["reporter"]) | set(rows["partner"])
    return sorted(c for c in codes if is_unmapped(c))


class _WarehouseDown(Exception):
    """Another release of this run found the warehouse unable to take writes: this one does not wait."""


def _upsert(rt: Runtime, rows: pd.DataFrame, info: ReleaseInfo, note: str = "") -> Any:
    with rt.write_lock if is_sqlite(rt.engine) else nullcontext():
        # SQLite: one writer per process; BEGIN IMMEDIATE queues other processes. Releases queued here
        # behind one that found the file locked past the busy timeout fail at once, not one by one.
        if rt.warehouse_down:
            raise _WarehouseDown(rt.warehouse_down)
        return upsert_release(rt.engine, rows, info, note=note)


def load_payloads(
    rt: Runtime,
    source: str,
    scope: str,
    period: dt.date,
    payloads: list[Payload],
    *,
    force: bool,
    manifest: Path | None,
) -> Outcome:
    """Everything after the fetch: skip if unchanged, else parse, normalise, upsert, record status."""
    fp = fingerprint(source, payloads)
    last_state, last_fp = _last_fingerprint(rt.engine, source, scope, period)
    if not force and last_fp == fp and last_state in ("loaded", "unchanged"):
        record_status(
            rt.engine,
            source=source,
            scope=scope,
            period=period,
            state="unchanged",
            message="payload identical to the last one loaded",
        )
        return Outcome(source, scope, period, "unchanged", message="payload identical to the last one loaded")
    rows = rows_of(source, payloads, period)
    if rows.empty:
        message = "the publisher's answer holds no figures for this month yet"
        record_status(
            rt.engine, source=source, scope=scope, period=period, state="not_published", message=message
        )
        return Outcome(source, scope, period, "not_published", message=message)
    info = ReleaseInfo(
        source=source,
        scope=scope,
        period=period,
        url=" ".join(p.url for p in payloads)[:2000],
        sha256=release_sha256(payloads),
        bytes=sum(len(p.content) for p in payloads),
        fetched_at=payloads[0].fetched_at,
        published_at=payloads[0].published_at,
        raw_path=str(manifest) if manifest else None,
        fingerprint=fp,
    )
    unmapped = unmapped_areas(rows)
    note = f"; kept unmapped area codes: {', '.join(unmapped)}" if unmapped else ""
    if unmapped:
        log.warning(
            "%s %s %s: kept unmapped area codes %s", source, period.strftime("%Y-%m"), scope, unmapped
        )
    result = _upsert(rt, rows, info, note)
    message = f"{result.inserted} new, {result.updated} revised{note}"
    return Outcome(
        source,
        scope,
        period,
        result.state,
        result.rows,
        result.inserted,
        result.updated,
        message,
        result.release_id,
    )


def ingest_release(
    rt: Runtime,
    source: str,
    period: dt.date,
    scope: str,
    force: bool = False,
    fetch_guard: Callable[[], AbstractContextManager[Any]] | None = None,
) -> Outcome:
    """Fetch, archive, and (unless the payload is unchanged) parse, normalise and upsert one release.

    `fetch_guard` is held around the publisher calls only (the flows pass a per-source concurrency
    slot, so parsing and loading never keep another worker from fetching). Never raises for a
    publisher's failure except a transient one (so a task retry can take it): the failure is recorded
    in `ingest_status` and returned.
    """
    if rt.warehouse_down:  # every write would fail the same way: do not even fetch
        message = f"{source} {period:%Y-%m} {scope}: not tried: {rt.warehouse_down}"
        return _failed(rt, source, scope, period, message, record=False)
    try:
        with fetch_guard() if fetch_guard else nullcontext():
            payloads = get_extractor(source).fetch(rt.http, rt.config(source), period, scope)
        manifest = archive_release(rt.settings.data_dir, source, scope, period, payloads)
        return load_payloads(rt, source, scope, period, payloads, force=force, manifest=manifest)
    except _WarehouseDown as exc:
        return _failed(
            rt, source, scope, period, f"{source} {period:%Y-%m} {scope}: not tried: {exc}", record=False
        )
    except NotPublished as exc:
        message = rt.redact(exc.message)
        _record(rt, source, scope, period, "not_published", message)
        return Outcome(source, scope, period, "not_published", message=message)
    except TransientFetchError as exc:
        _record(rt, source, scope, period, "failed", rt.redact(str(exc)))
        raise
    except (TradeflowError, OSError, ValueError) as exc:
        message = rt.redact(
            str(exc)
            if isinstance(exc, TradeflowError)
            else f"{source} {period:%Y-%m}: {type(exc).__name__}: {exc}"
        )
        return _failed(rt, source, scope, period, message)
    except SQLAlchemyError as exc:
        line, unavailable = describe(exc, rt.settings.database_url)
        if unavailable:
            rt.warehouse_down = line
        return _failed(rt, source, scope, period, rt.redact(f"{source} {period:%Y-%m} {scope}: {line}"))
    except Exception as exc:  # a bug, not a publisher's or the warehouse's doing: keep the traceback
        log.exception("%s %s %s: unexpected error", source, f"{period:%Y-%m}", scope)
        message = rt.redact(f"{source} {period:%Y-%m} {scope}: unexpected {type(exc).__name__}: {exc}")
        return _failed(rt, source, scope, period, message)


def _record(rt: Runtime, source: str, scope: str, period: dt.date, state: str, message: str) -> None:
    """Record a check that loaded nothing. When the warehouse cannot take it now (locked, full), the
    record waits for the end of the run (`record_pending`) instead of failing the release twice."""
    try:
        record_status(rt.engine, source=source, scope=scope, period=period, state=state, message=message)
    except SQLAlchemyError as exc:
        line, unavailable = describe(exc, rt.settings.database_url)
        if unavailable:
            rt.warehouse_down = line
        rt.pending.append((source, scope, period, state, message))


def _failed(
    rt: Runtime, source: str, scope: str, period: dt.date, message: str, *, record: bool = True
) -> Outcome:
    if record:
        _record(rt, source, scope, period, "failed", message)
    else:
        rt.pending.append((source, scope, period, "failed", message))
    return Outcome(source, scope, period, "failed", message=message)


def record_pending(rt: Runtime) -> str:
    """Write the status records the warehouse could not take during the run, in one transaction.

    Returns "" when all are written (or none were pending), else a line saying how many are not.
    """
    if not rt.pending:
        return ""
    pending = list(rt.pending)
    try:
        record_statuses(rt.engine, pending)
    except SQLAlchemyError as exc:
        line, _ = describe(exc, rt.settings.database_url)
        return f"{len(pending)} release outcomes could not be recorded in ingest_status: {line}"
    del rt.pending[: len(pending)]
    return ""


def outcomes_since(rt: Runtime, planned: list[Planned], since: dt.datetime, why: str) -> list[Outcome]:
    """Each planned release's outcome as the warehouse recorded it after `since`.

    A backfill whose months ran as child runs, on any machine, learns what happened from the one place
    they all wrote to. A release with no record since then failed without reaching the warehouse; `why`
    says what is known (the child runs' final states).
    """
    out: list[Outcome] = []
    with rt.engine.connect() as conn:
        for p in planned:
            row = conn.execute(
                text(
                    "SELECT state, rows, message, release_id, last_checked FROM ingest_status"
                    " WHERE source = :s AND scope = :sc AND period = :p"
                ),
                {"s": p.source, "sc": p.scope, "p": p.period},
            ).first()
            if row is None or _as_utc(row.last_checked) < since:
                message = f"{p.source} {p.period:%Y-%m} {p.scope}: no outcome recorded ({why})"
                out.append(Outcome(p.source, p.scope, p.period, "failed", message=message))
                continue
            inserted = updated = 0
            if row.state == "loaded" and row.release_id is not None:
                counts = {"r": int(row.release_id)}
                inserted = conn.execute(
                    text("SELECT count(*) FROM trade_flow WHERE first_release_id = :r"), counts
                ).scalar_one()
                updated = conn.execute(
                    text("SELECT count(*) FROM trade_flow_revision WHERE release_id = :r"), counts
                ).scalar_one()
            rows = int(row.rows or 0) if row.state == "loaded" else 0
            out.append(
                Outcome(
                    p.source,
                    p.scope,
                    p.period,
                    row.state,
                    rows,
                    inserted,
                    updated,
                    row.message,
                    row.release_id,
                )
            )
    return out


def reload_archived(rt: Runtime, sources: list[str], start: dt.date, end: dt.date) -> list[Outcome]:
    """`backfill --offline`: replay every archived fetch in the order it happened, without the network."""
    rt.start_run()
    outcomes = []
    for fetch in archived_fetches(rt.settings.data_dir, sources, start, end):
        m = fetch.manifest
        try:
            outcomes.append(
                load_payloads(rt, m.source, m.scope, m.period, fetch.payloads(), force=True, manifest=m.path)
            )
        except (TradeflowError, OSError) as exc:
            outcomes.append(_failed(rt, m.source, m.scope, m.period, rt.redact(str(exc))))
        except SQLAlchemyError as exc:
            line, _ = describe(exc, rt.settings.database_url)
            outcomes.append(_failed(rt, m.source, m.scope, m.period, f"{m.source} {m.period:%Y-%m}: {line}"))
    return outcomes


# ------------------------------------------------------------------------------------------ planning


def plan_nightly(rt: Runtime, sources: list[str], today: dt.date) -> list[Planned]:
    planned: list[Planned] = []
    for source in sources:
        watch = rt.settings.watchlist[source]
        planned += plan_source(
            source,
            get_extractor(source).scopes(rt.config(source)),
            today,
            parse_month(watch.first_month),
            read_cells(rt.engine, source),
            comtrade_window_months=rt.settings.comtrade_window_months,
            comtrade_recheck_days=rt.settings.comtrade_recheck_days,
        )
    return planned


def plan_range(rt: Runtime, sources: list[str], start: dt.date, end: dt.date) -> list[Planned]:
    planned: list[Planned] = []
    for source in sources:
        planned += plan_backfill(source, get_extractor(source).scopes(rt.config(source)), start, end)
    return planned


def default_end_month(sources: list[str], today: dt.date) -> dt.date:
    return max(latest_publishable(s, today) for s in sources)


def validate_sources(sources: list[str] | None, settings: Settings) -> list[str]:
    chosen = list(sources) if sources else list(settings.sources)
    unknown = sorted(set(chosen) - set(SOURCE_IDS))
    if unknown:
        raise ValueError(f"unknown source(s) {unknown}; known: {list(SOURCE_IDS)}")
    return chosen


MonthText = Annotated[str, Field(pattern=MONTH_PATTERN)]
