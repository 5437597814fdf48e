"""The frame's security headers and the API's Origin rule, as pure functions.

The frame may be shown only inside the sites a widget names (CSP `frame-ancestors`, which
browsers enforce; `X-Frame-Options` cannot list several sites, so CSP alone decides). Its page
loads nothing but Frontdesk's own files, sets no cookie, and does not pass the embedding
page's address on. The API is called only by the frame, so a request must come from the
frame's own origin: a page of another site cannot make its visitors' browsers place calls or
book callbacks (a script can send any Origin it likes; the limits are for scripts).
"""

from __future__ import annotations

from frontdesk.widget.settings import WidgetConfig


def frame_headers(widget: WidgetConfig, style_nonce: str) -> dict[str, str]:
    """Headers of the frame page; its one inline style block carries `style_nonce`."""
    ancestors = " ".join(widget.origins) or "'none'"
    policy = "; ".join((
        "default-src 'none'",
        "script-src 'self'",
        f"style-src 'nonce-{style_nonce}'",
        "connect-src 'self'",
        "media-src 'self' blob:",
        "img-src 'self' data:",
        "base-uri 'none'",
        "form-action 'none'",
        f"frame-ancestors {ancestors}",
    ))  # fmt: skip
    return {
        "Content-Security-Policy": policy,
        "Permissions-Policy": "microphone=(self), camera=(), geolocation=()",
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
    }


def own_origin(scheme: str, host: str, public_origin: str | None) -> str:
    """The frame's origin: the configured public one (behind a proxy), else this request's."""
    return public_origin or f"{scheme}://{host}".lower()


def origin_allowed(origin: str | None, own: str) -> bool:
    """Only the frame's own origin may call the widget API; no Origin at all is refused too
    (browsers always send it on POST)."""
    return origin is not None and origin.rstrip("/").lower() == own.rstrip("/").lower()
