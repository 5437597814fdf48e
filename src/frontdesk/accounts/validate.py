"""Checks on user data before it is stored, each refusing with a clear sentence.

Usernames are case-insensitive: they are stored in lower case, so "Alice" and "alice" are the
same user. They are restricted to ASCII letters, digits and `. _ - @` so that they are
unambiguous on screen (no look-alike Unicode letters) and safe in URLs and logs.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from frontdesk.accounts.errors import InvalidUser
from frontdesk.accounts.model import NewUser, Role

USERNAME_MAX = 64
NAME_MAX = 128
TEAM_MAX = 64
AGENT_ID_MAX = 255
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._@-]*")


def username(value: object) -> str:
    """The normalised (lower-case) username, or InvalidUser saying what is wrong."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidUser("the username is empty: it must be given")
    name = value.strip().lower()
    if len(name) > USERNAME_MAX:
        raise InvalidUser(f"the username is {len(name)} characters long (at most {USERNAME_MAX})")
    if not name.isascii() or _USERNAME.fullmatch(name) is None:
        raise InvalidUser(
            f"the username '{value.strip()}' may only hold letters a-z, digits and . _ - @, "
            "and must start with a letter or a digit"
        )
    return name


def _text(value: object, what: str, longest: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidUser(f"the {what} is empty: it must be given")
    text = value.strip()
    if len(text) > longest:
        raise InvalidUser(f"the {what} is {len(text)} characters long (at most {longest})")
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text):
        raise InvalidUser(f"the {what} '{text!r}' holds control characters")
    return text


def display_name(value: object) -> str:
    return _text(value, "display name", NAME_MAX)


def teams(values: Iterable[object]) -> tuple[str, ...]:
    """Team names, sorted and without duplicates."""
    if isinstance(values, str):
        raise InvalidUser("teams must be a list of team names, not one string")
    return tuple(sorted({_text(team, "team name", TEAM_MAX) for team in values}))


def agent_id(value: object) -> str | None:
    return None if value is None else _text(value, "agent id", AGENT_ID_MAX)


def role(value: object) -> Role:
    if isinstance(value, Role):
        return value
    try:
        return Role(str(value).strip().lower())
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise InvalidUser(f"'{value}' is not a role (expected one of {known})") from None


def role_fits(the_role: Role, the_agent_id: str | None) -> None:
    """An agent user works as a company agent, so it must say which one."""
    if the_role is Role.AGENT and the_agent_id is None:
        raise InvalidUser("a user with the role agent needs an agent id (the company file's)")


def new_user(user: NewUser) -> NewUser:
    """The same user with every field checked and normalised."""
    checked = NewUser(
        username=username(user.username),
        display_name=display_name(user.display_name),
        role=role(user.role),
        teams=teams(user.teams),
        agent_id=agent_id(user.agent_id),
    )
    role_fits(checked.role, checked.agent_id)
    return checked
