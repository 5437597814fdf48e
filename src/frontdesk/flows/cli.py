"""`frontdesk flow check | test | graph | starter`: check a flows file, walk a flow as a caller
would without a phone, draw a flow, print the flows written for a company without any.

`register(subparsers)` adds the `flow` command to the main parser. FILE may be `demo` for the
demo company's flows, or a company file for the flows that company runs (its flows file, the
demo's, or those written for it). `flow test` looks callers up in an in-memory CRM store
holding the demo CRM data (crm/demo_data.yaml), or `--crm FILE` in that format, loaded at the
walk's moment; for a company file, in the CRM of its server's data directory (`--data-dir`).
HTTP lookups get the demo's canned answers, or `--http FILE`'s. Exit codes: 0 done, 1 the
flows file (or company file) has errors, 2 bad input (unknown flow, unreadable time, CRM or
HTTP answers file, unknown format).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from frontdesk.clock import ManualClock
from frontdesk.crm import CrmError
from frontdesk.flows.errors import FlowError, FlowFileError, Severity
from frontdesk.flows.loader import load_demo_flows, load_flows
from frontdesk.flows.model import Flow, FlowSet
from frontdesk.flows.svg import layout, render_svg
from frontdesk.flows.walk import describe, walk
from frontdesk.flows.walk_data import (
    DEMO_HTTP_ANSWERS,
    StoreCrm,
    data_dir_crm,
    read_http_answers,
    walk_crm,
)

EXIT_FLOW_ERRORS = 1
EXIT_BAD_INPUT = 2


def register(subparsers: Any) -> None:
    """Add `flow` and its subcommands to an argparse subparsers object."""
    flow = subparsers.add_parser(
        "flow", help="call flows: check, walk as a caller, draw, write a starter"
    )
    sub = flow.add_subparsers(dest="flow_command", required=True)

    check = sub.add_parser("check", help="list every problem and warning of a flows file")
    check.add_argument("file", help="flows YAML file, 'demo', or a company file")
    check.set_defaults(func=_run_check)

    test = sub.add_parser("test", help="walk a flow as a caller, without a phone")
    test.add_argument("file", help="flows YAML file, 'demo', or a company file")
    test.add_argument("--flow", default="main", help="flow name (default main)")
    test.add_argument("--from", dest="number", required=True, help="caller number, E.164")
    test.add_argument(
        "--keys", default="", help="answers in order, e.g. 1,2,1234# (empty: silence)"
    )
    test.add_argument(
        "--crm",
        help="CRM data, YAML or JSON, shaped like crm/demo_data.yaml (default: the demo's; for "
        "a company file, its server's CRM in --data-dir)",
    )
    test.add_argument(
        "--data-dir", default="data", help="a company's server data (default data), for its CRM"
    )
    test.add_argument(
        "--http", help="answers for HTTP lookups, YAML or JSON: URL -> answer (default: the demo)"
    )
    test.add_argument("--at", help="local time of the call, e.g. 2025-05-14T10:00 (default now)")
    test.add_argument(
        "--agent-leaves", action="store_true", help="hand a queued caller back after the agent"
    )
    test.set_defaults(func=_run_test)

    graph = sub.add_parser("graph", help="draw a flow as SVG (or PNG)")
    graph.add_argument("file", help="flows YAML file, 'demo', or a company file")
    graph.add_argument("--flow", default="main", help="flow name (default main)")
    graph.add_argument("--out", required=True, help="output file, .svg or .png")
    graph.set_defaults(func=_run_graph)

    starter = sub.add_parser(
        "starter", help="print the flows Frontdesk writes for a company file that names none"
    )
    starter.add_argument("company_file", help="the company file")
    starter.set_defaults(func=_run_starter)
    for command in (check, test, graph):
        command.epilog = FILE_HELP


FILE_HELP = (
    "FILE is a flows file, 'demo' (the demo company's flows), or a company file: the flows "
    "that company runs."
)


def _load(file: str) -> FlowSet:
    if file == "demo":
        return load_demo_flows()
    # The config package reads flows files itself, so it is imported here, not at the top.
    from frontdesk.config.loader import company_flows

    flows = company_flows(Path(file))
    return flows if flows is not None else load_flows(Path(file))


def _company_region(file: str) -> str | None:
    """The region of a company file's numbers, None when `file` is not a company file."""
    from frontdesk.config.loader import company_flows, load_company
    from frontdesk.config.zone_option import company_region

    if file == "demo" or company_flows(Path(file)) is None:
        return None
    return company_region(load_company(Path(file)))


def _walk_crm(args: argparse.Namespace, moment: dt.datetime, zone: ZoneInfo) -> StoreCrm:
    """The demo's CRM data, `--crm FILE`'s, or for a company file its server's CRM."""
    region = None if args.crm else _company_region(args.file)
    if region is None:
        return walk_crm(moment, zone, Path(args.crm) if args.crm else None)
    crm = data_dir_crm(moment, zone, Path(args.data_dir), region)
    if not crm.store.has_contacts():
        print(
            f"no callers in the CRM of {args.data_dir}/ yet: every caller is unknown "
            "(--data-dir DIR names the server's data, --crm FILE a data file)",
            file=sys.stderr,
        )
    return crm


