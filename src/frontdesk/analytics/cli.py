"""`frontdesk import FILE` and `frontdesk report KIND`: history in, figures out.

`register(subparsers)` adds both commands to the main parser. They work on the database in
`--data-dir` (the one `frontdesk serve` writes). `report` first brings the derived calls table
up to date with the event log (or rebuilds it with --rebuild). Bad input prints one sentence on
stderr and exits 2.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from frontdesk.analytics.calls_table import rebuild_calls, refresh_calls
from frontdesk.analytics.errors import AnalyticsError
from frontdesk.analytics.generic_csv import generic_csv_calls, load_mapping
from frontdesk.analytics.importers import anonymous_bank_calls, import_calls
from frontdesk.analytics.metrics import MetricSettings
from frontdesk.analytics.patience import DEFAULT_BUCKETS_S
from frontdesk.analytics.queries import Window
from frontdesk.analytics.render import to_csv, to_json, to_table
from frontdesk.analytics.reports import KINDS, ReportRequest, build
from frontdesk.analytics.slices import DIMENSIONS, local_day_start, zone
from frontdesk.config.company import Company
from frontdesk.config.zone_option import (
    add_zone_options,
    company_option,
    company_region,
    resolve_zone,
)
from frontdesk.planning.errors import PlanningError
from frontdesk.planning.metrics import DEFAULT_SL_DEFINITION, SLDefinition
from frontdesk.store.eventlog import open_engine

EXIT_BAD_INPUT = 2


def register(subparsers: Any) -> None:
    """Adds `import` and `report` to an argparse subparsers object."""
    imp = subparsers.add_parser("import", help="import call history as events")
    imp.add_argument("file", help="the history file (CSV)")
    imp.add_argument("--format", choices=("anonymous-bank", "csv"), required=True)
    imp.add_argument("--mapping", help="YAML column mapping (required for --format csv)")
    add_zone_options(imp, "time zone of the file's times")
    imp.add_argument(
        "--replace",
        action="store_true",
        help="import again the calls imported before from this file (after a mapping fix)",
    )
    imp.add_argument("--data-dir", default="data", help="where the database lives")
    imp.set_defaults(func=_guard("import", _run_import))

    rep = subparsers.add_parser("report", help="print a report: " + ", ".join(KINDS))
    rep.add_argument("kind", choices=KINDS)
    rep.add_argument("--from", dest="since", help="first day (or date-time), local, inclusive")
    rep.add_argument("--to", dest="until", help="end day (or date-time), local, exclusive")
    rep.add_argument("--queue", action="append", default=[], help="only this queue (repeat)")
    rep.add_argument("--by", default="", help="slice by, comma-separated: " + ",".join(DIMENSIONS))
    rep.add_argument("--interval", default="hour", choices=("15min", "hour", "day"))
    rep.add_argument("--target-s", type=float, default=20.0, help="service-level time T, s")
    rep.add_argument("--short-abandon-s", type=float, default=5.0, help="short abandon below, s")
    rep.add_argument(
        "--buckets",
        default=",".join(f"{b:g}" for b in DEFAULT_BUCKETS_S),
        help="wait bucket edges, s, comma-separated",
    )
    rep.add_argument(
        "--definition",
        default=DEFAULT_SL_DEFINITION.value,
        help="service-level definition: " + ", ".join(d.value for d in SLDefinition),
    )
    add_zone_options(rep, "time zone for days and intervals")
    rep.add_argument("--data-dir", default="data", help="where the database lives")
    rep.add_argument("--rebuild", action="store_true", help="derive every call again first")
    # charts (analytics/charts.py): the report drawn as well as printed
    rep.add_argument("--chart", metavar="FILE", help="also draw the report to FILE.svg or .png")
    rep.add_argument(
        "--target-sl", type=float, default=0.8, help="service-level goal charts draw, 0-1"
    )
    out = rep.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="one JSON object")
    out.add_argument("--csv", action="store_true", help="CSV with a header line")
    rep.set_defaults(func=_guard("report", _run_report))


def _guard(name: str, run: Any) -> Any:
    def guarded(args: argparse.Namespace) -> int:
        try:
            code: int = run(args)
        except (AnalyticsError, PlanningError) as exc:
            print(f"frontdesk {name}: error: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        except OSError as exc:
            print(
                f"frontdesk {name}: error: {exc.strerror or exc}: {exc.filename}", file=sys.stderr
            )
            return EXIT_BAD_INPUT
        return code

    return guarded


def _run_import(args: argparse.Namespace) -> int:
    told_tz = args.tz
    company = company_option(args, AnalyticsError)  # read once: zone, region, queues
    tz = zone(resolve_zone(args, AnalyticsError, company))
    if args.format == "anonymous-bank":
        calls = anonymous_bank_calls(args.file, tz)
    else:
        if not args.mapping:
            raise AnalyticsError("--format csv needs --mapping FILE.yaml (the column mapping)")
        mapping = load_mapping(args.mapping, args.tz, company_region(company))
        if told_tz:  # the command line's --tz over the mapping's timezone
            mapping = replace(mapping, tz=tz)
        calls = generic_csv_calls(args.file, mapping)
    if not Path(args.file).is_file():
        raise AnalyticsError(f"no such file: {args.file}")
    started = time.perf_counter()
    result = import_calls(open_engine(Path(args.data_dir)), calls, args.replace)
    replaced = f", {result.replaced} of them replacing earlier imports" if args.replace else ""
    print(
        f"{args.file}: {result.rows} calls read, {result.imported} imported "
        f"({result.events} events){replaced}, {result.skipped} already there; "
        f"{time.perf_counter() - started:.1f} s"
    )
    if result.skipped and not args.replace:
        print(
            f"({result.skipped} were imported before and were left as they are; "
            "--replace imports them again)"
        )
    if args.config:
        _note_foreign_queues(result.queues, args.config, company)
    return 0


def _note_foreign_queues(queues: frozenset[str], config: str, company: Company) -> None:
    """Says which of the file's queues the company file does not have: reports and the
    planning page show those apart from the live queues (names are compared exactly)."""
    ours = [q.name for q in company.queues]
    foreign = sorted(q for q in queues if q and q not in ours)
    if foreign:
        print(
            f"note: queues not in {config}: {', '.join(foreign)} (its queues: "
            f"{', '.join(ours) or 'none'}); reports show them apart from the live ones "
            "(a generic CSV mapping's `queues:` section renames them)"
        )


def _settings(args: argparse.Namespace) -> MetricSettings:
    try:
        buckets = tuple(float(x) for x in args.buckets.split(",") if x.strip())
    except ValueError:
        raise AnalyticsError(
            f"--buckets must be numbers separated by commas: {args.buckets}"
        ) from None
    return MetricSettings(
        args.target_s, args.short_abandon_s, buckets, SLDefinition.parse(args.definition)
    )


def _run_report(args: argparse.Namespace) -> int:
    tz = zone(resolve_zone(args, AnalyticsError))
    window = Window(
        local_day_start(args.since, tz) if args.since else float("-inf"),
        local_day_start(args.until, tz) if args.until else float("inf"),
        tuple(args.queue),
    )
    by = tuple(d.strip() for d in args.by.split(",") if d.strip())
    request = ReportRequest(args.kind, window, by, args.interval, _settings(args), tz)
    engine = open_engine(Path(args.data_dir))
    (rebuild_calls if args.rebuild else refresh_calls)(engine)
    report = build(engine, request)
    if args.chart:
        _draw(engine, request, report, args)
    print(
        to_json(report)
        if args.json
        else to_csv(report).rstrip("\n")
        if args.csv
        else to_table(report)
    )
    return 0


def _draw(engine: Any, request: ReportRequest, report: Any, args: argparse.Namespace) -> None:
    from frontdesk.analytics.charts import ChartOptions, report_chart, save  # matplotlib: lazy

    if not 0.0 < args.target_sl < 1.0:
        raise AnalyticsError(f"--target-sl must be between 0 and 1, not {args.target_sl}")
    path = save(report_chart(engine, request, report, ChartOptions(args.target_sl)), args.chart)
    print(f"chart written to {path}", file=sys.stderr)
