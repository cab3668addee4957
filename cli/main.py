"""The `tradeflow` command line (also `python -m flows`). Thin: argument parsing and exit codes."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import logging
import os
import sys
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

from extractors import publisher_ids
from extractors.redaction import redact_text, redact_url
from flows.settings import Settings, SettingsError, get_settings

if TYPE_CHECKING:  # each command imports what it needs: `--help` and `status` load no pandas or Prefect
    from sqlalchemy import Engine

    from transforms.headline import Headline, PartMonthHeadline, Selection

log = logging.getLogger("tradeflow")

# Errors that end a command with one line and this exit status: (module, class) -> status. Matched by the
# exception's classes, so that no module is imported just to be able to catch its errors (one that raised
# is loaded already).
EXPECTED_ERRORS: dict[tuple[str, str], int] = {
    ("extractors.errors", "TradeflowError"): 1,
    ("transforms.schema", "SchemaError"): 1,
    ("warehouse.query", "QueryError"): 1,
    ("warehouse.read", "FilterError"): 2,
    ("transforms.months", "MonthMistake"): 2,
    ("cli.outfile", "OutputRefused"): 2,
    ("transforms.headline", "HeadlineError"): 1,
    ("flows.prefect_api", "ServerNotStarted"): 1,
    ("warehouse.migrate", "SchemaTooNew"): 2,
    ("sqlalchemy.exc", "SQLAlchemyError"): 1,
    ("builtins", "OSError"): 1,
    ("builtins", "ValueError"): 1,
}


def _engine(settings: Settings, migrate: bool = True) -> Engine:
    from flows.runtime import open_warehouse

    return open_warehouse(settings, migrate=migrate)


def _cmd_sources(settings: Settings, _args: argparse.Namespace) -> int:
    from cli.releases import next_releases

    width = max(len(s) for s in publisher_ids())
    print(f"{'source':<{width}} {'enabled':<8} {'key':<10} base URL")
    for source in publisher_ids():
        enabled = "yes" if source in settings.sources else "no"
        model = settings.publisher(source)
        key = "not used" if model.key_field is None else "set" if model.key() else "not set"
        print(f"{source:<{width}} {enabled:<8} {key:<10} {redact_url(model.base_url)}")
    print()
    print(next_releases(publisher_ids(), dt.datetime.now(dt.UTC)))
    return 0


def _cmd_parse(settings: Settings, args: argparse.Namespace) -> int:
    from cli.local import parse_files
    from transforms.canonical import format_canonical

    rows = parse_files(args.source, [Path(p) for p in args.files], settings.ingest_max_bytes, args.scope)
    sys.stdout.write(format_canonical(rows, args.format))
    return 0


def _cmd_ingest_file(settings: Settings, args: argparse.Namespace) -> int:
    from cli.local import ingest_file
    from extractors.errors import TradeflowError
    from transforms.schema import SchemaError
    from warehouse.status import warnings_of

    engine = _engine(settings)
    failures = 0
    for name in args.files:
        path = Path(name)
        try:
            load = ingest_file(
                engine, settings.data_dir, args.source, path, settings.ingest_max_bytes, args.scope
            )
        except (TradeflowError, SchemaError, OSError) as exc:
            failures += 1
            print(f"FAILED {args.source} {path}: {_one_line(exc, settings)}", file=sys.stderr)
            continue
        r = load.result
        if r is None:
            print(f"{'empty':<9} {args.source} {path.name}: no figures in the file; nothing loaded")
            continue
        print(
            f"{r.state:<9} {args.source} {path.name}: {r.rows} rows, {r.inserted} new, {r.revised} revised, "
            f"release {r.release_id}"
        )
        for warning in warnings_of(r.message):
            print(f"{'':<9} warning: {warning}")
    return 1 if failures else 0


def _cmd_db(settings: Settings, args: argparse.Namespace) -> int:
    from warehouse.migrate import upgrade

    engine = _engine(settings, migrate=False)
    before, after = upgrade(engine)
    _engine(settings).dispose()  # the reference tables the views read, from the publishers
    if before == after:
        print(f"database {_safe_db(settings)} is up to date (revision {after})")
    else:
        print(f"database {_safe_db(settings)} upgraded from {before or 'empty'} to {after}")
    return 0


def _cmd_status(settings: Settings, args: argparse.Namespace) -> int:
    from cli.status import render_status

    engine = _engine(settings)
    sys.stdout.write(render_status(engine, args.format))
    return 0


def _quiet_prefect(args: argparse.Namespace) -> None:
    """On the command line each release says how it ended in one line; Prefect's own line per task
    ("Finished in state Completed()") only doubles that, unless asked for with -v."""
    if not args.verbose:
        os.environ.setdefault("PREFECT_LOGGING_LOGGERS_PREFECT_TASK_RUNS_LEVEL", "WARNING")


def _cmd_watch(settings: Settings, args: argparse.Namespace) -> int:
    _engine(settings).dispose()
    _quiet_prefect(args)
    from flows import interrupt
    from flows.prefect_api import prefect_api

    interrupt.enable()
    with prefect_api():
        from flows.prefect_flows import run_watch_cli

        return run_watch_cli(args.as_of or "")


def _cmd_probe(settings: Settings, args: argparse.Namespace) -> int:
    from cli.releases import probe_line

    line, published = probe_line(settings, args.source, args.month, args.days)
    print(line)
    return 0 if published is not None else 1


def _cmd_nightly(settings: Settings, args: argparse.Namespace) -> int:
    _engine(settings).dispose()  # the warehouse reachable and at this code's schema, before any run
    _quiet_prefect(args)
    from flows import interrupt
    from flows.prefect_api import prefect_api

    interrupt.enable()
    with prefect_api():
        from flows.prefect_flows import run_nightly_cli

        return run_nightly_cli(sources=args.source or None, as_of=args.as_of)


def _cmd_backfill(settings: Settings, args: argparse.Namespace) -> int:
    from transforms.months import check_range, month_field

    # A mistake in the months is told at once, before the warehouse is opened or a Prefect server started.
    start = month_field("start month", args.start)
    if args.end is not None:
        check_range(start, month_field("end month", args.end))
    _engine(settings).dispose()  # the warehouse reachable and at this code's schema, before any run
    _quiet_prefect(args)
    from flows import interrupt
    from flows.prefect_api import prefect_api

    interrupt.enable()
    with prefect_api() if not args.offline else nullcontext():
        from flows.prefect_flows import run_backfill_cli

        return run_backfill_cli(
            start=args.start,
            end=args.end,
            sources=args.source or None,
            force=args.force,
            dry_run=args.dry_run,
            offline=args.offline,
        )


def _cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    from cli.outfile import export_format, output_target, write_output
    from warehouse.read import FilterError, parse_filter, read_view, write_frame

    fmt = export_format(Path(args.out), args.format)
    output_target(Path(args.out), settings)  # refused before anything is read
    filters = [parse_filter(w) for w in args.where or []]
    for f in filters:
        if f.column == "commodity_code" and settings.concordance_group(f.value) is not None:
            raise FilterError(
                f"{f.value} is a group defined through a concordance: its lines depend on what each line of "
                f"figures publishes; `tradeflow headline --commodity {f.value}` composes and names them"
            )
    engine = _engine(settings)
    frame = read_view(engine, args.view, filters, settings.code_groups)
    write_output(Path(args.out), settings, lambda path: write_frame(frame, fmt, path))
    print(f"{len(frame)} rows of {args.view} written to {args.out} ({fmt})")
    return 0


def _selection(settings: Settings, args: argparse.Namespace, since: dt.date) -> Selection:
    """The line or group asked for; a concordance group is made of the codes the line has figures for."""
    from transforms.headline import HeadlineError, Selection, select

    groups = settings.code_groups
    if args.commodity in groups or settings.concordance_group(args.commodity) is not None:
        from warehouse.growth import line_codes

        own = line_codes(_engine(settings), args.source, args.reporter, args.partner, args.flow, since)
        if args.commodity in own:  # the source's own code of that name (Korea Customs' `semiconductors`)
            return select(
                args.source, args.reporter, args.partner, args.flow, args.commodity, {}, args.currency
            )
    group = settings.concordance_group(args.commodity)
    if group is None:
        return select(
            args.source, args.reporter, args.partner, args.flow, args.commodity, groups, args.currency
        )
    from extractors import get_concordance
    from transforms.groups import Members, compose
    from warehouse.growth import line_codes

    members = Members(get_concordance(group.concordance).mapping(), group.into)
    available = line_codes(_engine(settings), args.source, args.reporter, args.partner, args.flow, since)
    composition = compose(available, members)
    if not composition.used:
        raise HeadlineError(
            f"no figures of the group {group.name} ({len(members.members)} {group.concordance} lines into "
            f"{', '.join(group.into)}) for {args.reporter} {args.flow}s, partner {args.partner} "
            f"({args.source}), in the months asked for: none of its lines, or of the codes wholly inside "
            f"it, is loaded (a watchlist naming {group.name} in its commodities fetches them)"
        )
    return Selection(
        args.source, args.reporter, args.partner, args.flow, group.name, composition.used, args.currency,
        label=group.label or group.name, composition=composition,
    )  # fmt: skip


def _cmd_headline(settings: Settings, args: argparse.Namespace) -> int:
    import json

    from transforms.headline import HeadlineError, against_json, against_line

    if args.days and args.through_month is None:
        raise ValueError("--days N needs --through-month M: the month whose first N days are asked for")
    args.through_month = args.through_month or 12
    selection = _selection(settings, args, since=dt.date(args.year - 1, 1, 1))
    engine = _engine(settings)
    found = _headline_of(engine, selection, args)
    other = None
    if args.against:
        if args.against == selection.source:
            raise ValueError(f"--against {args.against}: name another source than --source")
        try:
            other = _headline_of(engine, dataclasses.replace(selection, source=args.against), args)
        except HeadlineError as exc:
            raise HeadlineError(f"--against {args.against}: {exc}") from None
    if args.format == "json":
        doc = found.as_json()
        if other is not None:
            doc["against"] = against_json(found, other)
        print(json.dumps(doc, indent=1, allow_nan=False))
    else:
        print(found.sentence() + (against_line(found, other) if other is not None else ""))
    return 0


def _headline_of(
    engine: Engine, selection: Selection, args: argparse.Namespace
) -> Headline | PartMonthHeadline:
    """The year's (to date) figure, or days 1-N of a month, for one selection."""
    from transforms.headline import combined_series, headline, part_month_headline
    from warehouse.growth import read_line

    if args.days:
        month = dt.date(args.year, args.through_month, 1)
        rows, currency = read_line(engine, selection, since=month, days=args.days)
        return part_month_headline(rows, selection, currency, month, args.days)
    rows, currency = read_line(engine, selection, since=dt.date(args.year, 1, 1))
    return headline(
        combined_series(rows, selection.codes), selection, currency, args.year, args.through_month
    )


