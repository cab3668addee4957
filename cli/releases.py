"""Release moments as people read them: `tradeflow sources`' next expected releases, in the reader's
timezone and the publisher's, and `tradeflow probe`'s one line."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from extractors import get_publisher
from extractors.base import ReleaseMoment

if TYPE_CHECKING:
    from flows.settings import Settings


def _at(moment: dt.datetime) -> str:
    return f"{moment:%a %Y-%m-%d %H:%M} {moment.tzname()}"


def next_releases(sources: Sequence[str], now: dt.datetime, local: dt.tzinfo | None = None) -> str:
    """One line per source: the next release expected after `now`, in the reader's time (`local`, by
    default this machine's) and in the publisher's own."""
    here = local or dt.datetime.now().astimezone().tzinfo
    width = max(len(s) for s in sources)
    lines = [f"{'source':<{width}} {'next release':<19} {'your time':<25} publisher's time"]
    for source in sources:
        moment = get_publisher(source).calendar.next_release(now)
        if moment is None:
            lines.append(f"{source:<{width}} {'-':<19} no release calendar: months appear at any time")
            continue
        mine, theirs = moment.earliest.astimezone(here), moment.earliest
        spread = "" if moment.last == moment.first else f" (or a later day, to {moment.last:%Y-%m-%d})"
        when = "" if moment.time is not None else " (no time of day stated)"
        lines.append(
            f"{source:<{width}} {moment.label():<19} {_at(mine):<25} {_at(theirs)} {moment.timezone}{spread}{when}"
        )
    return "\n".join(lines)


def probe_line(settings: Settings, source: str, period: dt.date, days: int) -> tuple[str, bool | None]:
    """Ask the publisher whether the release is out: one line, and the answer (None: it cannot tell)."""
    from extractors.base import Probing
    from flows.runtime import http_session

    publisher = get_publisher(source)
    calendar = publisher.calendar
    if not 1900 <= period.year <= 2999:
        raise ValueError(f"{source} {period:%Y-%m}: not a month tradeflow can ask for (1900-2999)")
    releases = calendar.release_moments(period)
    moments = [m for m in releases if m.days == days]
    if days and not moments:
        kinds = ", ".join(m.label() for m in releases) or f"{period:%Y-%m} (the month)"
        raise ValueError(f"{source} publishes no figures for days 1-{days}; its releases: {kinds}")
    moment = moments[0] if moments else ReleaseMoment(period, period, period, None, calendar.timezone, days)
    if not isinstance(publisher, Probing):
        return f"{source} {moment.label()}: no probe for this publisher", None
    model = settings.publisher(source)
    http = http_session(settings)
    found = publisher.probe(http, model, moment)
    state = {True: "out", False: "not out yet", None: "cannot tell"}[found.published]
    published = f"; published {found.published_at.isoformat()}" if found.published_at else ""
    return f"{source} {moment.label()}: {state} ({found.detail}{published}) <{found.url}>", found.published
