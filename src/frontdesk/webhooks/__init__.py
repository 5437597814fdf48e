"""Outbound webhooks: integrations subscribe to call events; Frontdesk POSTs them, signed,
with retries, from a durable outbox fed by the stored event log (docs/webhooks.md)."""

from frontdesk.webhooks.dispatcher import WebhookDispatcher
from frontdesk.webhooks.errors import (
    BadEventFilter,
    BadTeamFilter,
    BadWebhookSetting,
    BadWebhookUrl,
    UnknownDelivery,
    UnknownWebhook,
    WebhookDisabled,
    WebhookError,
)
from frontdesk.webhooks.filters import TeamMap
from frontdesk.webhooks.model import AttemptRecord, Delivery, DeliveryStatus, Subscription
from frontdesk.webhooks.pump import WebhookPump
from frontdesk.webhooks.schedule import RetryPolicy
from frontdesk.webhooks.service import Webhooks
from frontdesk.webhooks.signing import sign, verify
from frontdesk.webhooks.store import WebhookStore

__all__ = [
    "AttemptRecord",
    "BadEventFilter",
    "BadTeamFilter",
    "BadWebhookSetting",
    "BadWebhookUrl",
    "Delivery",
    "DeliveryStatus",
    "RetryPolicy",
    "Subscription",
    "TeamMap",
    "UnknownDelivery",
    "UnknownWebhook",
    "WebhookDisabled",
    "WebhookDispatcher",
    "WebhookError",
    "WebhookPump",
    "WebhookStore",
    "Webhooks",
    "sign",
    "verify",
]
