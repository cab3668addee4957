"""What every reliability scenario needs: expected figures from the replay files, runs, and assertions."""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from extractors import get_publisher
from extractors.base import Payload
from extractors.errors import ParseError, PublisherError
from flows.artifacts import RunFailed
from flows.prefect_flows import backfill
from flows.releases import Outcome
from flows.runtime import runtime
from tests.helpers import table_rows
from transforms.schema import SchemaError, validate_canonical

MONTHS = ("2026-08", "2026-09", "2026-10")
# Canary keys for every source, with characters that URL encoding changes: every scenario runs with them,
# and none may appear anywhere tradeflow writes.
CANARIES = {
    "TRADEFLOW_UN_COMTRADE_API_KEY": "CANARY-un/Key+1=",
    "TRADEFLOW_KR_CUSTOMS_SERVICE_KEY": "CANARY-kr/Key+2==",
    "TRADEFLOW_US_CENSUS_API_KEY": "CANARY-us/Key+3",
}


def canary_forms() -> list[str]:
    """Each canary as written and as it appears URL-encoded."""
    from urllib.parse import quote, quote_plus

    forms = set()
    for value in CANARIES.values():
        forms |= {value, quote(value, safe=""), quote_plus(value), "CANARY-"}
    return sorted(forms)


def assert_no_canary(text: str, where: str) -> None:
    for form in canary_forms():
        assert form not in text, f"a key ({form!r}) leaked into {where}"


def database_dump(engine: Engine) -> str:
    parts = []
    for table in ("trade_flow", "trade_flow_revision", "release", "ingest_status"):
        order = "source, scope, period" if table == "ingest_status" else "id"
        parts.append(repr(table_rows(engine, table, order=order)))
    return "\n".join(parts)


FigureKey = tuple[Any, ...]


def release_files(root: Path, source: str, month: str) -> list[tuple[Path, str]]:
    """The replay files that make up one release, with their extension."""
    ym = month.replace("-", "")
    files = {
        "un_comtrade": [root / "un_comtrade" / f"410_{ym}.json"],
        "kr_customs": [root / "kr_customs" / f"nitemtrade_8542_CN_{ym}.xml"],
        "cn_customs": [root / "cn_customs" / f"demo-table4-usd-{month}.html"],
        "us_census": [
            root / "us_census" / f"exports_{month}.json",
            root / "us_census" / f"imports_{month}.json",
        ],
        "eurostat_comext": [root / "eurostat_comext" / f"EU27_2020_{month}.csv"],
    }[source]
    return [(f, f.suffix.lstrip(".")) for f in files if f.exists()]


def figure_key(r: dict[str, Any]) -> FigureKey:
    return (
        r["source"],
        r["reporter"],
        r["partner"],
        r["flow"],
        r["commodity_code"],
        str(r["period"])[:10],
        int(r["period_months"]),
        float(r["value"]),
    )


def expected_figures(
    root: Path, sources: list[str], skip: set[tuple[str, str]] = frozenset()
) -> set[FigureKey]:  # type: ignore[assignment]
    """What the warehouse must hold: every replayed release parsed on its own, less the skipped ones."""
    out: set[FigureKey] = set()
    for source in sources:
        extractor = get_publisher(source)
        for month in MONTHS:
            if (source, month) in skip:
                continue
            for path, ext in release_files(root, source, month):
                payload = Payload(
                    source,
                    path.read_bytes(),
                    path.as_uri(),
                    ext,
                    period=dt.date(int(month[:4]), int(month[5:]), 1),
                )
                frame = extractor.normalize(extractor.parse(payload))
                out |= {figure_key(r) for r in frame.to_dict(orient="records")}
    return out


def stored_figures(engine: Engine) -> set[FigureKey]:
    rows = table_rows(engine, "trade_flow")
    keys = [figure_key(r) for r in rows]
    assert len(keys) == len(set(keys)), "duplicate figures"
    return set(keys)


def run_backfill(sources: list[str], **kw: Any) -> list[Outcome]:
    """The real backfill flow; returns every release's outcome whether or not some failed."""
    state = backfill(start_month=MONTHS[0], end_month=MONTHS[-1], sources=sources, return_state=True, **kw)
    result = state.result(raise_on_failure=False)
    if isinstance(result, RunFailed):  # failed for a known reason: the outcomes are in it
        result = result.outcomes
    if isinstance(result, BaseException):
        raise result
    outcomes = list(result)
    # Failed exactly when a release failed, with the failures named in the state's message.
    failed = [o for o in outcomes if o.state == "failed"]
    assert state.is_failed() == bool(failed), state.message
    assert all(f"{o.source} {o.month} {o.scope}" in str(state.message) for o in failed)
    return outcomes


def status_of(engine: Engine, source: str, month: str) -> list[dict[str, Any]]:
    return [
        r
        for r in table_rows(engine, "ingest_status", order="source, scope, period")
        if r["source"] == source and str(r["period"]).startswith(month)
    ]


def assert_failed_cleanly(
    engine: Engine,
    root: Path,
    sources: list[str],
    source: str,
    month: str,
    outcomes: list[Outcome],
    expect: str,
) -> str:
    """The release failed with a one-line error naming source, month and URL; nothing of it was written;
    every other release of the run loaded."""
    failed = [o for o in outcomes if o.state == "failed"]
    assert [(o.source, o.month) for o in failed] == [(source, month)], [o.line() for o in failed]
    (status,) = status_of(engine, source, month)
    message = str(status["message"])
    assert status["state"] == "failed"
    assert "\n" not in message and f"{source} {month}" in message and "http://127.0.0.1:" in message, message
    assert expect.lower() in message.lower(), message
    others = [o for o in outcomes if (o.source, o.month) != (source, month)]
    assert others and all(o.state == "loaded" for o in others), [o.line() for o in others]
    assert stored_figures(engine) == expected_figures(root, sources, {(source, month)})
    assert table_rows(engine, "trade_flow_revision") == []
    assert not [
        r
        for r in table_rows(engine, "release")
        if r["source"] == source and str(r["period"]).startswith(month)
    ]
    assert_no_canary(database_dump(engine) + repr(outcomes), "the database or the outcomes")
    return message


def assert_all_loaded(engine: Engine, root: Path, sources: list[str], outcomes: list[Outcome]) -> None:
    assert {o.state for o in outcomes} == {"loaded"}, [o.line() for o in outcomes]
    assert stored_figures(engine) == expected_figures(root, sources)
    assert table_rows(engine, "trade_flow_revision") == []
    releases = table_rows(engine, "release")
    assert len(releases) == len(outcomes)  # exactly one load per release, retries included
    assert_no_canary(database_dump(engine) + repr(outcomes), "the database or the outcomes")


def engine_now() -> Engine:
    return runtime().engine


def parse_or_documented_error(source: str, body: bytes, ext: str, scope: str = "") -> None:
    """Parse, normalise and check a payload against the contract: it passes, or raises one of the documented
    errors (ParseError, PublisherError, SchemaError); anything else escapes and fails the calling test.
    `scope`: what the payload answers, for a publisher whose answers do not say."""
    extractor = get_publisher(source)
    payload = Payload(source, body, f"file:///{source}.{ext}", ext, scope=scope)
    with contextlib.suppress(ParseError, PublisherError, SchemaError):
        validate_canonical(extractor.normalize(extractor.parse(payload)))
