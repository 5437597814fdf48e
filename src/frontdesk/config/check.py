"""`frontdesk check FILE`: every error and warning about a company file, then a summary.

Problems go to stderr one a line (`file:line: message`, warnings tagged `warning:`), in the
order of the company file and then of its flows file; the exit status is 1 when any is an
error, else 0 with a one-line summary of what loaded on stdout.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from frontdesk.config.loader import Setup, attempt_load
from frontdesk.flows.errors import Severity


def run_check(path: Path, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    attempt = attempt_load(path)
    for problem in attempt.problems:
        print(problem, file=err)
    errors = sum(p.severity is Severity.ERROR for p in attempt.problems)
    warnings = len(attempt.problems) - errors
    if attempt.setup is None:
        print(f"{errors} error(s), {warnings} warning(s): the company is refused", file=err)
        return 1
    print(f"{path}: OK ({summary(attempt.setup)}); {warnings} warning(s)", file=out)
    return 0


def summary(setup: Setup) -> str:
    c = setup.company
    flows = len(setup.flows.flows)
    if c.flows_file is not None:
        source = str(c.flows_file)
    elif c.demo_flows:
        source = "the built-in demo flows"
    else:
        source = "flows written for the company (`frontdesk flow starter FILE` prints them)"
    return (
        f"{c.name}: {len(c.numbers)} number(s), {len(c.agents)} agent(s), "
        f"{len(c.teams)} team(s), {len(c.queues)} queue(s), {len(c.trunks)} trunk(s); "
        f"{flows} flow(s) from {source}"
    )
