"""Click-to-call and call-me-back for the business's own website (docs/widget.md).

A snippet on the business's site opens a frame served by Frontdesk. From it a visitor either
calls the company from the browser (WebRTC answered here, then a real SIP call over loopback
into the company's number, so the call runs the company's flow like any phone call) or asks
to be called back at a chosen time (a follow-up task and a callback in the routing engine).
Abuse is kept down by limits per source address, per widget key and per number.

- `settings`: the widget configurations (which number, which queue, allowed sites, limits).
- `limits`: the sans-IO abuse limiter; `source`: which address a request comes from.
- `booking`: checks a callback request (number, time in opening hours) and words the promise.
- `caller`: the sans-IO SIP side of a visitor's call; `calls`: its asyncio side with WebRTC.
- `service`: `WidgetService`, what the HTTP routes call.
"""

from __future__ import annotations

from typing import ClassVar

from frontdesk import FrontdeskError


class WidgetError(FrontdeskError):
    """A widget request that cannot be carried out; the message says why in one sentence."""

    error_id: ClassVar[str] = "widget_refused"
    status: ClassVar[int] = 400


class UnknownWidget(WidgetError):
    error_id: ClassVar[str] = "unknown_widget"
    status: ClassVar[int] = 404


class UnknownWidgetCall(WidgetError):
    error_id: ClassVar[str] = "unknown_widget_call"
    status: ClassVar[int] = 404


class InvalidCallback(WidgetError):
    """The visitor's callback request is not usable (number, time); nothing was booked."""

    error_id: ClassVar[str] = "invalid_callback"
    status: ClassVar[int] = 422


class WidgetUnavailable(WidgetError):
    """The widget's configuration does not fit the company (a number or queue it lacks)."""

    error_id: ClassVar[str] = "widget_unavailable"
    status: ClassVar[int] = 503


class SettingsError(WidgetError):
    """The widget settings are not valid; the message names the setting."""

    error_id: ClassVar[str] = "invalid_widget_settings"


class LimitExceeded(WidgetError):
    """A request over one of the abuse limits: answered 429 with `Retry-After`."""

    error_id: ClassVar[str] = "too_many_requests"
    status: ClassVar[int] = 429

    def __init__(self, rule: str, retry_after_s: int, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.retry_after_s = retry_after_s


class TooManyCalls(LimitExceeded):
    error_id: ClassVar[str] = "too_many_calls"


class TooManyConcurrentCalls(LimitExceeded):
    error_id: ClassVar[str] = "too_many_concurrent_calls"


class TooManyCallbacks(LimitExceeded):
    error_id: ClassVar[str] = "too_many_callbacks"
