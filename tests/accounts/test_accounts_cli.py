"""`frontdesk user ...` through the parser, as the main command line will run it."""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from accounts_helpers import PASSWORD

from frontdesk.accounts import AccountStore
from frontdesk.accounts.cli import register
from frontdesk.clock import SystemClock
from frontdesk.store.eventlog import open_engine

DEMO_COMPANY = Path(__file__).parents[2] / "src" / "frontdesk" / "config" / "demo.yaml"


def run(argv: list[str], stdin: str = "") -> int:
    parser = argparse.ArgumentParser(prog="frontdesk")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        result: int = args.func(args)
    finally:
        sys.stdin = old
    return result


@pytest.fixture
def data(tmp_path: Path) -> list[str]:
    return ["--data-dir", str(tmp_path)]


def _store(data: list[str]) -> AccountStore:
    return AccountStore(open_engine(Path(data[1])), SystemClock())


def test_add_list_passwd_disable(data: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    add = ["user", "add", "Alice", "--role", "agent", "--team", "parcels", "--team", "billing"]
    assert run([*add, "--agent-id", "alice", "--name", "Alice Martin", *data], PASSWORD + "\n") == 0
    assert "user alice added (agent)" in capsys.readouterr().out
    assert _store(data).authenticate("alice", PASSWORD).teams == ("billing", "parcels")

    assert run(["user", "list", "--json", *data]) == 0
    (listed,) = json.loads(capsys.readouterr().out)
    assert listed["username"] == "alice" and listed["display_name"] == "Alice Martin"
    assert listed["agent_id"] == "alice" and not listed["disabled"]

    assert run(["user", "passwd", "ALICE", *data], "a different secret\n") == 0
    _store(data).authenticate("alice", "a different secret")

    assert run(["user", "disable", "alice", *data]) == 0
    assert run(["user", "list", *data]) == 0
    out = capsys.readouterr().out
    assert "disabled" in out.splitlines()[-1]


def test_refusals_exit_2_and_change_nothing(
    data: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["user", "add", "bob", "--role", "admin", *data], "short\n") == 2
    assert "at least 10" in capsys.readouterr().err
    assert run(["user", "add", "bob", "--role", "agent", *data], PASSWORD + "\n") == 2
    assert "needs an agent id" in capsys.readouterr().err
    assert run(["user", "add", "bob", "--role", "admin", *data], "") == 2
    assert "no password" in capsys.readouterr().err
    config = ["--config", str(DEMO_COMPANY)]
    assert run(["user", "add", "bob", "--role", "agent", "--agent-id", "zed", *config, *data]) == 2
    assert "the agent 'zed' is not in the company file" in capsys.readouterr().err
    assert run(["user", "add", "ok", "--role", "admin", *data], PASSWORD + "\n") == 0
    assert run(["user", "add", "OK", "--role", "admin", *data], "") == 2  # no password asked
    assert "the username 'ok' is taken" in capsys.readouterr().err
    assert run(["user", "passwd", "nobody", *data]) == 2
    assert "there is no user 'nobody'" in capsys.readouterr().err
    assert [u.username for u in _store(data).list_users()] == ["ok"]
    with pytest.raises(SystemExit):
        run(["user", "add", "bob", "--role", "boss", *data])


def test_tokens_from_the_command_line(data: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["user", "add", "crm", "--role", "admin", "--no-password", *data]) == 0
    assert run(["user", "token", "create", "crm", "--name", "crm-sync", "--days", "30", *data]) == 0
    captured = capsys.readouterr()
    secret = captured.out.splitlines()[-1]
    assert secret.startswith("fdk_") and "not shown again" in captured.err
    store = _store(data)
    principal = store.resolve_token(secret)
    assert principal is not None and principal.username == "crm"
    (token,) = store.list_tokens()
    assert token.expires_at is not None and token.created_by == "cli"

    assert run(["user", "token", "list", *data]) == 0
    listing = capsys.readouterr().out
    assert "crm-sync" in listing and secret not in listing and token.hint in listing
    assert run(["user", "token", "revoke", str(token.id), *data]) == 0
    assert store.resolve_token(secret) is None
    assert run(["user", "token", "revoke", "99", *data]) == 2
    assert run(["user", "token", "create", "crm", "--name", "x", "--days", "0", *data]) == 2


def test_failures_are_listed(data: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    store = _store(data)
    store.record_login_failure("mallory", "198.51.100.9", "unknown_user")
    assert run(["user", "failures", *data]) == 0
    assert "mallory" in capsys.readouterr().out


def test_a_real_process_reads_the_password_from_a_pipe(tmp_path: Path) -> None:
    script = (
        "import argparse, sys\n"
        "from frontdesk.accounts.cli import register\n"
        "p = argparse.ArgumentParser(prog='frontdesk')\n"
        "register(p.add_subparsers(dest='command', required=True))\n"
        "a = p.parse_args(sys.argv[1:])\n"
        "sys.exit(a.func(a))\n"
    )
    argv = ["user", "add", "sue", "--role", "supervisor", "--data-dir", str(tmp_path)]
    done = subprocess.run(
        [sys.executable, "-c", script, *argv],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert PASSWORD not in done.stdout + done.stderr
    assert _store(["--data-dir", str(tmp_path)]).authenticate("sue", PASSWORD).username == "sue"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_password_is_asked_twice(
    data: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    typed = iter([PASSWORD, PASSWORD + "x", PASSWORD, PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(typed))
    monkeypatch.setattr(sys, "stdin", Terminal())
    add = ["user", "add", "sue", "--role", "supervisor", *data]
    parser = argparse.ArgumentParser(prog="frontdesk")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(add)
    assert args.func(args) == 2
    assert "the two passwords differ" in capsys.readouterr().err
    assert args.func(args) == 0
    assert _store(data).authenticate("sue", PASSWORD).username == "sue"
