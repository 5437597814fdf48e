"""Fixtures: a CRM store on a fresh SQLite file (the server's engine settings), manual time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from crm_time import START
from sqlalchemy import Engine

from frontdesk.clock import ManualClock
from frontdesk.crm import CrmStore
from frontdesk.store.eventlog import open_engine


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_engine(tmp_path)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=0.0, wall_offset=START)


@pytest.fixture
def store(engine: Engine, clock: ManualClock) -> CrmStore:
    return CrmStore(engine, clock, region="GB")
