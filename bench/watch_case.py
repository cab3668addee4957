"""The watch plus the nightly against the nightly alone, over a quarter of simulated time (issue 29).

python -m bench.watch_case [--start 2026-09-01] [--days 91] [--seed 7] [--probe-minutes 20]

The replay server "publishes" each source's releases at their release moments on a simulated clock: a
release's files appear in the folder it serves at a moment drawn, with the seed, inside the publisher's
calendar (one of its possible days, a few minutes after its release time; Comtrade, with no calendar, any
day of the next month at any hour; Korea Customs' refresh of the 15th re-issues the month before). Every
clock of the process is moved with the simulation (time-machine), so the warehouse records simulated
times, and the flows' own planning decides what is fetched:

- `nightly`: the nightly's plan and loads, once a day at 02:30 Asia/Seoul;
- `watch`: the same nightly, and a watch pass every 10 minutes (the `watch` deployment's planning, probes,
  claims and loads).

Both start from the same warehouse, loaded by the nightly of the first day at 02:30 Seoul time (its calls
not counted). For each release
published in the quarter: the lag from its publication to its figures in the warehouse (the first run
that loaded every scope of it). For each publisher: calls per day. At the end, the two warehouses' figures
and revisions are compared. Prints one JSON line and the table for bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import random
import shutil
import statistics
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from sqlalchemy import text

from demo import make_releases as mk
from demo.replay import ReplayServer
from extractors import get_publisher
from transforms.months import add_months

SEOUL = ZoneInfo("Asia/Seoul")
STEP = dt.timedelta(minutes=10)
MONTHS = [f"2026-{m:02d}" for m in range(4, 12)]  # the data months the simulated releases hold
SOURCES = ["cn_customs", "eurostat_comext", "kr_customs", "kr_customs_flash", "un_comtrade", "us_census"]
CONFIG = """
[watchlist.un_comtrade]
reporters = ["KOR"]
partners = ["WLD", "CHN"]
commodities = ["TOTAL", "8541", "8542"]
first_month = "2026-05"

[watchlist.kr_customs]
reporters = ["KOR"]
partners = ["CHN"]
commodities = ["TOTAL", "8542"]
first_month = "2026-05"

[watchlist.kr_customs_flash]
first_month = "2026-07"

[watchlist.cn_customs]
reporters = ["CHN"]
tables = ["4"]
edition = "USD"
first_month = "2026-05"

[watchlist.us_census]
reporters = ["USA"]
partners = ["KOR", "CHN"]
commodities = ["8542"]
first_month = "2026-05"

[watchlist.eurostat_comext]
reporters = ["EUU"]
partners = ["KOR", "CHN"]
commodities = ["TOTAL", "8542"]
first_month = "2026-05"
"""


@dataclass
class Publication:
    at: dt.datetime  # aware
    source: str
    period: dt.date
    days: int  # the window (Korea's preliminary figures), 0 for a month
    files: dict[str, str]  # path under the served folder -> text
    revision: bool = False  # a re-issue of figures already out (Korea Customs' refresh)
    landed: dict[str, dt.datetime] = field(default_factory=dict)  # mode -> when its figures were in


def _moment(source: str, period: dt.date, days: int, rng: random.Random) -> dt.datetime | None:
    """When the release comes out: one of its possible days, 0-4 minutes after the release time."""
    calendar = get_publisher(source).calendar
    moments = [m for m in calendar.release_moments(period) if m.days == days]
    if not moments:  # Comtrade: any day of the next month, any hour
        day = add_months(period, 1) + dt.timedelta(days=rng.randrange(2, 26))
        return dt.datetime.combine(day, dt.time(rng.randrange(24), rng.randrange(60)), tzinfo=dt.UTC)
    moment = moments[0]
    days_possible = [
        moment.first + dt.timedelta(days=i)
        for i in range((moment.last - moment.first).days + 1)
        if not (moment.weekdays_only and (moment.first + dt.timedelta(days=i)).weekday() >= 5)
    ]
    day = rng.choice(days_possible)
    at = dt.datetime.combine(day, moment.time or dt.time(0), tzinfo=ZoneInfo(moment.timezone))
    return at + dt.timedelta(minutes=rng.uniform(0, 4))


def schedule(rng: random.Random) -> list[Publication]:
    """Every release of the data months, in the publishers' formats (demo/make_releases.py)."""
    pubs: list[Publication] = []
    for k, month in enumerate(MONTHS):
        period = dt.date.fromisoformat(f"{month}-01")
        ym = month.replace("-", "")

        def add(
            source: str,
            files: dict[str, str],
            days: int = 0,
            at: dt.datetime | None = None,
            period: dt.date = period,
        ) -> None:
            when = at or _moment(source, period, days, rng)
            assert when is not None
            pubs.append(Publication(when, source, period, days, files, revision=at is not None))

        add("kr_customs", {f"kr_customs/nitemtrade_8542_CN_{ym}.xml": mk.kcs(month, k),
                           f"kr_customs/nationtrade_CN_{ym}.xml": mk.kcs_nation(month)})  # fmt: skip
        refresh = dt.datetime.combine(add_months(period, 1).replace(day=15), dt.time(10), tzinfo=SEOUL)
        add(
            "kr_customs",
            {f"kr_customs/nitemtrade_8542_CN_{ym}.xml": mk.kcs(month, k, refreshed=True),
             f"kr_customs/nationtrade_CN_{ym}.xml": mk.kcs_nation(month, refreshed=True)},
            at=refresh,
        )  # fmt: skip
        for windows, days in ((1, 10), (2, 20), (3, 0)):
            files = {f"kr_customs_flash/{s}_{ym}.xml": mk.flash(s, month, windows) for s in mk.FLASH_SHARES}
            add("kr_customs_flash", files, days)
        if period.month != 1:
            add("cn_customs", {f"cn_customs/demo-table4-usd-{month}.html": mk.gacc_page(month, k)})
        add(
            "us_census",
            {
                f"us_census/{f}_{month}.json": json.dumps(mk.census(f, month, k))
                for f in ("exports", "imports")
            },
        )
        add("eurostat_comext", {f"eurostat_comext/EU27_2020_{month}.csv": mk.comext(month, k)})
        add("un_comtrade", {f"un_comtrade/410_{ym}.json": json.dumps(mk.comtrade(month, k))})
    return sorted(pubs, key=lambda p: p.at)


