"""`WebhookDispatcher`: POSTs due deliveries from the outbox, signed, and records each attempt.

    dispatcher = WebhookDispatcher(store)
    await dispatcher.start()        # a task on the running loop
    dispatcher.wake()               # after the pump wrote rows (else it looks every idle_check_s)
    await dispatcher.stop()         # lets attempts under way finish (grace), then closes

At most `max_in_flight` POSTs run at once, and at most `per_subscription` for any one
endpoint, so a slow endpoint holds its own slots only. Slots are handed out round-robin over
the endpoints with due deliveries. Each POST has one deadline (`timeout_s`, connecting
included). The outcome goes through `schedule.after_attempt`; database work runs in a thread so
the event loop (SIP, media timers) never waits on SQLite.

Deliveries are at least once: an attempt cut short by a stop or a crash is not recorded, so
the delivery is still pending and is sent again later. With `per_subscription=1` (the default)
an endpoint receives deliveries one at a time in event order, except that a delivery waiting
for a retry does not hold back the ones after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import Counter

import httpx

from frontdesk.webhooks.errors import BadWebhookSetting
from frontdesk.webhooks.model import DeliveryStatus
from frontdesk.webhooks.outbox import AttemptResult, DueDelivery
from frontdesk.webhooks.payload import body_of, headers_of
from frontdesk.webhooks.schedule import RetryPolicy
from frontdesk.webhooks.store import WebhookStore

log = logging.getLogger("frontdesk.webhooks")
ERROR_BODY_BYTES = 300
READ_AT_MOST = 64 * 1024
COOL_DOWN_S = 5.0


class WebhookDispatcher:
    def __init__(
        self,
        store: WebhookStore,
        *,
        client: httpx.AsyncClient | None = None,
        policy: RetryPolicy | None = None,
        rng: random.Random | None = None,
        max_in_flight: int = 16,
        per_subscription: int = 1,
        timeout_s: float = 10.0,
        idle_check_s: float = 30.0,
    ) -> None:
        if not 1 <= per_subscription <= max_in_flight or timeout_s <= 0 or idle_check_s <= 0:
            raise BadWebhookSetting(
                "webhook delivery needs 1 <= per_subscription <= max_in_flight and positive "
                "timeouts"
            )
        self._store = store
        self._clock = store.clock
        self._client = client
        self._own_client = client is None
        self._policy = policy or RetryPolicy()
        self._rng = rng or random.SystemRandom()
        self._max_in_flight = max_in_flight
        self._per_subscription = per_subscription
        self._timeout_s = timeout_s
        self._idle_check_s = idle_check_s
        self._in_flight: dict[str, tuple[int, asyncio.Task[None]]] = {}
        self._capacity: dict[int, int] = {}  # free slots per enabled endpoint, last look
        self._cooling: set[str] = set()
        self._wake = asyncio.Event()
        self._runner: asyncio.Task[None] | None = None
        self._stopping = False

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    async def start(self) -> None:
        if self._runner is None:
            self._stopping = False
            self._runner = asyncio.create_task(self._run(), name="webhook-dispatcher")

    def wake(self) -> None:
        """Look for due deliveries now (call on the loop's thread; from another thread use
        `loop.call_soon_threadsafe(dispatcher.wake)`)."""
        self._wake.set()

    async def stop(self, grace_s: float = 5.0) -> None:
        """Stops sending; attempts under way get `grace_s` to finish, the rest are cut short
        (and sent again after the next start)."""
        self._stopping = True
        self._wake.set()
        if self._runner is not None:
            await self._runner
            self._runner = None
        tasks = [task for _, task in self._in_flight.values()]
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=grace_s)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        if self._own_client and self._client is not None:
            await self._client.aclose()
            self._client = None

    async def run_once(self) -> int:
        """Starts what is due now and waits for those attempts; returns how many were made."""
        started = await self._launch_due()
        await asyncio.gather(*started, return_exceptions=True)
        return len(started)

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                await self._launch_due()
                wait = await self._until_next_due()
            except Exception:
                log.exception("webhook dispatch failed; trying again in a second")
                wait = 1.0
            if self._stopping:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=wait)

    async def _until_next_due(self) -> float:
        """Seconds until a delivery that could start is due. Endpoints at their limit, and
        deliveries under way, are left out: a finishing attempt wakes the loop anyway."""
        if len(self._in_flight) >= self._max_in_flight:
            return self._idle_check_s
        room = [sub_id for sub_id, free in self._capacity.items() if free > 0]
        due_at = await asyncio.to_thread(self._store.next_due_at, room, self._unavailable())
        if due_at is None:
            return self._idle_check_s
        return min(max(due_at - self._clock.wall(), 0.0), self._idle_check_s)

    async def _launch_due(self) -> list[asyncio.Task[None]]:
        free = self._max_in_flight - len(self._in_flight)
        if free <= 0 or self._stopping:
            return []
        busy = Counter(sub_id for sub_id, _ in self._in_flight.values())
        subs = await asyncio.to_thread(self._store.subscriptions)
        capacity = {s.id: self._per_subscription - busy[s.id] for s in subs if s.enabled}
        due = await asyncio.to_thread(self._store.due, capacity, self._unavailable())
        started = []
        for item in _round_robin(due)[:free]:
            task = asyncio.create_task(self._deliver(item), name=f"webhook-{item.delivery.id}")
            self._in_flight[item.delivery.id] = (item.delivery.subscription_id, task)
            capacity[item.delivery.subscription_id] -= 1
            started.append(task)
        self._capacity = capacity
        return started

    def _unavailable(self) -> set[str]:
        return set(self._in_flight) | self._cooling

    def _cool(self, delivery_id: str) -> None:
        """Keeps a delivery whose outcome could not be stored from being sent again at once."""
        self._cooling.add(delivery_id)
        loop = asyncio.get_running_loop()
        loop.call_later(COOL_DOWN_S, self._cooling.discard, delivery_id)

    async def _deliver(self, item: DueDelivery) -> None:
        delivery_id = item.delivery.id
        try:
            started_at = self._clock.wall()
            began = self._clock.now()
            status, error = await self._post(item, int(started_at))
            result = AttemptResult(
                delivery_id, started_at, status, error, max(self._clock.now() - began, 0.0)
            )
            done = await asyncio.to_thread(
                self._store.record_attempt, result, self._policy, self._rng
            )
            if done is not None and done.status is not DeliveryStatus.DELIVERED:
                log.info("webhook delivery %s: %s", delivery_id, done.last_error)
        except Exception:
            log.exception("webhook delivery %s could not be recorded", delivery_id)
            self._cool(delivery_id)
        finally:
            del self._in_flight[delivery_id]
            self._wake.set()

    async def _post(self, item: DueDelivery, timestamp: int) -> tuple[int | None, str | None]:
        """The HTTP status, or None with what went wrong when there was no answer."""
        body = body_of(item.delivery.id, item.event)
        headers = headers_of(item.delivery.id, item.event.kind, item.secret, timestamp, body)
        client = self._http()
        try:
            async with asyncio.timeout(self._timeout_s):
                async with client.stream("POST", item.url, content=body, headers=headers) as reply:
                    answer = await _read_some(reply)
        except TimeoutError:
            return None, f"no answer within {self._timeout_s:g} s"
        except httpx.HTTPError as exc:
            return None, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        if 200 <= reply.status_code < 300:
            return reply.status_code, None
        text = answer[:ERROR_BODY_BYTES].decode("utf-8", "replace").strip()
        return reply.status_code, f"HTTP {reply.status_code}" + (f": {text}" if text else "")

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(self._timeout_s),
                follow_redirects=False,
                limits=httpx.Limits(max_connections=self._max_in_flight),
            )
        return self._client


async def _read_some(reply: httpx.Response) -> bytes:
    """The start of the answer's body (kept for the admin), reading at most READ_AT_MOST."""
    got = bytearray()
    async for chunk in reply.aiter_bytes():
        got += chunk
        if len(got) >= READ_AT_MOST:
            break
    return bytes(got)


def _round_robin(due: list[DueDelivery]) -> list[DueDelivery]:
    """Interleaves deliveries by subscription, keeping each one's order."""
    queues: dict[int, list[DueDelivery]] = {}
    for item in due:
        queues.setdefault(item.delivery.subscription_id, []).append(item)
    out: list[DueDelivery] = []
    rank = 0
    while len(out) < len(due):
        out += [q[rank] for q in queues.values() if rank < len(q)]
        rank += 1
    return out
