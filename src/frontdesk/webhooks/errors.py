"""The root error of outbound webhooks, and one subclass per refusal with a stable `error_id`.

Whenever a store method raises one of these, nothing was written.
"""

from __future__ import annotations

from typing import ClassVar

from frontdesk import FrontdeskError


class WebhookError(FrontdeskError, ValueError):
    """A webhook request that cannot be done as asked; the message says what is wrong."""

    error_id: ClassVar[str] = "webhook_error"


class BadWebhookUrl(WebhookError):
    error_id: ClassVar[str] = "bad_webhook_url"


class BadEventFilter(WebhookError):
    error_id: ClassVar[str] = "bad_event_filter"


class BadTeamFilter(WebhookError):
    error_id: ClassVar[str] = "bad_team_filter"


class BadWebhookSetting(WebhookError):
    error_id: ClassVar[str] = "bad_webhook_setting"


class UnknownWebhook(WebhookError):
    error_id: ClassVar[str] = "unknown_webhook"


class UnknownDelivery(WebhookError):
    error_id: ClassVar[str] = "unknown_delivery"


class WebhookDisabled(WebhookError):
    error_id: ClassVar[str] = "webhook_disabled"