def publish(root: Path, pub: Publication, gacc_months: list[str]) -> None:
    for relative, body in pub.files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body, encoding="utf-8")
    if pub.source == "cn_customs":
        gacc_months.append(f"{pub.period:%Y-%m}")
        (root / "cn_customs" / "preliminary.html").write_text(
            mk.gacc_index(sorted(gacc_months)), encoding="utf-8"
        )


def source_of(path: str) -> str:
    if "getDA" in path or "/C/M/HS" in path:
        return "un_comtrade"
    if "MmUtPrvi" in path:
        return "kr_customs_flash"
    if "/1220000/" in path:
        return "kr_customs"
    if "/statics/" in path.lower():
        return "cn_customs"
    if "/intltrade/" in path:
        return "us_census"
    if "/comext/" in path:
        return "eurostat_comext"
    return "other"


class Simulation:
    def __init__(
        self, mode: str, start: dt.datetime, end: dt.datetime, pubs: list[Publication], probe_min: int
    ):
        self.mode, self.start, self.end, self.pubs = mode, start, end, pubs
        self.folder = Path(tempfile.mkdtemp(prefix=f"watch-{mode}-"))
        self.served = self.folder / "served"
        (self.served / "ecb_exr").mkdir(parents=True)
        (self.served / "ecb_exr" / "EXR_M.csv").write_text(mk.exchange_rates(MONTHS), encoding="utf-8")
        (self.folder / "tradeflow.toml").write_text(CONFIG, encoding="utf-8")
        self.probe_min = probe_min
        self.gacc: list[str] = []
        self.calls: Counter[str] = Counter()

    def run(self) -> dict[str, Any]:
        with ReplayServer(self.served) as replay:
            os.environ.update(replay.base_urls())
            os.environ.update(
                {
                    "TRADEFLOW_CONFIG": str(self.folder / "tradeflow.toml"),
                    "TRADEFLOW_DATABASE_URL": f"sqlite:///{self.folder / 'warehouse.db'}",
                    "TRADEFLOW_DATA_DIR": str(self.folder / "data"),
                    "TRADEFLOW_KR_CUSTOMS_SERVICE_KEY": "bench-key",
                    "TRADEFLOW_MIN_INTERVAL_S": "{}",
                    "TRADEFLOW_HTTP_MAX_RETRIES": "0",
                    "TRADEFLOW_WATCH_PROBE_MINUTES": str(self.probe_min),
                }
            )
            from flows.releases import ingest_release
            from flows.runtime import reset_runtime, runtime
            from flows.schedule import plan_nightly
            from flows.watch import plan_watch

            reset_runtime()
            rt = runtime()
            log = logging.getLogger("bench.watch")
            pending = list(self.pubs)
            t = self.start
            first = True
            while t < self.end:
                while pending and pending[0].at <= t:
                    publish(self.served, pending.pop(0), self.gacc)
                with time_machine.travel(t, tick=False):
                    planned = []
                    if self.mode == "watch" and not first:
                        planned += plan_watch(rt, t, f"bench-{self.mode}", log, observed=t)
                    local = t.astimezone(SEOUL)
                    if first or (local.hour, local.minute) == (2, 30):
                        planned += plan_nightly(rt, list(rt.settings.sources), local.date())
                    for p in planned:
                        ingest_release(rt, p.source, p.period, p.scope, published_at=p.published_at)
                if first:  # the warehouse as it was before the quarter: not counted
                    replay.requests.clear()
                    first = False
                else:
                    for path in replay.requests:
                        self.calls[source_of(path)] += 1
                    replay.requests.clear()
                if planned:
                    self._landed(rt, t)
                t += STEP
            return self._summary(rt)

    def _landed(self, rt: Any, t: dt.datetime) -> None:
        """Each release out by now whose every scope was loaded (or found unchanged) since it came out."""
        from flows.schedule import grid_of, scopes_of

        for pub in self.pubs:
            if self.mode in pub.landed or pub.at > t or pub.at < self.start:
                continue
            cells = grid_of(rt, pub.source)
            scopes = scopes_of(rt.settings, pub.source)
            if all(
                (c := cells.get((s, pub.period))) is not None
                and c.last_changed is not None
                and c.last_changed > pub.at
                for s in scopes
            ):
                pub.landed[self.mode] = t

    def _summary(self, rt: Any) -> dict[str, Any]:
        with rt.engine.connect() as conn:
            figures = {
                tuple(r[:-1]): r[-1]
                for r in conn.execute(
                    text(
                        "SELECT source, reporter, partner, flow, commodity_code, period, period_days, currency,"
                        " provisional, value FROM trade_flow"
                    )
                )
            }
            revisions = int(conn.execute(text("SELECT count(*) FROM trade_flow_revision")).scalar_one())
        rt.engine.dispose()
        shutil.rmtree(self.folder, ignore_errors=True)
        return {"figures": figures, "revisions": revisions, "calls": dict(self.calls)}


