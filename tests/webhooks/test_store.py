"""Subscriptions: creation with a secret, changes, errors with their error_id, and what
disabling, enabling, deleting and redelivering do to the outbox."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from frontdesk.clock import ManualClock
from frontdesk.store.eventlog import EventLog
from frontdesk.webhooks import (
    BadEventFilter,
    BadTeamFilter,
    BadWebhookSetting,
    BadWebhookUrl,
    DeliveryStatus,
    UnknownDelivery,
    UnknownWebhook,
    WebhookDisabled,
    WebhookError,
    WebhookPump,
    WebhookStore,
)
from frontdesk.webhooks.schema import attempts, deliveries

URL = "https://crm.example/hooks"


def _events(log: EventLog, *kinds: str) -> None:
    for n, kind in enumerate(kinds):
        log.append(1_750_000_000.0 + n, kind, f"call-{n}", n=n)
    log.flush()


def test_create_and_read_back(store: WebhookStore, clock: ManualClock) -> None:
    made = store.create_subscription(URL, ["call.", "acd.answered"], ["parcels"],
                                     description=" CRM sync ")  # fmt: skip
    assert made.secret.startswith("whsec_") and len(made.secret) > 40
    assert (made.url, made.kinds, made.teams, made.description) == (
        URL, ("call.", "acd.answered"), ("parcels",), "CRM sync"
    )  # fmt: skip
    assert made.enabled and made.created_at == clock.wall() and made.cursor_seq == 0
    other = store.create_subscription("http://10.0.0.5:8080/in")
    assert other.secret != made.secret and other.kinds == () and other.teams == ()
    assert store.subscriptions() == [made, other]
    assert store.subscription(made.id) == made


def test_a_new_subscription_starts_at_the_end_of_the_log(
    store: WebhookStore, log: EventLog
) -> None:
    _events(log, "call.answered", "call.ended")
    sub = store.create_subscription(URL)
    assert sub.cursor_seq == 2
    pump = WebhookPump(store, log)
    assert pump.pump() == 0  # no history
    _events(log, "call.answered")
    assert pump.pump() == 1
    [delivery] = store.recent_deliveries(sub.id)
    assert (delivery.event_seq, delivery.kind, delivery.status) == (
        3, "call.answered", DeliveryStatus.PENDING
    )  # fmt: skip


@pytest.mark.parametrize(
    ("change", "error", "error_id"),
    [
        ({"url": "ftp://x.example/"}, BadWebhookUrl, "bad_webhook_url"),
        ({"kinds": ["Call.Answered"]}, BadEventFilter, "bad_event_filter"),
        ({"teams": ["sails"], "known_teams": ["sales"]}, BadTeamFilter, "bad_team_filter"),
        ({"description": "x" * 201}, BadWebhookSetting, "bad_webhook_setting"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    store: WebhookStore, change: dict[str, object], error: type[WebhookError], error_id: str
) -> None:
    sub = store.create_subscription(URL)
    with pytest.raises(error) as caught:
        store.update_subscription(sub.id, **change)  # type: ignore[arg-type]
    assert caught.value.error_id == error_id
    with pytest.raises(error):
        store.create_subscription(**{"url": URL, **change})  # type: ignore[arg-type]
    assert store.subscriptions() == [sub]


def test_unknown_ids(store: WebhookStore) -> None:
    for call in (
        lambda: store.subscription(9),
        lambda: store.update_subscription(9, enabled=False),
        lambda: store.delete_subscription(9),
        lambda: store.rotate_secret(9),
        lambda: store.recent_deliveries(9),
    ):
        with pytest.raises(UnknownWebhook, match="there is no webhook 9"):
            call()
    with pytest.raises(UnknownDelivery) as caught:
        store.redeliver("no-such-delivery")
    assert caught.value.error_id == "unknown_delivery"


def test_update_and_rotate(store: WebhookStore) -> None:
    sub = store.create_subscription(URL)
    changed = store.update_subscription(sub.id, url="https://new.example/", kinds=["acd."])
    assert (changed.url, changed.kinds, changed.secret) == (
        "https://new.example/",
        ("acd.",),
        sub.secret,
    )
    rotated = store.rotate_secret(sub.id)
    assert rotated.secret != sub.secret and rotated.url == changed.url


def test_disable_fails_pending_and_enable_starts_at_the_end(
    store: WebhookStore, log: EventLog
) -> None:
    sub = store.create_subscription(URL)
    pump = WebhookPump(store, log)
    _events(log, "call.answered", "call.ended")
    assert pump.pump() == 2
    off = store.update_subscription(sub.id, enabled=False)
    assert not off.enabled and off.disabled_reason == "disabled by an administrator"
    assert {d.status for d in store.recent_deliveries(sub.id)} == {DeliveryStatus.FAILED}
    assert store.due({sub.id: 5}) == []

    _events(log, "call.answered")  # while disabled: never delivered
    assert pump.pump() == 0
    with pytest.raises(WebhookDisabled, match="enable it before"):
        store.redeliver(store.recent_deliveries(sub.id)[0].id)
    on = store.update_subscription(sub.id, enabled=True)
    assert on.enabled and on.disabled_reason is None and on.cursor_seq == 3
    _events(log, "call.ended")
    assert pump.pump() == 1
    assert store.recent_deliveries(sub.id)[0].event_seq == 4


def test_redeliver_makes_a_new_delivery_of_the_same_event(
    store: WebhookStore, log: EventLog
) -> None:
    sub = store.create_subscription(URL)
    _events(log, "call.answered")
    WebhookPump(store, log).pump()
    [first] = store.recent_deliveries(sub.id)
    again = store.redeliver(first.id)
    twice = store.redeliver(again.id)
    assert again.id != first.id and again.event_seq == first.event_seq
    assert again.redelivery_of == first.id and twice.redelivery_of == first.id
    assert again.status is DeliveryStatus.PENDING and again.attempts == 0
    due = {d.delivery.id for d in store.due({sub.id: 10})}
    assert due == {first.id, again.id, twice.id}


def test_delete_removes_the_outbox(store: WebhookStore, log: EventLog, engine: Engine) -> None:
    keep = store.create_subscription(URL)
    gone = store.create_subscription(URL)
    _events(log, "call.answered", "call.ended")
    WebhookPump(store, log).pump()
    store.delete_subscription(gone.id)
    assert [s.id for s in store.subscriptions()] == [keep.id]
    with engine.connect() as conn:
        owners = conn.execute(select(deliveries.c.subscription_id).distinct()).scalars().all()
        assert owners == [keep.id]
        assert conn.execute(select(func.count()).select_from(attempts)).scalar_one() == 0
