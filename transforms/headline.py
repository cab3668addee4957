"""The figures analysts quote, from rows of the view trade_flow_growth: a line's (or a commodity group's)
monthly series, and a year's or year-to-date's total with its change on a year earlier.

Pure functions over frames. The view already holds each line's year to date and its value a year earlier;
what is done here is only what the view cannot know: summing the codes of a group (tradeflow.toml
`[groups]`), complete only when every code is there, and choosing the months a sentence speaks of.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from transforms.areas import plain_name, possessive
from transforms.groups import Composition
from transforms.months import add_months

TOTAL = "TOTAL"
SUMMED = ("value", "prior_year_value", "ytd_value", "ytd_prior_year_value", "first_value")


class HeadlineError(ValueError):
    """The figures a headline or chart asks for are not in the warehouse (the message says which)."""


@dataclass(frozen=True)
class Selection:
    """One line of figures, or a group's lines: what `tradeflow headline` and `chart` are given."""

    source: str
    reporter: str
    partner: str
    flow: str
    commodity: str  # a commodity code, TOTAL, or a group's name
    codes: tuple[str, ...]  # the commodity codes it sums (one for a code)
    currency: str | None = None
    label: str = ""  # a group's name in a sentence ("semiconductor"): the sentence reads as the news does
    composition: Composition | None = None  # a concordance group's: its lines, and those missing

    @property
    def is_group(self) -> bool:
        return self.codes != (self.commodity,)

    def describe(self) -> str:
        verb = {
            "export": "exports",
            "import": "imports",
            "re_export": "re-exports",
            "re_import": "re-imports",
        }
        what = f"{self.reporter} {verb.get(self.flow, self.flow)}"
        if self.commodity != TOTAL:
            what += f" of {self.commodity}"
        if self.partner == "WLD":
            return f"{what} to the world" if self.flow.endswith("export") else f"{what} from the world"
        return f"{what} {'to' if self.flow.endswith('export') else 'from'} {self.partner}"


def select(
    source: str,
    reporter: str,
    partner: str,
    flow: str,
    commodity: str,
    groups: dict[str, list[str]],
    currency: str | None = None,
) -> Selection:
    codes = tuple(groups.get(commodity, [commodity]))
    return Selection(source, reporter, partner, flow, commodity, codes, currency)


def end_month(period: dt.date, months: int) -> dt.date:
    return add_months(period, months - 1)


def combined_series(rows: pd.DataFrame, codes: tuple[str, ...]) -> pd.DataFrame:
    """One row per month ending (`end`): the codes' figures summed, NaN where any code's figure is
    missing or NULL, so a group is complete only when every code is there. For one code, the view's rows.

    `rows`: trade_flow_growth rows of one source, reporter, partner, flow and currency, with `first_value`
    (the first-published value, NaN for derived months)."""
    if rows.empty:
        return pd.DataFrame(
            columns=["end", "period", "period_months", *SUMMED, "yoy_pct", "ytd_yoy_pct", "ytd_months"]
        )
    frame = rows.copy()
    frame["end"] = [
        end_month(p, int(m)) for p, m in zip(frame["period"], frame["period_months"], strict=True)
    ]
    by_end = frame.groupby("end", sort=True)
    out = by_end.agg(
        period=("period", "first"),
        period_months=("period_months", "max"),
        ytd_months=("ytd_months", "max"),
        provisional=("provisional", "any"),
        derived=("derived", "any"),
        released_at=("released_at", "max"),
        shapes=("period_months", "nunique"),
    )
    same_shape = out["shapes"] == 1  # a code's month beside another's January-February does not add up
    for column in SUMMED:
        # Complete only when every code has the figure: a missing row and a NULL both leave it short.
        present = by_end[column].count() == len(codes)
        out[column] = by_end[column].sum(min_count=1).where(same_shape & present)
    out["yoy_pct"] = _pct(out["value"], out["prior_year_value"])
    out["ytd_yoy_pct"] = _pct(out["ytd_value"], out["ytd_prior_year_value"])
    return out.drop(columns=["shapes"]).reset_index()


def _pct(value: pd.Series, before: pd.Series) -> pd.Series:
    before = before.where(before != 0)
    return (value / before - 1) * 100


