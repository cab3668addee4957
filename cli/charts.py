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
QUARTERLY_AFTER = 24  # months: over longer spans the x axis has a tick per quarter (and the last month)
_SYMBOLS = {"USD": "$", "EUR": "€"}
_FLOWS = {"export": "exports", "import": "imports", "re_export": "re-exports", "re_import": "re-imports"}


def money(value: float, currency: str) -> str:
    """13_214_000_000, USD -> "$13.2 bn"; 820_000_000, CNY -> "CNY 820 m"."""
    prefix = _SYMBOLS.get(currency, f"{currency} ")
    size = abs(value)
    if size >= 1e9:
        return f"{prefix}{value / 1e9:,.1f} bn".replace(".0 bn", " bn")
    if size >= 1e6:
        return f"{prefix}{value / 1e6:,.1f} m".replace(".0 m", " m")
    return f"{prefix}{value:,.0f}"


def _money_expr(currency: str) -> str:
    """`money` as a Vega expression, for the axis labels."""
    prefix = _SYMBOLS.get(currency, f"{currency} ").replace("'", "")
    v = "datum.value"
    return (
        f"'{prefix}' + (abs({v}) >= 1e9 ? format({v} / 1e9, ',.1~f') + ' bn'"
        f" : abs({v}) >= 1e6 ? format({v} / 1e6, ',.1~f') + ' m' : format({v}, ',.0f'))"
    )


def chart_title(selection: Selection, currency: str, days: int = 0) -> str:
    """In words: "China's exports to South Korea, USD"; "South Korea's exports of semiconductors to the
    world, USD"."""
    from transforms.areas import plain_name, possessive

    flows = _FLOWS.get(selection.flow, selection.flow)
    if selection.label:  # a labelled group reads as the news writes it: "South Korea's semiconductor exports"
        what = f"{possessive(plain_name(selection.reporter))} {selection.label} {flows}"
    else:
        what = f"{possessive(plain_name(selection.reporter))} {flows}"
    if selection.commodity != "TOTAL" and not selection.label:
        what += f" of {selection.commodity}"
    composition = selection.composition
    if composition is not None and not composition.complete:
        what += f" (incomplete: {len(composition.missing)} of the group's lines have no figures)"
    towards = "to" if selection.flow.endswith("export") else "from"
    title = f"{what} {towards} {plain_name(selection.partner)}, {currency}"
    if days:
        title += f", the first {days} days of each month"
    return title[0].upper() + title[1:]


def chart_data(
    series: pd.DataFrame, currency: str = "USD", days: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(values in long form: one row per month and series, the first-published value only where it
    differs from the latest; the on-year changes). `days`: the series is of days 1 to N of each month."""
    frame = series.dropna(subset=["value"]).copy()
    frame["month"] = [f"{end:%Y-%m}" for end in frame["end"]]
    frame["label"] = [
        f"{end:%b %Y}" if months == 1 else f"{period:%b}-{end:%b %Y}"
        for period, end, months in zip(frame["period"], frame["end"], frame["period_months"], strict=True)
    ]
    if days:
        frame["label"] = [f"{label}, days 1-{days}" for label in frame["label"]]
    columns = ["month", "label", "series", "value", "shown", "provisional"]
    latest = frame.assign(series=LATEST)
    moved = frame[frame["first_value"].notna() & (frame["first_value"] != frame["value"])]
    first = moved.assign(series=FIRST, value=moved["first_value"])
    values = pd.concat([latest, first], ignore_index=True)
    values["shown"] = [money(v, currency) for v in values["value"]]
    changes = frame.dropna(subset=["yoy_pct"])[["month", "label", "yoy_pct"]]
    return values[columns], changes.reset_index(drop=True)


def _month_axis(months: list[str]) -> Any:
    """One tick per month, each labelled in words ("Aug 2026"); over long spans a label per quarter,
    and the last month's always."""
    import altair as alt

    words = "timeFormat(toDate(datum.value + '-01T00:00:00'), '%b %Y')"
    if len(months) > QUARTERLY_AFTER:
        last = months[-1]
        shown = f"(indexof(['01', '04', '07', '10'], substring(datum.value, 5, 7)) >= 0 || datum.value == '{last}')"
        expr = f"{shown} ? {words} : ''"
    else:
        expr = words
    return alt.Axis(title=None, labelExpr=expr, labelAngle=-45, labelOverlap=False)


def build_chart(series: pd.DataFrame, selection: Selection, currency: str, days: int = 0) -> Any:
    import altair as alt

    values, changes = chart_data(series, currency, days)
    months = sorted(set(values["month"]))
    x = alt.X("month:O", sort=months, scale=alt.Scale(domain=months), axis=_month_axis(months))
    tooltip = [
        alt.Tooltip("label:N", title="days" if days else "months"),
        alt.Tooltip("series:N"),
        alt.Tooltip("shown:N", title="value"),
    ]
    title: dict[str, Any] = {"text": chart_title(selection, currency, days)}
    if changes.empty:
        same = f"the same {days} days " if days else ""
        title["subtitle"] = (
            f"No change on a year earlier to draw: no figures for {same}a year before {months[0]} are loaded."
        )
    lines = (
        alt.Chart(values, title=alt.TitleParams(**title))
        .mark_line(point=True)
        .encode(
            x=x,
            y=alt.Y("value:Q", title=None, axis=alt.Axis(labelExpr=_money_expr(currency))),
            color=alt.Color("series:N", title=None, scale=alt.Scale(domain=[LATEST, FIRST])),
            strokeDash=alt.StrokeDash(
                "series:N", title=None, scale=alt.Scale(domain=[LATEST, FIRST], range=[[1, 0], [4, 3]])
            ),
            tooltip=tooltip,
        )
        .properties(width=640, height=260)
    )
    if changes.empty:
        return lines
    bars = (
        alt.Chart(changes, title="Change on a year earlier (%)")
        .mark_bar()
        .encode(
            x=x,
            y=alt.Y("yoy_pct:Q", title=None, axis=alt.Axis(labelExpr="format(datum.value, '+~f') + '%'")),
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
