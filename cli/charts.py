"""`tradeflow chart`: a line's (or a group's) monthly values, their change on a year earlier, and the
first-published value beside the latest where a revision moved it, as a Vega-Lite chart (Altair).

HTML files carry Vega, Vega-Lite and vega-embed inline (from vl-convert), so they open with no network;
SVG and PNG are rendered by vl-convert, with no browser.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from transforms.headline import Selection

FORMATS = (".html", ".svg", ".png")
LATEST, FIRST = "latest", "first published"


def chart_data(series: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(values in long form: one row per month and series, the first-published value only where it
    differs from the latest; the on-year changes)."""
    frame = series.dropna(subset=["value"]).copy()
    frame["month"] = [f"{end:%Y-%m}" for end in frame["end"]]
    frame["label"] = [
        f"{end:%b %Y}" if months == 1 else f"{period:%b}-{end:%b %Y}"
        for period, end, months in zip(frame["period"], frame["end"], frame["period_months"], strict=True)
    ]
    latest = frame.assign(series=LATEST)[["month", "label", "series", "value", "provisional"]]
    moved = frame[frame["first_value"].notna() & (frame["first_value"] != frame["value"])]
    first = moved.assign(series=FIRST, value=moved["first_value"])[
        ["month", "label", "series", "value", "provisional"]
    ]
    changes = frame.dropna(subset=["yoy_pct"])[["month", "label", "yoy_pct"]]
    return pd.concat([latest, first], ignore_index=True), changes.reset_index(drop=True)


def build_chart(series: pd.DataFrame, selection: Selection, currency: str) -> Any:
    import altair as alt

    values, changes = chart_data(series)
    x = alt.X("month:T", title=None, axis=alt.Axis(format="%b %Y"))
    tooltip = [
        alt.Tooltip("label:N", title="months"),
        alt.Tooltip("series:N"),
        alt.Tooltip("value:Q", format=",.0f"),
    ]
    lines = (
        alt.Chart(values, title=f"{selection.describe()} ({selection.source}), {currency}")
        .mark_line(point=True)
        .encode(
            x=x,
            y=alt.Y("value:Q", title=currency, axis=alt.Axis(format="~s")),
            color=alt.Color("series:N", title=None, scale=alt.Scale(domain=[LATEST, FIRST])),
            strokeDash=alt.StrokeDash(
                "series:N", legend=None, scale=alt.Scale(domain=[LATEST, FIRST], range=[[1, 0], [4, 3]])
            ),
            tooltip=tooltip,
        )
        .properties(width=640, height=260)
    )
    bars = (
        alt.Chart(changes, title="change on a year earlier (%)")
        .mark_bar()
        .encode(
            x=x,
            y=alt.Y("yoy_pct:Q", title="%"),
            color=alt.condition("datum.yoy_pct >= 0", alt.value("#2b7a3d"), alt.value("#b3362b")),
            tooltip=[
                alt.Tooltip("label:N", title="months"),
                alt.Tooltip("yoy_pct:Q", format="+.1f", title="%"),
            ],
        )
        .properties(width=640, height=140)
    )
    return alt.vconcat(lines, bars).resolve_scale(x="shared")


def save_chart(chart: Any, out: Path) -> None:
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"chart file {out} must end in {', '.join(FORMATS)}")
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".html":
        # Inline: no network needed to open it. SVG: the marks are elements a reader's tools can select.
        chart.save(str(out), format="html", inline=True, embed_options={"renderer": "svg", "actions": False})
    else:
        chart.save(str(out), format=suffix[1:], scale_factor=2 if suffix == ".png" else 1)