@dataclass(frozen=True)
class Headline:
    selection: Selection
    year: int
    through_month: int  # the last month asked for (12: the year)
    months: int  # the months the value covers, from January
    value: float
    prior_year_value: float | None
    yoy_pct: float | None
    provisional: bool
    currency: str
    last_released_at: dt.datetime | None

    @property
    def complete(self) -> bool:
        """Every month asked for, and every line of a concordance group."""
        composition = self.selection.composition
        return self.months == self.through_month and (composition is None or composition.complete)

    def as_json(self) -> dict[str, Any]:
        return {
            **_figures_json(self),
            "months": self.months,
            "complete": self.complete,
            **self._lines(),
        }

    def _lines(self) -> dict[str, list[str]]:
        composition = self.selection.composition
        if composition is None:
            return {}
        return {
            "lines": list(composition.used),
            "missing_lines": list(composition.missing),
            "partial_lines": list(composition.partial),
        }

    def sentence(self) -> str:
        """One sentence to quote: 'KOR exports to CHN, 2024: USD 133.0 bn, +6.6% on year (12 of 12
        months, <source>, last released 2025-01-15)'; for a labelled group, as the news writes it: "South
        Korea's semiconductor exports rose 43.9% on-year to $141.9 bn in 2024 (...)", and a second line
        saying which lines it is made of."""
        span = str(self.year) if self.months == 12 else f"{_months_span(self.months)} {self.year}"
        notes = [f"{self.months} of {self.through_month} months"]
        composition = self.selection.composition
        if composition is not None and not composition.complete:  # never quoted as if it were whole
            notes.insert(0, f"INCOMPLETE: {_lines(len(composition.missing))} of the group without figures")
        if self.provisional:
            notes.append("provisional")
        notes.append(self.selection.source)
        if self.last_released_at:
            notes.append(f"last released {self.last_released_at:%Y-%m-%d}")
        if self.selection.label:
            return f"{self._news(span)} ({', '.join(notes)})" + self._made_of()
        change = f"{self.yoy_pct:+.1f}% on year" if self.yoy_pct is not None else "no figure a year earlier"
        money = format_money(self.value, self.currency)
        return (
            f"{self.selection.describe()}, {span}: {money}, {change} ({', '.join(notes)})" + self._made_of()
        )

    def _news(self, span: str) -> str:
        chosen = self.selection
        flow = {"export": "exports", "import": "imports"}.get(
            chosen.flow, chosen.flow.replace("_", "-") + "s"
        )
        partner = ""
        if chosen.partner != "WLD":
            partner = f" {'to' if chosen.flow.endswith('export') else 'from'} {plain_name(chosen.partner)}"
        money = format_money(self.value, self.currency, symbol=True)
        if self.yoy_pct is None:
            change = "came to"
        else:
            change = f"{'rose' if self.yoy_pct >= 0 else 'fell'} {abs(self.yoy_pct):.1f}% on-year to"
        who = possessive(plain_name(chosen.reporter))
        return f"{who} {chosen.label} {flow}{partner} {change} {money} in {span}"

    def _made_of(self) -> str:
        composition = self.selection.composition
        if composition is None:
            return ""
        said = f"\n  made of {_lines(len(composition.used))}: {', '.join(composition.used)}"
        if composition.partial:
            said += f"; not counted, only partly in the group: {', '.join(composition.partial)}"
        if composition.missing:
            shown = ", ".join(composition.missing[:10]) + (" ..." if len(composition.missing) > 10 else "")
            return said + f"\n  incomplete: no figures for {len(composition.missing)} of its lines ({shown})"
        return said + "; complete"


def _lines(n: int) -> str:
    return f"{n} line" if n == 1 else f"{n} lines"


def _months_span(months: int) -> str:
    last = dt.date(2000, months, 1)
    return "January" if months == 1 else f"January-{last:%B}"


def format_money(value: float, currency: str, *, symbol: bool = False) -> str:
    """'USD 141.9 bn'; with `symbol`, dollars as the news writes them: '$141.9 bn'."""
    unit = "$" if symbol and currency == "USD" else f"{currency} "
    for size, word in ((1e12, "tn"), (1e9, "bn"), (1e6, "mn")):
        if abs(value) >= size:
            return f"{unit}{value / size:,.1f} {word}"
    return f"{unit}{value:,.0f}"


def _missing(series: pd.DataFrame, year: int, through: int) -> list[str]:
    covered: set[int] = set()
    for end, months in zip(series["end"], series["period_months"], strict=True):
        if end.year == year:
            covered.update(range(end.month - int(months) + 1, end.month + 1))
    return [f"{dt.date(year, m, 1):%b}" for m in range(1, through + 1) if m not in covered]


def headline(
    series: pd.DataFrame, selection: Selection, currency: str, year: int, through: int = 12
) -> Headline:
    """The year to date through `through` (12: the whole year) or, when its last months are not out yet,
    through the latest month there is. HeadlineError when a month inside it is missing."""
    name = selection.describe()
    mine = series[[end.year == year and end.month <= through for end in series["end"]]]
    if mine.empty:
        raise HeadlineError(f"no figures for {name} ({selection.source}, {currency}) in {year}")
    last = mine.iloc[-1]
    if pd.isna(last["ytd_value"]):
        missing = _missing(mine, year, int(last["end"].month))
        if selection.is_group and not missing:
            raise HeadlineError(
                f"{name} {year}: the group's codes ({', '.join(selection.codes)}) are not all there for "
                f"{last['end']:%B}"
            )
        raise HeadlineError(
            f"{name} through {last['end']:%B %Y} is incomplete: no figures for "
            f"{', '.join(missing) or 'some months'} ({selection.source}, {currency})"
        )
    released = mine["released_at"].dropna()
    return Headline(
        selection=selection,
        year=year,
        through_month=through,
        months=int(last["ytd_months"]),
        value=float(last["ytd_value"]),
        prior_year_value=_number(last["ytd_prior_year_value"]),
        yoy_pct=_number(last["ytd_yoy_pct"]),
        provisional=bool(mine["provisional"].any()),
        currency=currency,
        last_released_at=pd.Timestamp(released.max()).to_pydatetime() if len(released) else None,
    )


