"""`tradeflow status`: the month-by-source grid and per-source freshness, as text or JSON."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Engine

from warehouse.status import read_status, release_lags, warnings_of

STATE_MARKS = {"loaded": "L", "unchanged": "=", "not_published": ".", "failed": "F", "interrupted": "I"}


@dataclass(frozen=True)
class Cell:
    """A grid cell as people read it: months as YYYY-MM, times as ISO text."""

    source: str
    scope: str
    period: str
    state: str
    rows: int
    last_checked: str
    last_changed: str | None
    message: str


def read_cells(engine: Engine) -> list[Cell]:
    return [
        Cell(
            c.source,
            c.scope,
            c.period.strftime("%Y-%m"),
            c.state,
            c.rows,
            c.last_checked.isoformat(),
            c.last_changed.isoformat() if c.last_changed else None,
            c.message,
        )
        for c in read_status(engine)
    ]


def freshness(cells: list[Cell]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for cell in cells:
        entry = out.setdefault(
            cell.source,
            {
                "last_loaded_month": None,
                "last_checked": None,
                "last_changed": None,
                "failed": 0,
                "unreachable_since": None,
                "warnings": 0,
            },
        )
        entry["warnings"] += bool(warnings_of(cell.message))
        if cell.state in ("loaded", "unchanged") and (entry["last_loaded_month"] or "") < cell.period:
            entry["last_loaded_month"] = cell.period
        if (entry["last_checked"] or "") < cell.last_checked:
            entry["last_checked"] = cell.last_checked
        if cell.last_changed and (entry["last_changed"] or "") < cell.last_changed:
            entry["last_changed"] = cell.last_changed
        entry["failed"] += cell.state == "failed"
        # A release that found its publisher unreachable (flows.releases): since the earliest still on record.
        if cell.state == "failed" and "unreachable:" in cell.message:
            since = entry["unreachable_since"]
            entry["unreachable_since"] = min(since, cell.last_checked) if since else cell.last_checked
    return out


def grid(cells: list[Cell]) -> dict[str, dict[str, str]]:
    """period -> source -> worst state over the source's scopes (failed > interrupted > not_published >
    loaded > unchanged)."""
    order = {"failed": 4, "interrupted": 3, "not_published": 2, "loaded": 1, "unchanged": 0}
    out: dict[str, dict[str, str]] = {}
    for cell in cells:
        row = out.setdefault(cell.period, {})
        current = row.get(cell.source)
        if current is None or order.get(cell.state, 0) > order.get(current, 0):
            row[cell.source] = cell.state
    return dict(sorted(out.items()))


def _lag(minutes: float | None) -> str:
    if minutes is None:
        return "-"
    if minutes < 120:
        return f"{minutes:.0f} min"
    return f"{minutes / 60:.1f} h" if minutes < 48 * 60 else f"{minutes / 1440:.1f} d"


def render_status(engine: Engine, fmt: str) -> str:
    cells = read_cells(engine)
    lags = release_lags(engine)
    fresh = freshness(cells)
    for source, entry in fresh.items():
        entry.update(
            lags.get(source, {"latest_published_at": None, "latest_loaded_at": None, "lag_minutes": None})
        )
    if fmt == "json":
        doc = {"grid": grid(cells), "freshness": fresh, "cells": [asdict(c) for c in cells]}
        return json.dumps(doc, indent=1) + "\n"
    table = grid(cells)
    sources = sorted({c.source for c in cells})
    if not sources:
        return "nothing checked yet: run `tradeflow nightly` or `tradeflow backfill`\n"
    width = max(13, *(len(s) for s in sources))  # the longest state, "not_published", or a longer source id
    lines = ["month    " + " ".join(f"{s:<{width}}" for s in sources)]
    for period, row in table.items():
        lines.append(f"{period}  " + " ".join(f"{row.get(s, '-'):<{width}}" for s in sources))
    lines.append("")
    lines.append(
        f"{'source':<{width}} {'last loaded':<12} {'last checked (UTC)':<26} {'last changed (UTC)':<26} "
        f"{'lag':<8} failed"
    )
    for source, f in fresh.items():
        checked, changed = (str(f[k] or "-")[:19].replace("T", " ") for k in ("last_checked", "last_changed"))
        note = (
            f"  unreachable since {f['unreachable_since'][:19].replace('T', ' ')}"
            if f["unreachable_since"]
            else ""
        )
        lines.append(
            f"{source:<{width}} {f['last_loaded_month'] or '-':<12} {checked:<26} {changed:<26} "
            f"{_lag(f['lag_minutes']):<8} {f['failed']}{note}"
        )
    warned = [c for c in cells if warnings_of(c.message)]
    if warned:
        lines += ["", f"stored with warnings ({len(warned)}):"]
        for cell in warned:
            lines += [f"  {cell.source} {cell.period} {cell.scope}: {w}" for w in warnings_of(cell.message)]
    return "\n".join(lines) + "\n"
