"""Read-only wallboard links for office screens: a token in the URL, no sign-in.

A link shows the wallboard of the teams chosen when it was made (or every team), nothing else
— no recordings, no call controls, no caller names (a wall screen is seen by visitors too).
Only a SHA-256 of the token is stored; the link is shown once. Links expire (90 days by
default) and can be revoked by a supervisor of those teams or an admin.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Column,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    insert,
    select,
    update,
)

DEFAULT_DAYS = 90

metadata = MetaData()
shares = Table(
    "board_shares",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("digest", String(64), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
    Column("teams", String(2000), nullable=False),  # JSON list; [] = every team
    Column("created_by", String(100), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("revoked_at", Float, nullable=True),
)


@dataclass(frozen=True, slots=True)
class BoardShare:
    id: int
    name: str
    teams: tuple[str, ...]
    created_by: str
    created_at: float
    expires_at: float
    revoked_at: float | None

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "teams": list(self.teams),
                "created_by": self.created_by, "created_at": self.created_at,
                "expires_at": self.expires_at, "revoked": self.revoked_at is not None}  # fmt: skip


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _share(row: Any) -> BoardShare:
    return BoardShare(row.id, row.name, tuple(json.loads(row.teams)), row.created_by,
                      row.created_at, row.expires_at, row.revoked_at)  # fmt: skip


class BoardShares:
    def __init__(self, engine: Engine, wall: Callable[[], float]) -> None:
        self._engine = engine
        self._wall = wall
        metadata.create_all(engine)

    def create(self, name: str, teams: tuple[str, ...], by: str,
               days: float = DEFAULT_DAYS) -> tuple[str, BoardShare]:  # fmt: skip
        """Returns the token (shown once) and the stored link."""
        token = "fdb_" + secrets.token_urlsafe(24)
        now = self._wall()
        row = {"digest": _digest(token), "name": name, "teams": json.dumps(sorted(teams)),
               "created_by": by, "created_at": now, "expires_at": now + days * 86400}  # fmt: skip
        with self._engine.begin() as conn:
            new_id = conn.execute(insert(shares).values(**row)).inserted_primary_key[0]  # type: ignore[index]
            found = conn.execute(select(shares).where(shares.c.id == new_id)).one()
        return token, _share(found)

    def resolve(self, token: str) -> BoardShare | None:
        """The live link of this token, or None (unknown, expired, revoked)."""
        if not token.startswith("fdb_") or len(token) > 100:
            return None
        with self._engine.connect() as conn:
            row = conn.execute(select(shares).where(shares.c.digest == _digest(token))).first()
        if row is None or row.revoked_at is not None or row.expires_at <= self._wall():
            return None
        return _share(row)

    def list(self) -> list[BoardShare]:
        with self._engine.connect() as conn:
            return [_share(r) for r in conn.execute(select(shares).order_by(shares.c.id))]

    def get(self, share_id: int) -> BoardShare | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(shares).where(shares.c.id == share_id)).first()
        return _share(row) if row is not None else None

    def revoke(self, share_id: int) -> bool:
        query = update(shares).where(shares.c.id == share_id, shares.c.revoked_at.is_(None))
        with self._engine.begin() as conn:
            return conn.execute(query.values(revoked_at=self._wall())).rowcount == 1
