"""Deliveries to a real HTTP endpoint (http.server in a thread): signed bodies, retries after
errors and timeouts, 410 Gone, ordering and fairness between endpoints, redelivery."""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import time
from collections.abc import Callable
from typing import Any

import pytest
from webhook_receiver import running_receiver

from frontdesk.clock import ManualClock
from frontdesk.store.eventlog import EventLog
from frontdesk.webhooks import (
    BadWebhookSetting,
    DeliveryStatus,
    RetryPolicy,
    WebhookDispatcher,
    WebhookPump,
    WebhookStore,
    verify,
)

AT = 1_750_000_123.25
POLICY = RetryPolicy(first_delay_s=5, max_delay_s=60)


def _append(
    log: EventLog, store: WebhookStore, count: int = 1, kind: str = "call.answered"
) -> None:
    for n in range(count):
        log.append(AT + n, kind, f"call-{n}", number="+442079460100", n=n)
    log.flush()
    WebhookPump(store, log).pump()


def _run(dispatcher: WebhookDispatcher, rounds: int = 1) -> list[int]:
    async def go() -> list[int]:
        made = [await dispatcher.run_once() for _ in range(rounds)]
        await dispatcher.stop()
        return made

    return asyncio.run(go())


def _dispatcher(store: WebhookStore, **settings: object) -> WebhookDispatcher:
    return WebhookDispatcher(store, policy=POLICY, **settings)  # type: ignore[arg-type]


def test_a_delivery_is_signed_and_says_what_happened(
    store: WebhookStore, log: EventLog, clock: ManualClock
) -> None:
    with running_receiver() as receiver:
        sub = store.create_subscription(receiver.url("/in"))
        _append(log, store)
        assert _run(_dispatcher(store)) == [1]
    [got] = receiver.of("/in")
    [delivery] = store.recent_deliveries(sub.id)
    headers = {k.lower(): v for k, v in got.headers.items()}
    assert headers["content-type"] == "application/json"
    assert headers["frontdesk-event"] == "call.answered"
    assert headers["frontdesk-delivery"] == delivery.id
    assert verify(sub.secret, headers["frontdesk-signature"], got.body, now=clock.wall())
    assert not verify(sub.secret, headers["frontdesk-signature"], got.body + b" ", clock.wall())
    assert headers["frontdesk-signature"].startswith(f"t={int(clock.wall())},v1=")
    assert json.loads(got.body) == {
        "id": delivery.id,
        "seq": 1,
        "kind": "call.answered",
        "call_id": "call-0",
        "at": "2025-06-15T15:08:43.250Z",  # as GNU `date -u -d @1750000123` gives it
        "data": {"number": "+442079460100", "n": 0},
    }
    assert (delivery.status, delivery.attempts, delivery.last_http_status) == (
        DeliveryStatus.DELIVERED, 1, 200
    )  # fmt: skip
    [attempt] = store.attempts_of(delivery.id)
    assert (attempt.http_status, attempt.error, attempt.at) == (200, None, clock.wall())


def test_retried_after_a_500_then_delivered(
    store: WebhookStore, log: EventLog, clock: ManualClock
) -> None:
    with running_receiver({"/in": [500, 200]}) as receiver:
        sub = store.create_subscription(receiver.url("/in"))
        _append(log, store)
        dispatcher = _dispatcher(store)

        async def go() -> None:
            assert await dispatcher.run_once() == 1
            [waiting] = store.recent_deliveries(sub.id)
            assert waiting.status is DeliveryStatus.PENDING and waiting.attempts == 1
            assert waiting.last_error == "HTTP 500: scripted 500"
            assert waiting.next_attempt_at is not None
            assert clock.wall() <= waiting.next_attempt_at <= clock.wall() + 5
            assert await dispatcher.run_once() == 0  # not due yet
            clock.advance(5)
            assert await dispatcher.run_once() == 1
            await dispatcher.stop()

        asyncio.run(go())
    first, second = receiver.of("/in")
    assert first.body == second.body
    assert first.headers["Frontdesk-Delivery"] == second.headers["Frontdesk-Delivery"]
    assert first.headers["Frontdesk-Signature"] != second.headers["Frontdesk-Signature"]
    [delivery] = store.recent_deliveries(sub.id)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 2)
    assert [a.http_status for a in store.attempts_of(delivery.id)] == [500, 200]


def test_410_gone_disables_the_webhook(store: WebhookStore, log: EventLog) -> None:
    with running_receiver({"/gone": [410]}) as receiver:
        sub = store.create_subscription(receiver.url("/gone"))
        _append(log, store, count=3)
        assert _run(_dispatcher(store), rounds=2) == [1, 0]
    after = store.subscription(sub.id)
    assert not after.enabled and after.disabled_reason is not None
    assert "410 Gone" in after.disabled_reason
    assert {d.status for d in store.recent_deliveries(sub.id)} == {DeliveryStatus.FAILED}
    assert len(receiver.of("/gone")) == 1


def test_a_timeout_is_retried(store: WebhookStore, log: EventLog, clock: ManualClock) -> None:
    with running_receiver({"/slow": [("sleep", 1.2, 200), 200]}) as receiver:
        sub = store.create_subscription(receiver.url("/slow"))
        _append(log, store)
        dispatcher = _dispatcher(store, timeout_s=0.2)

        async def go() -> None:
            began = time.monotonic()
            await dispatcher.run_once()
            assert time.monotonic() - began < 0.9  # the deadline, not the endpoint, decided
            [waiting] = store.recent_deliveries(sub.id)
            assert waiting.status is DeliveryStatus.PENDING
            assert (waiting.last_http_status, waiting.last_error) == (
                None, "no answer within 0.2 s"
            )  # fmt: skip
            clock.advance(5)
            await dispatcher.run_once()
            await dispatcher.stop()

        asyncio.run(go())
        [delivery] = store.recent_deliveries(sub.id)
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 2)
        deadline = time.monotonic() + 5
        while len(receiver.of("/slow")) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)  # the late answer to the first attempt is still being written
        ids = {r.headers["Frontdesk-Delivery"] for r in receiver.of("/slow")}
        assert ids == {delivery.id}  # received twice: receivers deduplicate by this id


