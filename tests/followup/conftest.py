"""Fixtures: a follow-up store on a fresh SQLite file (the server's engine), manual time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from followup_time import WEDNESDAY_1000
from sqlalchemy import Engine

from frontdesk.clock import ManualClock
from frontdesk.followup import FollowupStore
from frontdesk.store.eventlog import open_engine


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_engine(tmp_path)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=0.0, wall_offset=WEDNESDAY_1000)


@pytest.fixture
def store(engine: Engine, clock: ManualClock) -> FollowupStore:
    return FollowupStore(engine, clock, region="GB")
