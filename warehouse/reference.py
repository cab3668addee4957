"""Reference tables the views read: `source_calendar`, written from the publishers' own calendars (the
registry is the one place a calendar is written; this table is its copy for SQL)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, text

from warehouse.connections import write_connection


@dataclass(frozen=True)
class CalendarRow:
    source: str
    lag_months: int | None  # None: no calendar (never late)
    release_day: int | None  # month M is late once this day of month M + lag has passed
    note: str


def sync_source_calendar(engine: Engine, rows: list[CalendarRow]) -> None:
    """Make `source_calendar` say what the publishers say; a write only when something differs."""
    with engine.connect() as conn:
        stored = {
            r.source: CalendarRow(r.source, r.lag_months, r.release_day, r.note)
            for r in conn.execute(text("SELECT source, lag_months, release_day, note FROM source_calendar"))
        }
    if stored == {row.source: row for row in rows}:
        return
    with write_connection(engine) as conn, conn.begin():
        conn.execute(text("DELETE FROM source_calendar"))
        for row in rows:
            conn.execute(
                text(
                    "INSERT INTO source_calendar (source, lag_months, release_day, note)"
                    " VALUES (:source, :lag_months, :release_day, :note)"
                ),
                {
                    "source": row.source,
                    "lag_months": row.lag_months,
                    "release_day": row.release_day,
                    "note": row.note[:200],
                },
            )
