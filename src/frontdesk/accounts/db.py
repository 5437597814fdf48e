"""The store's one way in and out of the database: short transactions, writes serialised.

Every write is one transaction, committed before the method returns. Writes in one process
are serialised by a lock; between processes (the server and a `frontdesk user` command), on
SQLite, each write transaction takes the database's write lock before it reads (BEGIN
IMMEDIATE), so a check such as "is this username free" cannot be overtaken by another writer.
Slow work (password hashing) is never done inside a transaction or under the lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from frontdesk.accounts.errors import AccountsError
from frontdesk.clock import Clock

_T = TypeVar("_T")


class Db:
    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock
        self._lock = threading.Lock()

    def now(self) -> float:
        """Wall-clock seconds: stored times must survive a restart, monotonic time does not."""
        return self.clock.wall()

    def read(self, query: Callable[[Connection, float], _T]) -> _T:
        with self.engine.connect() as conn:
            return query(conn, self.now())

    def write(self, change: Callable[[Connection, float], _T]) -> _T:
        with self._lock, self.engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                result = change(conn, self.now())
            except IntegrityError as exc:
                # Only reachable when another process wrote between our check and our write
                # on a database without BEGIN IMMEDIATE.
                raise AccountsError(
                    f"the change conflicts with data written meanwhile: {exc.orig}"
                ) from exc
            conn.commit()
            return result
