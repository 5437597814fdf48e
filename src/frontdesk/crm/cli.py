"""`frontdesk crm import | lookup | demo`: the CRM from the command line.

`register(subparsers)` adds the `crm` command to the main parser. All three work on the
database in --data-dir (the server's). Numbers in national format are read in --region, by
default the country of the company's first number (--config, or the demo company).
Exit codes: 0 done, 1 done but some rows were refused (import) or nobody found (lookup),
2 bad input (nothing changed).
"""

from __future__ import annotations

import argparse
import dataclasses
import enum
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from frontdesk.clock import SystemClock
from frontdesk.config import ConfigError
from frontdesk.config.loader import company_or_demo
from frontdesk.crm.csv_import import import_csv, load_mapping
from frontdesk.crm.demo import load_demo
from frontdesk.crm.errors import CrmError
from frontdesk.crm.model import CallerProfile
from frontdesk.crm.numbers import region_of
from frontdesk.crm.store import CrmStore
from frontdesk.store.eventlog import open_engine

EXIT_BAD_INPUT = 2


def register(subparsers: Any) -> None:
    """Add `crm` and its subcommands to an argparse subparsers object."""
    crm = subparsers.add_parser("crm", help="contacts, accounts and cases: import, look up")
    sub = crm.add_subparsers(dest="crm_command", required=True)

    imp = sub.add_parser("import", help="import accounts, contacts or cases from a CSV file")
    imp.add_argument("file", help="the CSV file (UTF-8, first row is the header)")
    imp.add_argument("--mapping", required=True, help="YAML file: kind and columns")
    _common(imp)
    imp.set_defaults(func=_run_import)

    look = sub.add_parser("lookup", help="show what the CRM knows about a caller's number")
    look.add_argument("number", help="in any format: +442079460555, 020 7946 0555, ...")
    look.add_argument("--json", action="store_true", help="print one JSON object")
    _common(look)
    look.set_defaults(func=_run_lookup)

    demo = sub.add_parser("demo", help="load (or reload) the demo company's callers")
    _common(demo)
    demo.set_defaults(func=_run_demo)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", default="data", help="where the database lives")
    parser.add_argument("--config", help="company YAML file (default: the demo company)")
    parser.add_argument("--region", help="country for national-format numbers, e.g. GB")


def _store(args: argparse.Namespace) -> CrmStore:
    region = args.region
    if region is None:
        company = company_or_demo(args.config)
        region = region_of(number.number for number in company.numbers)
    engine = open_engine(Path(args.data_dir))
    return CrmStore(engine, SystemClock(), region=region, cache_size=0)


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return EXIT_BAD_INPUT


def _run_import(args: argparse.Namespace) -> int:
    try:
        mapping = load_mapping(Path(args.mapping))
        report = import_csv(_store(args), Path(args.file), mapping)
    except (CrmError, ConfigError) as exc:
        return _fail(str(exc))
    for problem in report.problems:
        print(problem, file=sys.stderr)
    print(
        f"{report.file}: {report.created} {report.kind} created, {report.updated} updated, "
        f"{len(report.problems)} row(s) refused"
    )
    return 1 if report.problems else 0


def _run_lookup(args: argparse.Namespace) -> int:
    try:
        store = _store(args)
        profile = store.lookup(args.number)
    except (CrmError, ConfigError) as exc:
        return _fail(str(exc))
    if args.json:
        print(json.dumps(_plain(profile) if profile else None, ensure_ascii=False))
    elif profile is None:
        empty = not store.has_contacts()
        hint = f" (the CRM in {args.data_dir} is empty: `frontdesk crm demo` loads the demo's)"
        print(f"{args.number}: not known" + (hint if empty else ""))
    else:
        print(describe(profile))
    return 0 if profile is not None else 1


def _run_demo(args: argparse.Namespace) -> int:
    try:
        ids = load_demo(_store(args))
    except (CrmError, ConfigError) as exc:
        return _fail(str(exc))
    print(f"demo CRM loaded into {args.data_dir}: {len(ids)} accounts, contacts and cases")
    return 0


def describe(profile: CallerProfile) -> str:
    """A few readable lines: who, which account, open cases, last calls, current facts."""
    c = profile.contact
    lines = [f"{profile.number}: {c.display_name} (language {c.language or '?'})"]
    if profile.account is not None:
        a = profile.account
        lines.append(f"  account {a.name}, tier {a.tier or '-'}, owner {a.owner or '-'}")
    for case in profile.open_cases:
        lines.append(
            f"  case {case.id or case.external_id}: {case.topic} ({case.status.value}, "
            f"updated {_when(case.updated_at)})"
        )
    for call in profile.recent_interactions:
        lines.append(
            f"  call {_when(call.at)} {call.outcome.value} {call.agent or ''}: "
            f"{call.notes.splitlines()[0] if call.notes else ''}"
        )
    for fact in profile.facts:
        lines.append(f"  {fact.kind}: {fact.summary}")
    return "\n".join(lines)


def _when(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value