def _quantiles(minutes: list[float]) -> tuple[float, float] | None:
    if not minutes:
        return None
    ordered = sorted(minutes)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--start", default="2026-09-01")
    parser.add_argument("--days", type=int, default=91)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--probe-minutes", type=int, default=20)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    # The quarter starts with the nightly of its first day (02:30 Seoul time), which loads what is out.
    start = dt.datetime.combine(dt.date.fromisoformat(args.start), dt.time(2, 30), tzinfo=SEOUL)
    end = start + dt.timedelta(days=args.days)
    pubs = schedule(random.Random(args.seed))
    results = {}
    for mode in ("nightly", "watch"):
        # every publication before the start is out already; the others appear as the clock reaches them
        results[mode] = Simulation(mode, start, end, pubs, args.probe_minutes).run()
    rows = []
    for source in SOURCES:
        counted = [p for p in pubs if p.source == source and start <= p.at < end and not p.revision]
        line: dict[str, Any] = {"source": source, "releases": len(counted)}
        for mode in ("nightly", "watch"):
            lags = [(p.landed[mode] - p.at).total_seconds() / 60 for p in counted if mode in p.landed]
            q = _quantiles(lags)
            line[f"{mode}_median_min"], line[f"{mode}_p95_min"] = (
                (round(q[0], 1), round(q[1], 1)) if q else (None, None)
            )
            line[f"{mode}_missed"] = len(counted) - len(lags)
            line[f"{mode}_calls_per_day"] = round(results[mode]["calls"].get(source, 0) / args.days, 2)
        nightly_calls = results["nightly"]["calls"].get(source, 0)
        line["calls_ratio"] = (
            round(results["watch"]["calls"].get(source, 0) / nightly_calls, 2) if nightly_calls else None
        )
        rows.append(line)
    same = results["nightly"]["figures"] == results["watch"]["figures"]
    doc = {
        "start": args.start,
        "days": args.days,
        "seed": args.seed,
        "probe_minutes": args.probe_minutes,
        "same_figures": same,
        "figures": len(results["watch"]["figures"]),
        "revisions": {m: results[m]["revisions"] for m in results},
        "sources": rows,
    }
    print(json.dumps(doc))
    print()
    print(
        f"Same figures at the end: {'yes' if same else 'NO'} ({doc['figures']} figures); revisions: nightly alone "
        f"{doc['revisions']['nightly']}, watch + nightly {doc['revisions']['watch']}."
    )
    print()
    print(
        "| source | releases | lag, nightly alone: median / p95 | lag, watch + nightly: median / p95 | calls a day, nightly alone | calls a day, watch + nightly | ratio |"
    )
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['source']} | {r['releases']} | {_lag(r, 'nightly')} | {_lag(r, 'watch')} | "
            f"{r['nightly_calls_per_day']} | {r['watch_calls_per_day']} | {r['calls_ratio']}x |"
        )


def _lag(row: dict[str, Any], mode: str) -> str:
    if row[f"{mode}_median_min"] is None:
        return "-"
    return f"{_fmt(row[f'{mode}_median_min'])} / {_fmt(row[f'{mode}_p95_min'])}"


def _fmt(minutes: float) -> str:
    return f"{minutes:.0f} min" if minutes < 120 else f"{minutes / 60:.1f} h"


if __name__ == "__main__":
    main()