def _number(value: Any) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


@dataclass(frozen=True)
class PartMonthHeadline:
    """Days 1 to N of a month against the same days of that month a year earlier (Korea's early figures)."""

    selection: Selection
    month: dt.date
    days: int
    value: float
    prior_year_value: float | None
    yoy_pct: float | None
    provisional: bool
    currency: str
    last_released_at: dt.datetime | None

    def as_json(self) -> dict[str, Any]:
        return {**_figures_json(self), "month": f"{self.month:%Y-%m}", "days": self.days}

    def sentence(self) -> str:
        """'KOR exports to the world, in the first 20 days of November 2026: USD 38.5 bn, +20.3% on the
        same days a year earlier (provisional, kr_customs_flash, last released 2026-11-21)'."""
        span = f"in the first {self.days} days of {self.month:%B %Y}"
        if self.yoy_pct is None:
            change = "no figure for the same days a year earlier"
        else:
            change = f"{self.yoy_pct:+.1f}% on the same days a year earlier"
        notes = (["provisional"] if self.provisional else []) + [self.selection.source]
        if self.last_released_at:
            notes.append(f"last released {self.last_released_at:%Y-%m-%d}")
        money = format_money(self.value, self.currency)
        return f"{self.selection.describe()}, {span}: {money}, {change} ({', '.join(notes)})"


def part_month_headline(
    rows: pd.DataFrame, selection: Selection, currency: str, month: dt.date, days: int
) -> PartMonthHeadline:
    """The figure for days 1 to `days` of `month` (rows of trade_flow_growth with that `period_days`),
    summed over a group's codes, complete only when every code is there."""
    mine = rows[[p == month for p in rows["period"]]]
    name = f"{selection.describe()} in the first {days} days of {month:%B %Y}"
    if mine.empty:
        raise HeadlineError(f"no figures for {name} ({selection.source}, {currency})")
    if len(mine) != len(selection.codes):
        missing = sorted(set(selection.codes) - set(mine["commodity_code"]))
        raise HeadlineError(f"{name}: no figures for {', '.join(missing)} ({selection.source})")
    value = float(mine["value"].sum())
    before = mine["prior_year_value"]
    prior = float(before.sum()) if before.notna().all() else None
    released = mine["released_at"].dropna()
    return PartMonthHeadline(
        selection=selection,
        month=month,
        days=days,
        value=value,
        prior_year_value=prior,
        yoy_pct=(value / prior - 1) * 100 if prior else None,
        provisional=bool(mine["provisional"].any()),
        currency=currency,
        last_released_at=pd.Timestamp(released.max()).to_pydatetime() if len(released) else None,
    )


def _same_span(found: Headline | PartMonthHeadline, other: Headline | PartMonthHeadline) -> bool:
    if isinstance(found, Headline) and isinstance(other, Headline):
        return other.months == found.months
    return True  # part-month figures are read for one window of one month: the same one


def against_line(found: Headline | PartMonthHeadline, other: Headline | PartMonthHeadline) -> str:
    """The same figure from another source, beside it (Korea's preliminary month against its final one):
    '  kr_customs_flash printed USD 11.0 bn for it (provisional, last released 2026-11-02); kr_customs's
    figure is +0.3% (+USD 0.0 bn) on that'."""
    notes = (["provisional"] if other.provisional else []) + (
        [f"last released {other.last_released_at:%Y-%m-%d}"] if other.last_released_at else []
    )
    said = f"\n  {other.selection.source} printed {format_money(other.value, other.currency)} for it"
    if notes:
        said += f" ({', '.join(notes)})"
    if isinstance(found, Headline) and isinstance(other, Headline) and not _same_span(found, other):
        return said + f", over {other.months} months, not {found.months}: the two do not compare"
    difference = found.value - other.value
    pct = f"{difference / other.value * 100:+.1f}%" if other.value else "n/a"
    sign = "+" if difference >= 0 else "-"
    money = format_money(abs(difference), found.currency)
    return said + f"; {found.selection.source}'s figure is {pct} ({sign}{money}) on that"


def against_json(found: Headline | PartMonthHeadline, other: Headline | PartMonthHeadline) -> dict[str, Any]:
    same = _same_span(found, other)
    difference = found.value - other.value if same else None
    return {
        **_figures_json(other),
        "comparable": same,
        "difference": difference,
        "difference_pct": round(difference / other.value * 100, 4)
        if difference is not None and other.value
        else None,
    }


def _figures_json(found: Headline | PartMonthHeadline) -> dict[str, Any]:
    """The keys every headline's JSON has (`--format json`)."""
    return {
        "value": found.value,
        "prior_year_value": found.prior_year_value,
        "yoy_pct": None if found.yoy_pct is None else round(found.yoy_pct, 4),
        "provisional": found.provisional,
        "currency": found.currency,
        "source": found.selection.source,
        "last_released_at": found.last_released_at.isoformat() if found.last_released_at else None,
    }
