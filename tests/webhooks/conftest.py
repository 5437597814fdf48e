"""Fixtures: an event log and a webhook store on a fresh SQLite file, with manual time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from frontdesk.clock import ManualClock
from frontdesk.store.eventlog import EventLog, open_engine
from frontdesk.webhooks import WebhookStore

START = 1_750_000_000.0  # wall-clock seconds of the manual clock's zero


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_engine(tmp_path)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=0.0, wall_offset=START)


@pytest.fixture
def log(engine: Engine) -> EventLog:
    return EventLog(engine)


@pytest.fixture
def store(engine: Engine, clock: ManualClock) -> WebhookStore:
    return WebhookStore(engine, clock)
