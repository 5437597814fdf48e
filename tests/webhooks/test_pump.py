"""The pump: stored events to outbox rows, by kind and team, each exactly once."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import Engine, select

from frontdesk.clock import ManualClock
from frontdesk.config.loader import load_demo_company
from frontdesk.store.eventlog import EventLog, open_engine
from frontdesk.webhooks import TeamMap, WebhookPump, WebhookStore
from frontdesk.webhooks.schema import deliveries

URL = "https://crm.example/hooks"
AT = 1_750_000_000.0


def _rows(engine: Engine) -> list[tuple[int, int]]:
    """(subscription id, event seq) of every first delivery, in order."""
    query = select(deliveries.c.subscription_id, deliveries.c.event_seq).order_by(
        deliveries.c.subscription_id, deliveries.c.event_seq
    )
    with engine.connect() as conn:
        return [(r[0], r[1]) for r in conn.execute(query)]


def _kinds_of(log: EventLog, store: WebhookStore, sub_id: int) -> list[tuple[str, str | None]]:
    seqs = sorted(d.event_seq for d in store.recent_deliveries(sub_id, limit=1000))
    by_seq = {e.seq: e for e in log.read()}
    return [(by_seq[s].kind, by_seq[s].call_id) for s in seqs]


def test_kind_prefixes_and_exact_kinds(store: WebhookStore, log: EventLog) -> None:
    calls = store.create_subscription(URL, ["call."])
    answered = store.create_subscription(URL, ["acd.answered", "task."])
    everything = store.create_subscription(URL)
    for kind in ["call.answered", "acd.queued", "acd.answered", "callback.x", "task.created"]:
        log.append(AT, kind, "c1")
    log.flush()
    assert WebhookPump(store, log).pump() == 1 + 2 + 5
    assert _kinds_of(log, store, calls.id) == [("call.answered", "c1")]
    assert [k for k, _ in _kinds_of(log, store, answered.id)] == ["acd.answered", "task.created"]
    assert len(_kinds_of(log, store, everything.id)) == 5


def _call_to_team(log: EventLog, call_id: str, queue: str, agent: str) -> None:
    log.append(AT, "call.answered", call_id, number="+442079460100")
    log.append(AT, "call.flow_started", call_id, flow="main")
    log.append(AT, "acd.queued", call_id, contact_id=call_id, queue=queue)
    log.append(AT, "acd.answered", call_id, contact_id=call_id, queue=queue, agent_id=agent)
    log.append(AT, "call.dtmf", call_id, digit="1")
    log.flush()


def test_team_filter_follows_the_call(store: WebhookStore, log: EventLog) -> None:
    company = load_demo_company()
    parcels = store.create_subscription(URL, ["call.", "acd."], ["parcels"])
    billing = store.create_subscription(URL, ["acd."], ["billing"])
    pump = WebhookPump(store, log, TeamMap.of(company))
    _call_to_team(log, "c-parcels", "parcels", "chloe")
    _call_to_team(log, "c-billing", "billing", "alice")
    log.append(AT, "acd.agent_state", None, agent_id="chloe", old="ready", new="busy")
    log.flush()
    pump.pump()
    got = _kinds_of(log, store, parcels.id)
    assert got == [
        ("acd.queued", "c-parcels"), ("acd.answered", "c-parcels"), ("call.dtmf", "c-parcels"),
        ("acd.agent_state", None),  # chloe is in team parcels
    ]  # fmt: skip
    # alice serves parcels too, but answering a billing call does not make it parcels'.
    assert _kinds_of(log, store, billing.id) == [
        ("acd.queued", "c-billing"), ("acd.answered", "c-billing")
    ]  # fmt: skip

    # A new pump (a restart) knows the call's team from the log, not from memory.
    log.append(AT, "call.ended", "c-parcels", reason="bye")
    log.flush()
    WebhookPump(store, log, TeamMap.of(company)).pump()
    assert _kinds_of(log, store, parcels.id)[-1] == ("call.ended", "c-parcels")


def test_batches_hand_over_everything_once(
    store: WebhookStore, log: EventLog, engine: Engine
) -> None:
    first = store.create_subscription(URL)
    for n in range(7):
        log.append(AT, "call.answered", f"c{n}")
    log.flush()
    second = store.create_subscription(URL, ["call."])  # starts after those seven
    for n in range(7, 10):
        log.append(AT, "call.answered", f"c{n}")
    log.flush()
    pump = WebhookPump(store, log, batch=2)
    assert pump.pump() == 10 + 3
    assert pump.pump() == 0
    expected = [(first.id, s) for s in range(1, 11)] + [(second.id, s) for s in range(8, 11)]
    assert _rows(engine) == expected
    assert {s.cursor_seq for s in store.subscriptions()} == {10}


def test_two_pumping_processes_never_write_a_row_twice(tmp_path: Path) -> None:
    engines = [open_engine(tmp_path) for _ in range(3)]
    try:
        stores = [WebhookStore(e, ManualClock()) for e in engines]
        for _ in range(3):
            stores[0].create_subscription(URL)
        log = EventLog(engines[0])
        pumps = [WebhookPump(s, EventLog(e), batch=7) for s, e in zip(stores, engines, strict=True)]
        stop = threading.Event()
        errors: list[BaseException] = []

        def keep_pumping(pump: WebhookPump) -> None:
            try:
                while not stop.wait(0.002):
                    pump.pump()
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=keep_pumping, args=(p,)) for p in pumps[1:]]
        for thread in threads:
            thread.start()
        for n in range(200):
            log.append(AT, "call.answered", f"c{n}")
            if n % 10 == 9:
                log.flush()
        stop.set()
        for thread in threads:
            thread.join()
        pumps[0].pump()
        assert errors == []
        subs = [s.id for s in stores[0].subscriptions()]
        assert _rows(engines[0]) == [(sub, seq) for sub in subs for seq in range(1, 201)]
    finally:
        for engine in engines:
            engine.dispose()
