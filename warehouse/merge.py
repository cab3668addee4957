"""Merge a staged release into `trade_flow`: new figures inserted, changed ones revised with one
`trade_flow_revision` row each, unchanged ones never written.

Row hashes prune first: a figure whose hash is already stored for its source and month is unchanged and
never staged. The rest are compared column by column with the stored figure (`differs`), so a hash can
cost time but never a revision.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from sqlalchemy import Connection, text

from transforms.schema import CANONICAL_COLUMNS, KEY_COLUMNS, MEASURE_COLUMNS
from warehouse.bulk import CHANGED, STAGE, driver, driver_errors


def source_is_empty(conn: Connection, sources: list[str]) -> bool:
    """True when no stored figure belongs to these sources: then nothing can conflict (the source lock
    is held), and the rows go straight into trade_flow."""
    for source in sources:
        if conn.execute(text("SELECT 1 FROM trade_flow WHERE source = :s LIMIT 1"), {"s": source}).first():
            return False
    return True


_ROW_HASH_QUERY = "SELECT {columns} FROM trade_flow WHERE source IN ({sources}) AND period IN ({periods})"


def stored_row_hashes(
    conn: Connection, sources: list[str], periods: list[dt.date]
) -> tuple[np.ndarray, int | None]:
    """The row hashes already stored for these sources and months, read straight off the driver, and
    how many of their figures have none yet (stored before migration 0004; None: not counted).

    PostgreSQL packs them into one bytea server-side (8 big-endian bytes each; bytea's 1 GB limit is
    134 million figures): one value to fetch, 2.7x faster than a binary COPY, whose rows psycopg hands
    over one at a time.
    """
    raw = driver(conn)
    if conn.dialect.name == "postgresql":
        query = _ROW_HASH_QUERY.format(
            columns="string_agg(int8send(row_hash), ''::bytea), count(*) - count(row_hash)",
            sources=", ".join(["%s"] * len(sources)),
            periods=", ".join(["%s"] * len(periods)),
        )
        with driver_errors(conn, query), raw.cursor(binary=True) as cur:
            packed, missing = cur.execute(query, [*sources, *periods]).fetchone()
        return np.frombuffer(packed or b"", dtype=">i8").astype(np.int64), int(missing)
    query = _ROW_HASH_QUERY.format(
        columns="row_hash", sources=", ".join("?" * len(sources)), periods=", ".join("?" * len(periods))
    )
    query += " AND row_hash IS NOT NULL"
    with driver_errors(conn, query):
        hashes = raw.execute(query, [*sources, *(p.isoformat() for p in periods)]).fetchall()
    return np.array(hashes, dtype=np.int64).reshape(-1), None  # SQLite: counting would cost a pass


def _differs(dialect: str, left: str, right: str) -> str:
    if dialect == "postgresql":
        lcols = ", ".join(f"{left}.{c}" for c in MEASURE_COLUMNS)
        rcols = ", ".join(f"{right}.{c}" for c in MEASURE_COLUMNS)
        return f"({lcols}) IS DISTINCT FROM ({rcols})"
    return "(" + " OR ".join(f"{left}.{c} IS NOT {right}.{c}" for c in MEASURE_COLUMNS) + ")"


def merge_staged(conn: Connection, release_id: int, now: dt.datetime, *, backfill: bool) -> tuple[int, int]:
    """Staged rows against stored figures, in one join: new and changed rows only go on. Returns
    (inserted, revised). `backfill`: some stored figures have no row hash yet; give them theirs."""
    dialect = conn.dialect.name
    join = " AND ".join(f"t.{c} = s.{c}" for c in KEY_COLUMNS)
    temp = "" if dialect == "postgresql" else "temp."
    on_commit = " ON COMMIT DROP" if dialect == "postgresql" else ""
    cols = ", ".join(CANONICAL_COLUMNS)
    # Unchanged figures (the usual reload) drop out here, in a single hash join, and are never written.
    conn.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {CHANGED}{on_commit} AS "
        f"SELECT {', '.join(f's.{c}' for c in CANONICAL_COLUMNS)}, s.row_hash, t.id AS trade_flow_id, "
        f"t.value AS old_value, "
        f"t.net_weight_kg AS old_net_weight_kg, t.quantity AS old_quantity, t.provisional AS old_provisional, "
        f"t.valuation AS old_valuation, t.quantity_unit AS old_quantity_unit, "
        f"t.release_id AS old_release_id "
        f"FROM {temp}{STAGE} s LEFT JOIN trade_flow t ON {join} "
        f"WHERE t.id IS NULL OR {_differs(dialect, 't', 's')}"
    )
    params = {"rid": release_id, "now": now}
    revised = conn.execute(
        text(
            "INSERT INTO trade_flow_revision (trade_flow_id, old_value, new_value, old_net_weight_kg,"
            " new_net_weight_kg, old_quantity, new_quantity, old_provisional, new_provisional,"
            " old_valuation, new_valuation, old_quantity_unit, new_quantity_unit,"
            " old_release_id, release_id, revised_at)"
            " SELECT trade_flow_id, old_value, value, old_net_weight_kg, net_weight_kg, old_quantity,"
            " quantity, old_provisional, provisional, old_valuation, valuation, old_quantity_unit,"
            f" quantity_unit, old_release_id, :rid, :now FROM {temp}{CHANGED}"
            " WHERE trade_flow_id IS NOT NULL"
        ),
        params,
    ).rowcount
    if revised:
        sets = ", ".join(f"{c} = c.{c}" for c in (*MEASURE_COLUMNS, "commodity_name", "row_hash"))
        conn.execute(
            text(
                f"UPDATE trade_flow SET {sets}, release_id = :rid, updated_at = :now"
                f" FROM {temp}{CHANGED} c WHERE trade_flow.id = c.trade_flow_id"
            ),
            params,
        )
    inserted = conn.execute(
        text(
            f"INSERT INTO trade_flow ({cols}, row_hash, first_value, first_release_id, release_id, first_seen_at,"
            f" updated_at) SELECT {cols}, row_hash, value, :rid, :rid, :now, :now FROM {temp}{CHANGED}"
            " WHERE trade_flow_id IS NULL"
        ),
        params,
    ).rowcount
    if backfill:  # figures stored before row hashes existed get theirs now (no revision: nothing changed)
        conn.exec_driver_sql(
            f"UPDATE trade_flow SET row_hash = s.row_hash FROM {temp}{STAGE} s"
            f" WHERE trade_flow.row_hash IS NULL AND {' AND '.join(f'trade_flow.{c} = s.{c}' for c in KEY_COLUMNS)}"
        )
    if dialect == "sqlite":
        conn.exec_driver_sql(f"DROP TABLE temp.{STAGE}")
        conn.exec_driver_sql(f"DROP TABLE temp.{CHANGED}")
    return inserted, revised