def _cmd_chart(settings: Settings, args: argparse.Namespace) -> int:
    from cli.charts import FORMATS, build_chart, save_chart
    from cli.outfile import OutputRefused, output_target, write_output
    from transforms.headline import HeadlineError, combined_series
    from transforms.months import add_months
    from warehouse.growth import read_line

    out = Path(args.out)
    output_target(out, settings)  # refused before anything is read: the warehouse, the archive
    if out.suffix.lower() not in FORMATS:  # and a file of another kind, named as asked for
        raise OutputRefused(f"chart file {out} must end in {', '.join(FORMATS)}")

    selection = _selection(settings, args, since=add_months(args.from_month or dt.date(1900, 2, 1), -12))
    rows, currency = read_line(_engine(settings), selection, since=args.from_month, days=args.days)
    series = combined_series(rows, selection.codes)
    if series["value"].notna().sum() == 0:
        since = f" from {args.from_month:%Y-%m}" if args.from_month else ""
        what = f"figures for days 1-{args.days} of any month" if args.days else "monthly figures"
        raise HeadlineError(f"no complete {what} for {selection.describe()} ({selection.source}){since}")
    chart = build_chart(series, selection, currency, days=args.days)
    write_output(out, settings, lambda path: save_chart(chart, path))
    shown = series.dropna(subset=["value"])
    window = f", days 1-{args.days} of each month" if args.days else ""
    print(
        f"chart of {selection.describe()}{window} ({selection.source}, {currency}), "
        f"{shown['end'].min():%Y-%m} to {shown['end'].max():%Y-%m}: {out}"
    )
    return 0


