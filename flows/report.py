"""What a run tells people: the per-release table and the markdown summaries (pure, from outcomes and the
revisions the warehouse read gives)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from flows.releases import Outcome


def grid_rows(outcomes: list[Outcome]) -> list[dict[str, Any]]:
    return [
        {
            "source": o.source,
            "month": o.month,
            "scope": o.scope,
            "state": o.state,
            "rows": o.rows,
            "new": o.inserted,
            "revised": o.revised,
            "message": o.message[:300],
        }
        for o in sorted(outcomes, key=lambda o: (o.source, o.period, o.scope))
    ]


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
    total_revised = sum(o.revised for o in outcomes)
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
