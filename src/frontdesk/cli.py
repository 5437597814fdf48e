"""The `frontdesk` command line: serve, check, flows, CRM, planning, history, reports, demo."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path


def _cmd_check(args: argparse.Namespace) -> int:
    from frontdesk.config.check import run_check

    return run_check(Path(args.file))


def _cmd_serve(args: argparse.Namespace) -> int:
    from frontdesk.server import run_server

    return run_server(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="frontdesk", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the phone server in the foreground")
    serve.add_argument("--config", help="company YAML file (default: the built-in demo company)")
    serve.add_argument("--data-dir", default="data", help="where the database and files live")
    serve.add_argument("--sip-host", default="127.0.0.1", help="address to listen on for SIP")
    serve.add_argument("--sip-port", type=int, default=5060, help="SIP port (UDP and TCP)")
    serve.add_argument(
        "--http-port",
        type=int,
        default=8080,
        help="HTTP port for the web app (0: any free port; -1: no web app)",
    )
    serve.add_argument("--http-host", default="127.0.0.1", help="address for the web app")
    serve.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING or ERROR")
    # Media defaults come from FRONTDESK_MEDIA_WORKERS / _MEDIA_TIMEOUT / FRONTDESK_RTP_PORTS.
    serve.add_argument(
        "--media-workers", type=int, help="media worker processes (default: one per CPU core)"
    )
    serve.add_argument(
        "--media-timeout",
        type=float,
        help="seconds without RTP before a call is ended; 0: never (default 30)",
    )
    serve.add_argument("--rtp-ports", help="RTP port range FIRST-LAST (default 20000-39999)")
    serve.set_defaults(func=_cmd_serve)

    check = sub.add_parser("check", help="check a company file and list every problem")
    check.add_argument("file")
    check.set_defaults(func=_cmd_check)

    from frontdesk.accounts.cli import register as register_accounts
    from frontdesk.analytics.cli import register as register_analytics
    from frontdesk.crm.cli import register as register_crm
    from frontdesk.flows.cli import register as register_flows
    from frontdesk.planning.cli import register as register_planning

    register_flows(sub)
    register_crm(sub)
    register_planning(sub)
    register_analytics(sub)
    register_accounts(sub)
    from frontdesk.demo.cli import register as register_demo

    register_demo(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
