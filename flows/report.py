"""What a run tells people: the per-release table and the markdown summaries (pure, from outcomes and the
revisions the warehouse read gives)."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from typing import Any

from extractors.errors import printable
from flows.releases import Outcome

# The state a (source, month) cell shows when its scopes differ: the one that needs a look first.
_WORST_FIRST = ("failed", "interrupted", "skipped", "not_published", "loaded", "unchanged")


def _cell(outcomes: list[Outcome]) -> str:
    state = min((o.state for o in outcomes), key=lambda s: _WORST_FIRST.index(s) if s in _WORST_FIRST else 0)
    figures = sum(o.rows for o in outcomes if o.state == "loaded")
    revised = sum(o.revised for o in outcomes)
    if state == "loaded" or figures:
        detail = f"{figures:,} figures" + (f", {revised:,} revised" if revised else "")
        return f"{state} ({detail})"
    return state.replace("_", " ")


def month_grid(outcomes: list[Outcome]) -> list[dict[str, str]]:
    """One row per month, one column per source: each cell the state of the source's releases for that
    month and how many figures they loaded (the table the UI's Artifacts tab shows)."""
    sources = sorted({o.source for o in outcomes})
    by_cell: dict[tuple[str, str], list[Outcome]] = {}
    for o in outcomes:
        by_cell.setdefault((o.month, o.source), []).append(o)
    months = sorted({o.month for o in outcomes})
    return [
        {"month": month, **{s: _cell(by_cell[(month, s)]) if (month, s) in by_cell else "-" for s in sources}}
        for month in months
    ]


def literal(text: str) -> str:
    """Text shown as written in Markdown: a code span (fenced by more backticks than the text holds in a
    row), so a publisher's `[link](...)` or `![tracking image](...)` in an error is never rendered."""
    text = printable(text)
    run = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (run + 1)
    return f"{fence} {text} {fence}"


def failures_markdown(title: str, outcomes: list[Outcome]) -> str:
    """Why each failed cell of the grid failed, one line a release."""
    failed = [o for o in outcomes if o.state in ("failed", "interrupted")]
    lines = [f"# {title}: why cells failed", ""]
    lines += [f"- **{o.source} {o.month}** `{o.scope}`: {literal(o.message)}" for o in failed] or [
        "- nothing failed"
    ]
    return "\n".join(lines) + "\n"


def release_rows(outcomes: list[Outcome]) -> list[dict[str, Any]]:
    """One row per release (source, month, scope): the detail behind the grid."""
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
    lines += [f"- {o.source} {o.month} `{o.scope}`: {literal(o.message)}" for o in failed] or ["- none"]
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
