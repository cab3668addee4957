"""`ingest_status`, the month-by-source grid: every statement that writes or reads it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, text

from warehouse.connections import utcnow, write_connection

# A status message carries a release's warnings after its counts: "12 new, 0 revised, 3 unchanged;
# warning: ...; warning: ..." (flows.checks).
WARNING_MARK = "; warning: "


def warnings_of(message: str) -> list[str]:
    """A status message's warnings, one string each."""
    return message.split(WARNING_MARK)[1:]


def carried_warnings(message: str) -> str:
    """The warnings of a status message, as a tail to keep on the next message of the same release."""
    _, mark, rest = message.partition(WARNING_MARK)
    return mark + rest


def write_status(
    conn: Connection,
    *,
    source: str,
    scope: str,
    period: dt.date,
    state: str,
    now: dt.datetime,
    changed: bool,
    rows: int | None = None,
    message: str = "",
    release_id: int | None = None,
    payload_digest: str | None = None,
) -> None:
    """Upsert one cell of the month-by-source grid. Identical SQL on both databases.

    `rows`, `release_id` and `payload_digest` left as None keep what the cell had (a failed or skipped check
    does not forget what was loaded before).
    """
    keep_rows = "ingest_status.rows" if rows is None else "excluded.rows"
    keep = "ingest_status.release_id" if release_id is None else "excluded.release_id"
    keep_digest = "ingest_status.payload_digest" if payload_digest is None else "excluded.payload_digest"
    last_changed = "excluded.last_changed" if changed else "ingest_status.last_changed"
    conn.execute(
        text(
            "INSERT INTO ingest_status (source, scope, period, state, last_checked, last_changed, rows, message,"
            " release_id, payload_digest) VALUES (:source, :scope, :period, :state, :now, :changed_at, :rows, :message,"
            " :release_id, :payload_digest) ON CONFLICT (source, scope, period) DO UPDATE SET state = excluded.state,"
            f" last_checked = excluded.last_checked, last_changed = {last_changed}, rows = {keep_rows},"
            f" message = excluded.message, release_id = {keep}, payload_digest = {keep_digest}"
        ),
        {
            "source": source,
            "scope": scope,
            "period": period,
            "state": state,
            "now": now,
            "changed_at": now if changed else None,
            "rows": rows or 0,
            "message": message[:4000],
            "release_id": release_id,
            "payload_digest": payload_digest,
        },
    )


def record_statuses(engine: Engine, records: list[tuple[str, str, dt.date, str, str]]) -> None:
    """Record several checks that loaded nothing, (source, scope, period, state, message) each, at once."""
    now = utcnow()
    with write_connection(engine) as conn, conn.begin():
        for source, scope, period, state, message in records:
            write_status(
                conn,
                source=source,
                scope=scope,
                period=period,
                state=state,
                now=now,
                changed=False,
                message=message,
            )


def record_status(
    engine: Engine, *, source: str, scope: str, period: dt.date, state: str, message: str = ""
) -> None:
    """Record a check that loaded nothing (`not_published`, `failed`), in its own transaction."""
    with write_connection(engine) as conn, conn.begin():
        write_status(
            conn,
            source=source,
            scope=scope,
            period=period,
            state=state,
            now=utcnow(),
            changed=False,
            message=message,
        )


@dataclass(frozen=True)
class StatusCell:
    """One (source, scope, period) of the grid: what happened the last time it was checked."""

    source: str
    scope: str
    period: dt.date
    state: str
    rows: int
    last_checked: dt.datetime  # aware, UTC
    last_changed: dt.datetime | None
    message: str
    release_id: int | None
    payload_digest: str | None


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _utc(value: Any) -> dt.datetime:
    """A stored timestamp as an aware UTC datetime (SQLite hands back text, PostgreSQL a datetime)."""
    when = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


def read_status(engine: Engine, source: str | None = None) -> list[StatusCell]:
    """Every cell of the grid (or one source's), by source, period and scope."""
    where = " WHERE source = :s" if source else ""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT source, scope, period, state, rows, last_checked, last_changed, message, release_id,"
                f" payload_digest FROM ingest_status{where} ORDER BY source, period, scope"
            ),
            {"s": source},
        ).all()
    return [
        StatusCell(
            r.source,
            r.scope,
            _date(r.period),
            r.state,
            int(r.rows or 0),
            _utc(r.last_checked),
            _utc(r.last_changed) if r.last_changed is not None else None,
            r.message or "",
            int(r.release_id) if r.release_id is not None else None,
            r.payload_digest,
        )
        for r in rows
    ]


def read_cell(engine: Engine, source: str, scope: str, period: dt.date) -> StatusCell | None:
    """One cell of the grid, or None if it was never checked."""
    with engine.connect() as conn:
        r = conn.execute(
            text(
                "SELECT state, rows, last_checked, last_changed, message, release_id, payload_digest"
                " FROM ingest_status WHERE source = :s AND scope = :sc AND period = :p"
            ),
            {"s": source, "sc": scope, "p": period},
        ).first()
    if r is None:
        return None
    return StatusCell(
        source,
        scope,
        period,
        r.state,
        int(r.rows or 0),
        _utc(r.last_checked),
        _utc(r.last_changed) if r.last_changed is not None else None,
        r.message or "",
        int(r.release_id) if r.release_id is not None else None,
        r.payload_digest,
    )


def release_counts(engine: Engine, release_id: int) -> tuple[int, int]:
    """(figures first published by this release, revisions it made)."""
    with engine.connect() as conn:
        inserted = conn.execute(
            text("SELECT count(*) FROM trade_flow WHERE first_release_id = :r"), {"r": release_id}
        ).scalar_one()
        revised = conn.execute(
            text("SELECT count(*) FROM trade_flow_revision WHERE release_id = :r"), {"r": release_id}
        ).scalar_one()
    return int(inserted), int(revised)


def release_lags(engine: Engine) -> dict[str, dict[str, Any]]:
    """Each source's latest release: when it was published (where known), loaded, and the lag between."""
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT source, latest_published_at, latest_loaded_at, lag_minutes FROM source_freshness")
        ).all()
    return {
        r.source: {
            "latest_published_at": _iso(r.latest_published_at),
            "latest_loaded_at": _iso(r.latest_loaded_at),
            "lag_minutes": None if r.lag_minutes is None else round(float(r.lag_minutes), 1),
        }
        for r in rows
    }


def _iso(value: Any) -> str | None:
    """An instant as ISO text in UTC (SQLite hands back its stored text, PostgreSQL a datetime)."""
    if value is None:
        return None
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")
