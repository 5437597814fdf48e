"""Fixtures: an account store on a fresh SQLite file (the server's engine), manual time, and
cheap argon2 parameters (the defaults cost 0.2 s and 64 MiB per hash)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from accounts_helpers import CHEAP, WALL_START
from sqlalchemy import Engine

from frontdesk.accounts import AccountStore, Passwords
from frontdesk.clock import ManualClock
from frontdesk.store.eventlog import open_engine


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_engine(tmp_path)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=1000.0, wall_offset=WALL_START - 1000.0)


@pytest.fixture
def store(engine: Engine, clock: ManualClock) -> AccountStore:
    return AccountStore(engine, clock, passwords=Passwords(CHEAP))