def _cmd_query(settings: Settings, args: argparse.Namespace) -> int:
    from cli.output import write_rows
    from warehouse.query import read_only_query

    limit = args.limit if args.limit is not None else (200 if args.format == "table" else None)
    fetch = None if limit is None else limit + 1  # one more tells whether rows were left out
    with read_only_query(
        settings.database_url,
        args.sql,
        timeout_s=args.timeout,
        limit=fetch,
        connect_timeout_s=settings.db_connect_timeout_s,
        reader_url=settings.query_database_url,
    ) as result:
        shown = write_rows(result.columns, result.rows, args.format, sys.stdout, limit=limit)
    if shown.truncated:
        print(f"(first {limit} rows shown; --limit N for more)", file=sys.stderr)
    return 0


def _cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    from flows.deployments import serve_deployments

    serve_deployments(settings)
    return 0


def _safe_db(settings: Settings) -> str:
    from sqlalchemy.engine import make_url

    return make_url(settings.database_url).render_as_string(hide_password=True)


def _one_line(exc: BaseException, settings: Settings, limit: int = 1000) -> str:
    """The error in one line, secrets removed, at most `limit` characters (a file's content can be in it)."""
    text = " ".join(str(exc).split())
    if len(text) > limit:
        text = text[:limit] + f"... ({len(text) - limit} more characters)"
    return redact_text(text, settings.secrets())


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {text}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, not {text}")
    return value


