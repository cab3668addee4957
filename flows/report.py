"""What a run tells people: the month-by-source grid and the markdown summary (pure, from outcomes)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import Engine, text

from flows.pipeline import Outcome


def grid_rows(outcomes: list[Outcome]) -> list[dict[str, Any]]:
    return [
        {
            "source": o.source,
            "month": o.month,
            "scope": o.scope,
            "state": o.state,
            "rows": o.rows,
            "new": o.inserted,
            "revised": o.updated,
            "message": o.message[:300],
        }
        for o in sorted(outcomes, key=lambda o: (o.source, o.period, o.scope))
    ]


def revisions_of(engine: Engine, release_ids: list[int], limit: int | None = 20) -> list[dict[str, Any]]:
    """The largest revisions made by these releases, by relative size."""
    if not release_ids:
        return []
    ids = ", ".join(str(int(i)) for i in release_ids)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT f.source, f.reporter, f.partner, f.flow, f.commodity_code, f.period, f.period_months,"
                " f.currency, r.old_value, r.new_value FROM trade_flow_revision r"
                f" JOIN trade_flow f ON f.id = r.trade_flow_id WHERE r.release_id IN ({ids})"
            )
        ).all()
    out = []
    for r in rows:
        change = r.new_value - r.old_value
        pct = (change / abs(r.old_value) * 100) if r.old_value else None
        out.append(
            {
                "source": r.source,
                "reporter": r.reporter,
                "partner": r.partner,
                "flow": r.flow,
                "commodity": r.commodity_code,
                "period": str(r.period)[:7],
                "months": r.period_months,
                "currency": r.currency,
                "old": r.old_value,
                "new": r.new_value,
                "change": change,
                "pct": pct,
            }
        )
    out.sort(key=lambda x: abs(x["pct"]) if x["pct"] is not None else float("inf"), reverse=True)
    return out if limit is None else out[:limit]


def _money(value: float) -> str:
    return f"{value:,.0f}"


def summary_markdown(
    title: str, outcomes: list[Outcome], revisions: list[dict[str, Any]], when: dt.datetime
) -> str:
    states = Counter(o.state for o in outcomes)
    lines = [
        f"# {title}",
        "",
        f"Run at {when.isoformat(timespec='seconds')}: {len(outcomes)} releases checked: "
        + ", ".join(f"{n} {s}" for s, n in sorted(states.items()))
        + ".",
        "",
    ]
    new = [o for o in outcomes if o.inserted]
    lines += ["## New figures", ""]
    lines += [f"- {o.source} {o.month} `{o.scope}`: {o.inserted} new" for o in new] or ["- none"]
    lines += ["", "## Revised figures", ""]
    total_revised = sum(o.updated for o in outcomes)
    if revisions:
        lines += [
            f"{total_revised} figures revised; the largest:",
            "",
            "| source | reporter | partner | flow | commodity | period | old | new | change |",
            "|---|---|---|---|---|---|---:|---:|---:|",
        ]
        for r in revisions:
            pct = f"{r['pct']:+.2f}%" if r["pct"] is not None else "n/a"
            lines.append(
                f"| {r['source']} | {r['reporter']} | {r['partner']} | {r['flow']} | {r['commodity']} |"
                f" {r['period']} | {_money(r['old'])} | {_money(r['new'])} | {_money(r['change'])}"
                f" {r['currency']} ({pct}) |"
            )
    else:
        lines.append("- none")
    lines += ["", "## Failed", ""]
    failed = [o for o in outcomes if o.state == "failed"]
    lines += [f"- {o.source} {o.month} `{o.scope}`: {o.message}" for o in failed] or ["- none"]
    return "\n".join(lines) + "\n"


def late_sources(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT source, latest_month_loaded, expected_month, late FROM source_freshness")
        ).all()
    return [
        {
            "source": r.source,
            "latest": str(r.latest_month_loaded or "-")[:7],
            "expected": str(r.expected_month)[:7],
        }
        for r in rows
        if r.late
    ]


def changes_markdown(
    outcomes: list[Outcome],
    revisions: list[dict[str, Any]],
    late: list[dict[str, Any]],
    threshold_pct: float,
    when: dt.datetime,
) -> str:
    """What changed since the previous night: new months, large revisions, late sources."""
    lines = [f"# What changed since the previous night ({when.date().isoformat()})", "", "## New months", ""]
    new = sorted({(o.source, o.month) for o in outcomes if o.inserted})
    lines += [f"- {source} {month}" for source, month in new] or ["- none"]
    big = [r for r in revisions if r["pct"] is None or abs(r["pct"]) >= threshold_pct]
    lines += ["", f"## Revisions of {threshold_pct:g}% or more", ""]
    lines += [
        f"- {r['source']} {r['reporter']}->{r['partner']} {r['flow']} {r['commodity']} {r['period']}: "
        f"{_money(r['old'])} -> {_money(r['new'])} {r['currency']}"
        + (f" ({r['pct']:+.2f}%)" if r["pct"] is not None else "")
        for r in big
    ] or ["- none"]
    lines += ["", "## Late sources", ""]
    lines += [
        f"- {x['source']}: latest month loaded {x['latest']}, expected {x['expected']}" for x in late
    ] or ["- none"]
    return "\n".join(lines) + "\n"
