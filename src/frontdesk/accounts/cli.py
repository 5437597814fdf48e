"""`frontdesk user ...`: web app users, passwords and API tokens from the command line.

`register(subparsers)` adds the `user` command to the main parser. Every subcommand works on
the database in --data-dir (the server's). Passwords are never taken from the command line
(they would show in `ps` and the shell history): they are prompted for twice on a terminal,
or read as one line from standard input otherwise (`echo "$PW" | frontdesk user add ...`).
Exit codes: 0 done, 2 bad input (nothing changed).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from frontdesk.accounts import validate
from frontdesk.accounts.demo import company_problems
from frontdesk.accounts.errors import AccountsError, UserExists
from frontdesk.accounts.model import ApiToken, NewUser, Role, User
from frontdesk.accounts.store import AccountStore
from frontdesk.clock import SystemClock
from frontdesk.config import ConfigError, load_company
from frontdesk.store.eventlog import open_engine

EXIT_BAD_INPUT = 2
DAY = 86_400.0


def register(subparsers: Any) -> None:
    """Add `user` and its subcommands to an argparse subparsers object."""
    user = subparsers.add_parser("user", help="web app users, passwords and API tokens")
    sub = user.add_subparsers(dest="user_command", required=True)

    add = sub.add_parser("add", help="add a user (password prompted, or read from stdin)")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument("--team", action="append", default=[], help="a team (repeat for more)")
    add.add_argument("--agent-id", help="the company file's agent id this user works as")
    add.add_argument("--name", help="display name (default: the username)")
    add.add_argument(
        "--no-password", action="store_true", help="a service user: API tokens only, no login"
    )
    add.add_argument("--config", help="company YAML file to check teams and agent id against")
    _data_dir(add, _run_add)

    listing = sub.add_parser("list", help="list the users")
    listing.add_argument("--json", action="store_true", help="print one JSON list")
    _data_dir(listing, _run_list)

    for name, run, what in (
        ("passwd", _run_passwd, "set a user's password (ends their sessions)"),
        ("disable", _run_disable, "stop a user logging in (ends their sessions)"),
        ("enable", _run_enable, "let a disabled user log in again"),
    ):
        one = sub.add_parser(name, help=what)
        one.add_argument("username")
        _data_dir(one, run)

    failures = sub.add_parser("failures", help="the latest failed logins")
    failures.add_argument("--limit", type=int, default=20)
    _data_dir(failures, _run_failures)

    token = sub.add_parser("token", help="API tokens for integrations")
    tokens = token.add_subparsers(dest="token_command", required=True)
    create = tokens.add_parser("create", help="create a token; its secret is printed once")
    create.add_argument("username")
    create.add_argument("--name", required=True, help="what the token is for, e.g. crm-sync")
    create.add_argument("--days", type=float, help="valid for this many days (default: ever)")
    _data_dir(create, _run_token_create)
    token_list = tokens.add_parser("list", help="list tokens (never their secrets)")
    token_list.add_argument("--user", help="only this user's tokens")
    _data_dir(token_list, _run_token_list)
    revoke = tokens.add_parser("revoke", help="revoke a token by its id")
    revoke.add_argument("id", type=int)
    _data_dir(revoke, _run_token_revoke)


def _data_dir(parser: argparse.ArgumentParser, run: Any) -> None:
    parser.add_argument("--data-dir", default="data", help="where the database lives")
    parser.set_defaults(func=lambda args: _guarded(run, args))


def _guarded(run: Any, args: argparse.Namespace) -> int:
    try:
        result: int = run(AccountStore(open_engine(Path(args.data_dir)), SystemClock()), args)
    except (AccountsError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return result


def read_password(prompt: str = "Password: ") -> str:
    """Twice on a terminal (they must match); otherwise one line of standard input."""
    if sys.stdin.isatty():
        first = getpass.getpass(prompt)
        if getpass.getpass("Again: ") != first:
            raise AccountsError("the two passwords differ")
        return first
    line = sys.stdin.readline()
    if not line:
        raise AccountsError("no password on standard input")
    return line.rstrip("\r\n")


def _run_add(store: AccountStore, args: argparse.Namespace) -> int:
    new = NewUser(
        username=args.username,
        display_name=args.name or args.username,
        role=Role(args.role),
        teams=tuple(args.team),
        agent_id=args.agent_id,
    )
    new = validate.new_user(new)
    if store.find_by_username(new.username) is not None:  # before asking for a password
        raise UserExists(f"the username '{new.username}' is taken")
    if args.config:
        problems = company_problems(new, load_company(Path(args.config)))
        if problems:
            raise AccountsError("; ".join(problems))
    password = None if args.no_password else read_password()
    user = store.create_user(new, password)
    print(f"user {user.username} added ({user.role.value})")
    return 0


def _run_list(store: AccountStore, args: argparse.Namespace) -> int:
    users = store.list_users()
    if args.json:
        print(json.dumps([_user_json(user) for user in users], ensure_ascii=False))
        return 0
    print(f"{'USERNAME':<20} {'ROLE':<11} {'AGENT':<12} {'STATUS':<9} {'LAST LOGIN':<17} TEAMS")
    for u in users:
        status = "disabled" if u.disabled else "service" if not u.has_password else "active"
        print(
            f"{u.username:<20} {u.role.value:<11} {u.agent_id or '-':<12} {status:<9} "
            f"{_when(u.last_login_at):<17} {', '.join(u.teams) or '-'}"
        )
    return 0


def _run_passwd(store: AccountStore, args: argparse.Namespace) -> int:
    store.user(args.username)  # say "no such user" before asking for a password
    user = store.set_password(args.username, read_password("New password: "))
    print(f"password of {user.username} changed; their sessions have ended")
    return 0


def _run_disable(store: AccountStore, args: argparse.Namespace) -> int:
    print(f"user {store.disable(args.username).username} disabled; their sessions have ended")
    return 0


def _run_enable(store: AccountStore, args: argparse.Namespace) -> int:
    print(f"user {store.enable(args.username).username} enabled")
    return 0


def _run_failures(store: AccountStore, args: argparse.Namespace) -> int:
    for failure in store.login_failures(limit=args.limit):
        print(f"{_when(failure.at)}  {failure.username:<20} {failure.address or '-':<16} "
              f"{failure.reason}")  # fmt: skip
    return 0


def _run_token_create(store: AccountStore, args: argparse.Namespace) -> int:
    if args.days is not None and not args.days > 0:
        raise AccountsError("--days must be a positive number of days")
    expires_at = None if args.days is None else SystemClock().wall() + args.days * DAY
    made = store.create_token(args.username, args.name, expires_at=expires_at, created_by="cli")
    # The secret alone on stdout, so that scripts can capture it; the rest on stderr.
    print(made.secret)
    print(
        f"token {made.token.id} '{made.token.name}' for {made.token.username}, "
        f"expires {_when(made.token.expires_at)}: copy it now, it is not shown again",
        file=sys.stderr,
    )
    return 0


def _run_token_list(store: AccountStore, args: argparse.Namespace) -> int:
    print(f"{'ID':>4} {'USER':<20} {'NAME':<20} {'HINT':<10} {'EXPIRES':<17} {'LAST USED':<17}")
    for token in store.list_tokens(args.user):
        print(_token_line(token))
    return 0


def _run_token_revoke(store: AccountStore, args: argparse.Namespace) -> int:
    token = store.revoke_token(args.id)
    print(f"token {token.id} '{token.name}' of {token.username} revoked")
    return 0


def _token_line(t: ApiToken) -> str:
    expires = "revoked" if t.revoked_at is not None else _when(t.expires_at)
    return (
        f"{t.id:>4} {t.username:<20} {t.name:<20} {t.hint:<10} {expires:<17} "
        f"{_when(t.last_used_at):<17}"
    )


def _user_json(user: User) -> dict[str, object]:
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role.value,
        "teams": list(user.teams),
        "agent_id": user.agent_id,
        "disabled": user.disabled,
        "has_password": user.has_password,
        "last_login_at": user.last_login_at,
    }


def _when(epoch: float | None) -> str:
    if epoch is None:
        return "never"
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M")
