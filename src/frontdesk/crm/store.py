"""`CrmStore`: the CRM on a SQLAlchemy engine, with a lookup by caller number for every call.

Reads answer frozen values (model.py). Writes happen in `with store.writer() as w:` blocks,
one transaction each: everything in the block is stored, or (on any error) nothing is.

Lookups are cached in-process (LRU with a time-to-live) because a caller is often looked up
several times within seconds: by the IVR, the router and the agent's screen pop. The cache is
only an extra: the uncached path is what the benchmark measures. Writes made through this store
drop the profiles they change at commit; writes made by another process are seen when the TTL
runs out. A generation counter keeps a lookup that raced with a write from caching what it read
before the write.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from frontdesk.clock import Clock
from frontdesk.crm import reads
from frontdesk.crm.errors import CrmError
from frontdesk.crm.model import Account, CallerProfile, Case, CaseEvent, Contact, Interaction
from frontdesk.crm.numbers import caller_key, check_region
from frontdesk.crm.reads import ProfilePolicy
from frontdesk.crm.schema import contacts, create_schema, interactions
from frontdesk.crm.writes import CrmWriter

_Entry = tuple[float, CallerProfile | None]  # (expires at, profile or a remembered miss)


class CrmStore:
    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        *,
        region: str = "GB",
        policy: ProfilePolicy | None = None,
        cache_size: int = 10_000,
        cache_ttl_s: float = 30.0,
    ) -> None:
        """`region` reads national-format numbers (the company's country); 0 disables the cache."""
        self._engine = engine
        self._clock = clock
        self.region = check_region(region)
        self.policy = policy or ProfilePolicy()
        self._cache_size = cache_size
        self._cache_ttl_s = cache_ttl_s
        self._cache: OrderedDict[str, _Entry] = OrderedDict()
        self._cached_numbers: dict[int, set[str]] = {}
        self._generation = 0
        self._lock = threading.Lock()
        self._reader = reads.ProfileReader(engine.dialect)
        create_schema(engine)

    @property
    def engine(self) -> Engine:
        return self._engine

    def has_contacts(self) -> bool:
        """Whether any contact is stored (an empty CRM knows no caller)."""
        with self._engine.connect() as conn:
            return conn.execute(select(contacts.c.id).limit(1)).first() is not None

    # -- the hot path --------------------------------------------------------------------------

    def lookup(self, number: str) -> CallerProfile | None:
        """The profile of whoever owns `number` (any format), or None for unknown callers."""
        key = caller_key(number, self.region)
        if key is None:
            return None
        now = self._clock.now()
        if self._cache_size > 0:
            with self._lock:
                entry = self._cache.get(key)
                if entry is not None and entry[0] > now:
                    self._cache.move_to_end(key)
                    return entry[1]
                generation = self._generation
        raw = self._engine.raw_connection()
        try:
            cursor = raw.cursor()
            try:
                profile = self._reader.read(cursor, key, self._clock.wall(), self.policy)
            finally:
                cursor.close()
        finally:
            raw.close()
        if self._cache_size > 0:
            self._remember(key, profile, now, generation)
        return profile

    def _remember(
        self, key: str, profile: CallerProfile | None, now: float, generation: int
    ) -> None:
        with self._lock:
            if generation != self._generation:
                return  # a write committed while we read: what we read may be stale
            self._cache[key] = (now + self._cache_ttl_s, profile)
            self._cache.move_to_end(key)
            if profile is not None and profile.contact.id is not None:
                self._cached_numbers.setdefault(profile.contact.id, set()).add(key)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)

    def clear_cache(self) -> None:
        with self._lock:
            self._generation += 1
            self._cache.clear()
            self._cached_numbers.clear()

    def _forget(self, writer: CrmWriter) -> None:
        if writer.touched_everyone:
            self.clear_cache()
            return
        with self._lock:
            self._generation += 1
            for contact_id in writer.touched:
                for key in self._cached_numbers.pop(contact_id, ()):
                    self._cache.pop(key, None)
            for key in writer.added_numbers:
                self._cache.pop(key, None)

    # -- writes ---------------------------------------------------------------------------------

    @contextmanager
    def writer(self) -> Iterator[CrmWriter]:
        """One transaction: `with store.writer() as w: w.open_case(...)`."""
        writer: CrmWriter | None = None
        try:
            with self._engine.begin() as conn:
                writer = CrmWriter(conn, self._clock.wall(), self.region)
                yield writer
        except IntegrityError as exc:
            # Checks run before writes, so this is a concurrent writer winning a race.
            raise CrmError(f"the change conflicts with data written meanwhile: {exc.orig}") from exc
        finally:
            if writer is not None:
                self._forget(writer)

    # -- reads by id ----------------------------------------------------------------------------

    def contact(self, contact_id: int) -> Contact | None:
        with self._engine.connect() as conn:
            return reads.read_contact(conn, contact_id)

    def account(self, account_id: int) -> Account | None:
        with self._engine.connect() as conn:
            return reads.read_account(conn, account_id)

    def case(self, case_id: int) -> Case | None:
        with self._engine.connect() as conn:
            return reads.read_case(conn, case_id)

    def case_history(self, case_id: int) -> tuple[CaseEvent, ...]:
        with self._engine.connect() as conn:
            return reads.read_case_history(conn, case_id)

    def interactions_of_call(self, call_id: str) -> tuple[Interaction, ...]:
        query = select(interactions).where(interactions.c.call_id == call_id)
        with self._engine.connect() as conn:
            rows = conn.execute(query.order_by(interactions.c.at, interactions.c.id))
            return tuple(reads.interaction_from_row(row) for row in rows)
