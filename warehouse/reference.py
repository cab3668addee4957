"""Reference tables the views read: `source_calendar`, written from the publishers' own calendars (the
registry is the one place a calendar is written; this table is its copy for SQL), and `ref_concordance`,
from the registered commodity concordances."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Engine, text

from extractors.base import Concordance
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


def sync_concordances(engine: Engine, concordances: Mapping[str, Concordance]) -> list[str]:
    """Make `ref_concordance` hold each registered concordance as its table says; a concordance is read
    and rewritten only when its digest differs (and one no longer registered is removed). Returns the ids
    written."""
    digests = {name: concordance.digest() for name, concordance in concordances.items()}
    with engine.connect() as conn:
        stored: dict[str, str] = {
            str(c): str(d)
            for c, d in conn.execute(text("SELECT concordance, digest FROM ref_concordance_version"))
        }
    stale = [name for name in concordances if stored.get(name) != digests[name]]
    gone = [name for name in stored if name not in concordances]
    if not stale and not gone:
        return []
    with write_connection(engine) as conn, conn.begin():
        for name in [*stale, *gone]:
            conn.execute(text("DELETE FROM ref_concordance WHERE concordance = :c"), {"c": name})
            conn.execute(text("DELETE FROM ref_concordance_version WHERE concordance = :c"), {"c": name})
        for name in stale:
            mapping = concordances[name].mapping()
            rows = [{"c": name, "code": code, "t": target} for code, target in sorted(mapping.items())]
            conn.execute(
                text("INSERT INTO ref_concordance (concordance, code, target) VALUES (:c, :code, :t)"), rows
            )
            conn.execute(
                text("INSERT INTO ref_concordance_version (concordance, digest, lines) VALUES (:c, :d, :n)"),
                {"c": name, "d": digests[name], "n": len(rows)},
            )
    return stale