def _run_starter(args: argparse.Namespace) -> int:
    from frontdesk.config.loader import attempt_load
    from frontdesk.config.starter_flows import starter_flows

    attempt = attempt_load(Path(args.company_file))
    if attempt.setup is None:
        _print_problems(attempt.problems)
        return EXIT_FLOW_ERRORS
    company = attempt.setup.company
    if company.flows_file is not None or company.demo_flows:
        named = company.flows_file or "the demo flows"
        print(
            f"{args.company_file} runs {named}; below, what it would run without", file=sys.stderr
        )
    print(starter_flows(company), end="")
    return 0


def _print_problems(problems: Any) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)


def _pick(args: argparse.Namespace) -> Flow | int:
    try:
        flows = _load(args.file)
    except FlowFileError as exc:
        _print_problems(exc.problems)
        return EXIT_FLOW_ERRORS
    _print_problems(flows.warnings)
    if args.flow not in flows.flows:
        known = ", ".join(sorted(flows.flows))
        print(f"no flow '{args.flow}' in {args.file} (it has: {known})", file=sys.stderr)
        return EXIT_BAD_INPUT
    return flows.flows[args.flow]


def _run_check(args: argparse.Namespace) -> int:
    try:
        flows = _load(args.file)
    except FlowFileError as exc:
        _print_problems(exc.problems)
        errors = sum(p.severity is Severity.ERROR for p in exc.problems)
        print(f"{errors} error(s), {len(exc.problems) - errors} warning(s)", file=sys.stderr)
        return EXIT_FLOW_ERRORS
    _print_problems(flows.warnings)
    names = ", ".join(f"{name} ({len(f.nodes)} nodes)" for name, f in flows.flows.items())
    print(f"{args.file}: OK, {names}; {len(flows.warnings)} warning(s)")
    return 0


def _moment(text: str | None, flow: Flow) -> dt.datetime:
    zone = ZoneInfo(flow.timezone)
    if text is None:
        return dt.datetime.now(zone)
    moment = dt.datetime.fromisoformat(text)
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment


def _run_test(args: argparse.Namespace) -> int:
    flow = _pick(args)
    if isinstance(flow, int):
        return flow
    try:
        moment = _moment(args.at, flow)
    except ValueError:
        print(f"--at '{args.at}' is not a time like 2025-05-14T10:00", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        http = read_http_answers(Path(args.http)) if args.http else DEMO_HTTP_ANSWERS
        crm = _walk_crm(args, moment, ZoneInfo(flow.timezone))
    except (FlowError, CrmError) as exc:
        print(exc, file=sys.stderr)
        return EXIT_BAD_INPUT
    keys = args.keys.split(",") if args.keys else []
    clock = ManualClock(wall_offset=moment.timestamp())
    with crm:
        record = crm.record(args.number)
        result = walk(flow, args.number, keys, crm, clock, args.agent_leaves, http)
    who = f"known: {record.get('name') or '?'}" if record else "not in the CRM"
    print(f"Call from {args.number} ({who}) on {moment:%A %Y-%m-%d %H:%M} {flow.timezone}")
    print(f"Flow '{flow.name}' of {args.file}")
    for line in result.lines:
        print(f"  {line}")
    ending = describe(result.outcome) if result.outcome else "still in the flow"
    if result.waiting_at is not None:
        ending = f"{ending}; then waiting for keys at '{result.waiting_at}'"
    print(f"Ends: {ending}")
    print(f"Path: {' > '.join(result.path)}")
    return 0


def _png_command(source: Path, out: Path, size: tuple[int, int]) -> list[str] | None:
    """rsvg-convert, else a headless Chromium screenshot, else ImageMagick."""
    if shutil.which("rsvg-convert"):
        return ["rsvg-convert", "-o", str(out), str(source)]
    browser = next((b for b in ("chromium", "chromium-browser") if shutil.which(b)), None)
    if browser:
        command = [browser, "--headless", "--disable-gpu", "--hide-scrollbars"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--no-sandbox")  # Chromium refuses to run as root otherwise
        size_option = f"--window-size={size[0]},{size[1]}"
        return [*command, f"--screenshot={out.resolve()}", size_option, source.as_uri()]
    if shutil.which("magick"):
        return ["magick", str(source), str(out)]
    return None


def _svg_to_png(svg: str, out: Path, size: tuple[int, int]) -> str | None:
    """Converts with an SVG renderer found on this machine; None on success, else why not."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "flow.svg"
        source.write_text(svg, encoding="utf-8")
        command = _png_command(source, out, size)
        if command is None:
            return "PNG needs rsvg-convert, Chromium or ImageMagick; write .svg instead"
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0 or not out.exists():
            return f"{command[0]} failed: {done.stderr.strip()[-300:]}"
    return None


def _run_graph(args: argparse.Namespace) -> int:
    flow = _pick(args)
    if isinstance(flow, int):
        return flow
    out = Path(args.out)
    svg = render_svg(flow)
    if out.suffix.lower() == ".svg":
        out.write_text(svg, encoding="utf-8")
    elif out.suffix.lower() == ".png":
        plan = layout(flow)
        problem = _svg_to_png(svg, out, (int(plan.width), int(plan.height)))
        if problem:
            print(problem, file=sys.stderr)
            return EXIT_BAD_INPUT
    else:
        print(f"--out '{args.out}': expected a .svg or .png file name", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"wrote {out} ({len(flow.nodes)} nodes)")
    return 0
