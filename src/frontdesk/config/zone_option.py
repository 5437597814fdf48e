"""`--tz` for the commands that read or show local times: the company's time zone by default.

The web app shows days and intervals in the company's time zone, so the command line does
too unless told otherwise: `import` reads a file's times in it, `report`, `plan forecast` and
`simulate` cut days and hours in it. The company is the one `frontdesk serve` would run:
`--config FILE`, or the demo company without it.
"""

from __future__ import annotations

import argparse
from typing import Any

from frontdesk.config.company import Company
from frontdesk.config.loader import ConfigError, company_or_demo


def add_zone_options(parser: Any, what: str) -> None:
    """Adds `--tz` (`what` says what it is for) and `--config` to an argparse parser."""
    parser.add_argument("--tz", help=f"{what} (default: the company's time zone)")
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="company file whose time zone is the default (default: the demo company's)",
    )


def company_option(args: argparse.Namespace, error: type[Exception]) -> Company:
    """The company of `--config FILE`, or the demo company; a company file that cannot be
    read raises `error` with the reasons."""
    config = getattr(args, "config", None)
    try:
        return company_or_demo(config)
    except ConfigError as exc:
        raise error(f"--config {config}: {exc}") from None


def resolve_zone(
    args: argparse.Namespace, error: type[Exception], company: Company | None = None
) -> str:
    """Sets `args.tz` to the company's time zone when none was given, and returns it (the
    company read from `--config` unless given); see `company_option` for errors."""
    if getattr(args, "tz", None):
        return str(args.tz)
    args.tz = (company or company_option(args, error)).timezone
    return str(args.tz)


def company_region(company: Company) -> str:
    """The country national-format numbers are read in: that of the company's first number."""
    from frontdesk.crm.numbers import region_of  # phonenumbers: only for the commands using it

    return region_of(number.number for number in company.numbers)
