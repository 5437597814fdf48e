"""Shared test values for the accounts tests (a module name of its own: pytest puts every test
folder on sys.path)."""

from __future__ import annotations

from argon2 import profiles

from frontdesk.accounts import NewUser, Role

CHEAP = profiles.CHEAPEST
WALL_START = 1_750_000_000.0  # 2025-06-15 15:06:40 UTC
PASSWORD = "correct horse battery"

ALICE = NewUser("Alice", "Alice Martin", Role.AGENT, ("parcels", "billing"), "alice")
BOB = NewUser("bob", "Bob Okafor", Role.AGENT, ("parcels",), "bob")
SUPER = NewUser("sue", "Sue Visor", Role.SUPERVISOR, ("parcels",))
ADMIN = NewUser("root", "Ada Admin", Role.ADMIN)
