"""One release at a time: fetch, archive, skip if unchanged, parse, normalise, validate, upsert, record.

Every outcome of a release (loaded, unchanged, not published, failed) reaches `ingest_status`; a failure
says which source, month and URL, in one line.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy.exc import SQLAlchemyError

from extractors import get_publisher
from extractors.base import Payload
from extractors.errors import NotPublished, SourceUnavailable, TradeflowError, TransientFetchError
from extractors.redaction import redact_payload
from flows.archive import DamagedArchive, archive_release, archived_fetches, release_sha256
from flows.checks import ReleaseCheck, logged_warnings
from flows.parsing import release_digest, release_rows, unmapped_areas
from flows.planning import Planned
from flows.runtime import Runtime
from warehouse.engine import is_sqlite
from warehouse.errors import describe
from warehouse.status import (
    carried_warnings,
    read_cell,
    record_status,
    record_statuses,
    release_counts,
    warnings_of,
)
from warehouse.upsert import ReleaseInfo, UpsertResult, upsert_release

log = logging.getLogger("tradeflow.flows")
LOADED_STATES = ("loaded", "unchanged")


@dataclass(frozen=True)
class Outcome:
    """What happened to one (source, scope, month)."""

    source: str
    scope: str
    period: dt.date
    state: str
    rows: int = 0
    inserted: int = 0
    revised: int = 0
    message: str = ""
    release_id: int | None = None

    @property
    def month(self) -> str:
        return self.period.strftime("%Y-%m")

    @property
    def reason(self) -> str:
        """The message without the source, month and scope it starts with (the outcome says them)."""
        text = self.message
        for prefix in (f"{self.source} {self.month} {self.scope}: ", f"{self.source} {self.month}: "):
            text = text.removeprefix(prefix)
        return text

    @property
    def warnings(self) -> list[str]:
        """What its reading or its checks found wrong with a stored release (`flows.checks`)."""
        return warnings_of(self.message)

    def line(self) -> str:
        detail = (
            f"{self.rows} rows, {self.inserted} new, {self.revised} revised" if self.rows else self.reason
        )
        if self.rows and self.warnings:
            detail += "".join(f"; warning: {w}" for w in self.warnings)
        return f"{self.source} {self.month} {self.scope}: {self.state} ({detail})"


class _WarehouseDown(Exception):
    """Another release of this run found the warehouse unable to take writes: this one does not wait."""


def _upsert(
    rt: Runtime, rows: pd.DataFrame, info: ReleaseInfo, note: str, checks: ReleaseCheck
) -> UpsertResult:
    with rt.write_lock if is_sqlite(rt.engine) else nullcontext():
        # SQLite: one writer per process; BEGIN IMMEDIATE queues other processes. Releases queued here
        # behind one that found the file locked past the busy timeout fail at once, not one by one.
        if rt.warehouse_down:
            raise _WarehouseDown(rt.warehouse_down)
        return upsert_release(rt.engine, rows, info, note=note, checks=checks)


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
    publisher = get_publisher(source)
    digest = release_digest(publisher, payloads)
    last = read_cell(rt.engine, source, scope, period)
    if not force and last is not None and last.payload_digest == digest and last.state in LOADED_STATES:
        message = "payload identical to the last one loaded" + carried_warnings(last.message)
        record_status(
            rt.engine, source=source, scope=scope, period=period, state="unchanged", message=message
        )
        return Outcome(source, scope, period, "unchanged", message=message)
    with logged_warnings() as warnings:
        rows = release_rows(publisher, payloads, period)
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
        payload_digest=digest,
    )
    unmapped = unmapped_areas(rows)
    note = f"; kept unmapped area codes: {', '.join(unmapped)}" if unmapped else ""
    if unmapped:
        log.warning("%s %s %s: kept unmapped area codes %s", source, f"{period:%Y-%m}", scope, unmapped)
    result = _upsert(rt, rows, info, note, ReleaseCheck(rows, warnings))
    message = result.message
    return Outcome(
        source,
        scope,
        period,
        result.state,
        result.rows,
        result.inserted,
        result.revised,
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
    published_at: dt.datetime | None = None,
) -> Outcome:
    """Fetch, archive, and (unless the payload is unchanged) parse, normalise and upsert one release.

    `published_at`: when the release was seen published (a watch probe), where the payload does not say.

    `fetch_guard` is held around the publisher calls only (the flows pass a per-source concurrency
    slot, so parsing and loading never keep another worker from fetching). Never raises for a
    publisher's failure except a transient one (so a task retry can take it): the failure is recorded
    in `ingest_status` and returned.
    """
    if rt.warehouse_down:  # every write would fail the same way: do not even fetch
        message = f"{source} {period:%Y-%m} {scope}: not tried: {rt.warehouse_down}"
        return _failed(rt, source, scope, period, message, record=False)
    key = (source, scope, period)
    rt.in_flight.add(key)
    try:
        return _ingest(rt, source, period, scope, force, fetch_guard, published_at)
    finally:
        rt.in_flight.discard(key)


def _ingest(
    rt: Runtime,
    source: str,
    period: dt.date,
    scope: str,
    force: bool,
    fetch_guard: Callable[[], AbstractContextManager[Any]] | None,
    published_at: dt.datetime | None = None,
) -> Outcome:
    publisher = get_publisher(source)
    try:
        with fetch_guard() if fetch_guard else nullcontext():
            fetched = publisher.fetch(rt.http, rt.settings.publisher(source), period, publisher.scope(scope))
        payloads = [redact_payload(p, rt.http.secrets) for p in fetched]  # before anything hashes or keeps it
        if published_at is not None:
            payloads = [p if p.published_at else replace(p, published_at=published_at) for p in payloads]
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
    except SourceUnavailable as exc:
        # The source stopped answering connections during this run. The release that found it out is a
        # failure; the ones after it were never tried: they keep the state they had, and say so.
        message = rt.redact(str(exc))
        if not exc.attempted:
            return Outcome(source, scope, period, "skipped", message=message)
        return _failed(rt, source, scope, period, message)
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
    for p in planned:
        cell = read_cell(rt.engine, p.source, p.scope, p.period)
        if cell is None or cell.last_checked < since:
            message = f"{p.source} {p.period:%Y-%m} {p.scope}: no outcome recorded ({why})"
            out.append(Outcome(p.source, p.scope, p.period, "failed", message=message))
            continue
        inserted = revised = 0
        if cell.state == "loaded" and cell.release_id is not None:
            inserted, revised = release_counts(rt.engine, cell.release_id)
        rows = cell.rows if cell.state == "loaded" else 0
        out.append(
            Outcome(
                p.source,
                p.scope,
                p.period,
                cell.state,
                rows,
                inserted,
                revised,
                cell.message,
                cell.release_id,
            )
        )
    return out


def reload_archived(rt: Runtime, sources: list[str], start: dt.date, end: dt.date) -> list[Outcome]:
    """`backfill --offline`: replay every archived fetch in the order it happened, without the network."""
    rt.start_run()
    outcomes = []
    for fetch in archived_fetches(rt.settings.data_dir, sources, start, end):
        source, scope, period = fetch.source, fetch.scope, fetch.period
        try:
            payloads = fetch.payloads()  # each checked against its digest before it is parsed
            outcomes.append(
                load_payloads(rt, source, scope, period, payloads, force=True, manifest=fetch.path)
            )
        except DamagedArchive as exc:
            message = f"{source} {period:%Y-%m} {scope}: archive damaged, not loaded: {exc}"
            outcomes.append(_failed(rt, source, scope, period, rt.redact(message)))
        except (TradeflowError, OSError) as exc:
            outcomes.append(_failed(rt, source, scope, period, rt.redact(str(exc))))
        except SQLAlchemyError as exc:
            line, _ = describe(exc, rt.settings.database_url)
            outcomes.append(_failed(rt, source, scope, period, f"{source} {period:%Y-%m}: {line}"))
    return outcomes