def test_connection_refused_is_retried(store: WebhookStore, log: EventLog) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # nothing listens there
    sub = store.create_subscription(f"http://127.0.0.1:{port}/in")
    _append(log, store)
    _run(_dispatcher(store))
    [delivery] = store.recent_deliveries(sub.id)
    assert delivery.status is DeliveryStatus.PENDING and delivery.last_http_status is None
    assert delivery.last_error is not None and "ConnectError" in delivery.last_error


async def _until(check: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.01)


def test_one_endpoint_receives_in_event_order(store: WebhookStore, log: EventLog) -> None:
    with running_receiver() as receiver:
        store.create_subscription(receiver.url("/in"))
        dispatcher = _dispatcher(store)

        async def go() -> None:
            await dispatcher.start()
            for _ in range(4):
                _append(log, store, count=5)
                dispatcher.wake()
                await asyncio.sleep(0.01)
            await _until(lambda: len(receiver.of("/in")) == 20)
            await dispatcher.stop()

        asyncio.run(go())
    got = receiver.of("/in")
    assert [json.loads(r.body)["seq"] for r in got] == list(range(1, 21))
    for before, after in itertools.pairwise(got):
        assert after.started >= before.at - 0.005  # one at a time


def test_a_slow_endpoint_does_not_hold_up_the_others(store: WebhookStore, log: EventLog) -> None:
    with running_receiver({"/slow": [("sleep", 0.4, 200)]}) as receiver:
        store.create_subscription(receiver.url("/slow"))
        store.create_subscription(receiver.url("/fast"))
        dispatcher = _dispatcher(store, max_in_flight=4, per_subscription=2)

        async def go() -> None:
            await dispatcher.start()
            _append(log, store, count=6)
            dispatcher.wake()
            await _until(lambda: len(receiver.of("/fast")) == 6 and len(receiver.of("/slow")) == 6)
            await dispatcher.stop()

        asyncio.run(go())
    slow, fast = receiver.of("/slow"), receiver.of("/fast")
    assert max(r.at for r in fast) < min(r.at for r in slow)  # all six before the first slow
    # The most requests under way at once: counted at each request's arrival.
    most = max(sum(1 for o in slow if o.started <= r.started < o.at) for r in slow)
    assert most == 2  # never more than per_subscription at once at the slow endpoint


def test_redeliver_sends_the_event_again_with_a_new_id(store: WebhookStore, log: EventLog) -> None:
    with running_receiver() as receiver:
        sub = store.create_subscription(receiver.url("/in"))
        _append(log, store)
        dispatcher = _dispatcher(store)

        async def go() -> None:
            await dispatcher.run_once()
            [first] = store.recent_deliveries(sub.id)
            again = store.redeliver(first.id)
            await dispatcher.run_once()
            await dispatcher.stop()
            assert store.delivery(again.id).status is DeliveryStatus.DELIVERED

        asyncio.run(go())
    one, two = (json.loads(r.body) for r in receiver.of("/in"))
    assert one["seq"] == two["seq"] and one["id"] != two["id"]
    assert [d.redelivery_of is None for d in store.recent_deliveries(sub.id)] == [False, True]


def test_an_attempt_cut_short_by_stop_is_sent_after_the_next_start(
    store: WebhookStore, log: EventLog
) -> None:
    with running_receiver({"/in": [("sleep", 0.5, 200), 200]}) as receiver:
        sub = store.create_subscription(receiver.url("/in"))
        _append(log, store)

        async def go() -> None:
            first = _dispatcher(store)
            await first.start()
            await _until(lambda: first.in_flight == 1)
            await first.stop(grace_s=0.05)
            [cut] = store.recent_deliveries(sub.id)
            assert (cut.status, cut.attempts) == (DeliveryStatus.PENDING, 0)
            second = _dispatcher(store)
            assert await second.run_once() == 1
            await second.stop()

        asyncio.run(go())
    [delivery] = store.recent_deliveries(sub.id)
    assert delivery.status is DeliveryStatus.DELIVERED


@pytest.mark.parametrize("settings", [{"max_in_flight": 1, "per_subscription": 2},
                                      {"timeout_s": 0}])  # fmt: skip
def test_bad_settings(store: WebhookStore, settings: dict[str, float]) -> None:
    with pytest.raises(BadWebhookSetting):
        WebhookDispatcher(store, **settings)  # type: ignore[arg-type]


def test_waiting_on_a_slow_endpoint_does_not_spin(
    store: WebhookStore, log: EventLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    looks = 0
    real_due = store.due

    def counting_due(*args: Any, **kwargs: Any) -> Any:
        nonlocal looks
        looks += 1
        return real_due(*args, **kwargs)

    monkeypatch.setattr(store, "due", counting_due)
    with running_receiver({"/slow": [("sleep", 0.5, 200)]}) as receiver:
        store.create_subscription(receiver.url("/slow"))
        dispatcher = _dispatcher(store)

        async def go() -> None:
            await dispatcher.start()
            _append(log, store, count=3)  # due at once, but one at a time for this endpoint
            dispatcher.wake()
            await _until(lambda: len(receiver.of("/slow")) == 3)
            await dispatcher.stop()

        asyncio.run(go())
    assert looks <= 10  # about one look per finished attempt, not a loop while waiting