def _days(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 30:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of days from 1 to 30")
    return int(text)


def _instant(text: str) -> str:
    try:
        moment = dt.datetime.fromisoformat(text)
        if not 1900 <= moment.year <= 2999:
            raise ValueError(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a moment of the years 1900-2999: write it as 2026-12-11T09:05+09:00"
        ) from None
    return text


def _month_number(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 12:
        raise argparse.ArgumentTypeError(f"a month is 1 to 12, not {text}")
    return value


def _month(text: str) -> dt.date:
    from transforms.months import parse_month

    try:
        return parse_month(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _add_selectors(p: argparse.ArgumentParser) -> None:
    p.add_argument("--source", required=True, choices=publisher_ids())
    p.add_argument("--reporter", required=True, type=str.upper, metavar="ISO3")
    p.add_argument("--partner", default="WLD", type=str.upper, metavar="ISO3", help="default WLD (the world)")
    p.add_argument("--flow", required=True, choices=["export", "import", "re_export", "re_import"])
    p.add_argument(
        "--commodity",
        default="TOTAL",
        metavar="CODE|GROUP",
        help="a commodity code, TOTAL (default) or a [groups] name",
    )
    p.add_argument(
        "--currency", type=str.upper, help="default: the figures' own (USD where there are several)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tradeflow", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("sources", help="list sources: enabled, key configured, base URL")

    p = sub.add_parser("parse", help="raw payload files -> canonical rows on stdout")
    p.add_argument("--source", required=True, choices=[*publisher_ids(), "canonical"])
    p.add_argument("--format", default="csv", choices=["csv", "json"])
    p.add_argument(
        "--scope",
        default="",
        help="what the files answer, where the file itself does not say (a kr_customs_flash answer: "
        "items:export, partners:import, ...; by default read from the service's name in the file name)",
    )
    p.add_argument("files", nargs="+")

    p = sub.add_parser("ingest-file", help="parse and upsert local release files, with lineage")
    p.add_argument("--source", required=True, choices=[*publisher_ids(), "canonical"])
    p.add_argument(
        "--scope",
        default="",
        help="what the files answer, where the file itself does not say (a kr_customs_flash answer: "
        "items:export, partners:import, ...; by default read from the service's name in the file name)",
    )
    p.add_argument("files", nargs="+")

    p = sub.add_parser("nightly", help="run the nightly flow now")
    p.add_argument("--source", action="append", choices=publisher_ids())
    p.add_argument(
        "--as-of", type=dt.date.fromisoformat, metavar="YYYY-MM-DD", help="plan as if today were this date"
    )

    p = sub.add_parser("watch", help="one pass of the watch: probe the releases due now, load those out")
    p.add_argument(
        "--as-of",
        type=_instant,
        default=None,
        metavar="YYYY-MM-DDTHH:MM[+ZZ:ZZ]",
        help="the moment to watch at (default: now; without a zone, UTC)",
    )

    p = sub.add_parser(
        "probe", help="ask a publisher whether a month (or part of one) is out; writes nothing"
    )
    p.add_argument("--source", required=True, choices=publisher_ids())
    p.add_argument("--month", required=True, type=_month, metavar="YYYY-MM")
    p.add_argument(
        "--days", type=_days, default=0, metavar="N", help="the release of days 1-N (Korea's 10, 20)"
    )

    p = sub.add_parser("backfill", help="load a range of months")
    p.add_argument("--start", required=True, metavar="YYYY-MM")
    p.add_argument("--end", metavar="YYYY-MM", help="default: the latest month that could be published")
    p.add_argument("--source", action="append", choices=publisher_ids())
    p.add_argument("--force", action="store_true", help="re-load payloads even when unchanged")
    p.add_argument("--dry-run", action="store_true", help="list what would be fetched; fetch nothing")
    p.add_argument("--offline", action="store_true", help="rebuild from the raw archive, no network")

    p = sub.add_parser("status", help="month x source grid and freshness")
    p.add_argument("--format", default="table", choices=["table", "json"])

    p = sub.add_parser("export", help="write a view (or table) to a CSV, Parquet or JSON file")
    p.add_argument(
        "--view",
        required=True,
        help="trade_flow_latest, trade_flow_first_vs_latest, trade_flow_growth, source_freshness, mirror_flows "
        "(or a table)",
    )
    p.add_argument(
        "--where",
        action="append",
        metavar="COLUMN OP VALUE",
        help="e.g. reporter=KOR, period>=2026-01-01, commodity_code=semiconductors (a [groups] name)",
    )
    p.add_argument(
        "--format",
        choices=["csv", "parquet", "json"],
        help="default: the --out file's extension (.csv, .parquet, .json)",
    )
    p.add_argument("--out", required=True)

    p = sub.add_parser("headline", help="a year's (or year to date's) total and its change on a year earlier")
    _add_selectors(p)
    p.add_argument("--year", type=int, required=True)
    p.add_argument(
        "--through-month",
        type=_month_number,
        default=None,
        metavar="M",
        help="the year to date to month M (default: the year); with --days, the month whose first days",
    )
    p.add_argument(
        "--days",
        type=_days,
        default=0,
        metavar="N",
        help="the first N days of month --through-month (Korea's early figures: 10 or 20), against the same "
        "days a year earlier",
    )
    p.add_argument(
        "--against",
        metavar="SOURCE",
        choices=publisher_ids(),
        help="the same figure from another source beside it: a preliminary figure against the final one "
        "(--source kr_customs --against kr_customs_flash)",
    )
    p.add_argument("--format", default="text", choices=["text", "json"])

    p = sub.add_parser(
        "chart", help="monthly values, change on a year earlier and revisions, as a chart file"
    )
    _add_selectors(p)
    p.add_argument("--from", dest="from_month", type=_month, metavar="YYYY-MM", help="the first month drawn")
    p.add_argument(
        "--days",
        type=_days,
        default=0,
        metavar="N",
        help="the first N days of each month (Korea's early figures: 10 or 20), against the same days a year "
        "earlier, instead of the months",
    )
    p.add_argument("--out", required=True, metavar="FILE", help="a .html (opens offline), .svg or .png file")

    p = sub.add_parser("query", help="run one read-only SQL query against the warehouse")
    p.add_argument("sql")
    p.add_argument("--format", default="table", choices=["table", "csv", "json"])
    p.add_argument(
        "--limit", type=_positive_int, help="rows to fetch at most (default: 200 for table, all for csv/json)"
    )
    p.add_argument(
        "--timeout", type=_positive_float, default=60.0, metavar="SECONDS", help="stop the query after this"
    )

    sub.add_parser("serve", help="serve the deployments (nightly schedule + backfill)")

    p = sub.add_parser("db", help="database administration")
    p.add_argument("action", choices=["upgrade"])
    return parser


COMMANDS = {
    "sources": _cmd_sources,
    "parse": _cmd_parse,
    "ingest-file": _cmd_ingest_file,
    "nightly": _cmd_nightly,
    "watch": _cmd_watch,
    "probe": _cmd_probe,
    "backfill": _cmd_backfill,
    "status": _cmd_status,
    "serve": _cmd_serve,
    "export": _cmd_export,
    "query": _cmd_query,
    "headline": _cmd_headline,
    "chart": _cmd_chart,
    "db": _cmd_db,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        settings = get_settings()
    except SettingsError as exc:
        print(f"tradeflow: invalid settings: {exc}", file=sys.stderr)
        return 2
    try:
        return COMMANDS[args.command](settings, args)
    except Exception as exc:
        status = _expected(exc)
        if status is None:
            raise  # a bug: keep its traceback
        print(f"tradeflow {args.command}: {_describe(exc, settings)}", file=sys.stderr)
        return status


def _expected(exc: BaseException) -> int | None:
    for cls in type(exc).__mro__:
        status = EXPECTED_ERRORS.get((cls.__module__, cls.__qualname__))
        if status is not None:
            return status
    return None


def _describe(exc: BaseException, settings: Settings) -> str:
    if any(cls.__module__ == "sqlalchemy.exc" for cls in type(exc).__mro__):
        from warehouse.errors import describe

        line, _ = describe(exc, settings.database_url)
        return redact_text(line, settings.secrets())
    return _one_line(exc, settings)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
