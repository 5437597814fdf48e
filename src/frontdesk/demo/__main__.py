"""`python -m frontdesk.demo [options]` runs what `frontdesk demo [options]` runs."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from frontdesk.demo.cli import register


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="frontdesk")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["demo", *(sys.argv[1:] if argv is None else argv)])
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
