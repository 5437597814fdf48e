"""The website widget: the frame page the business's site embeds, and the API it calls.

`GET /widget/frame?key=KEY` is the page inside the site's iframe (security headers from
`widget.headers`); `POST /api/widget/{key}/call` answers the visitor's WebRTC offer and dials
the company; the call's state, keys and hang-up follow by the call's token; `POST
/api/widget/{key}/callback` books a callback. No sign-in: every write must come from the
frame's own origin and passes the abuse limits (429 with `Retry-After` beyond them).
"""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from frontdesk.api.context import AppContext, ctx
from frontdesk.api.errors import ApiError
from frontdesk.web.pages import templates
from frontdesk.widget import LimitExceeded, WidgetError
from frontdesk.widget.booking import CallbackRequest
from frontdesk.widget.headers import frame_headers, origin_allowed, own_origin
from frontdesk.widget.service import WidgetService
from frontdesk.widget.source import client_address, limit_bucket

router = APIRouter(tags=["widget"])
KEY = r"^[A-Za-z0-9_-]{3,64}$"


class Offer(BaseModel):
    sdp: str = Field(min_length=10, max_length=20_000)


class Keys(BaseModel):
    digits: str = Field(min_length=1, max_length=20, pattern=r"^[0-9*#]+$")


class CallbackBody(BaseModel):
    number: str = Field(min_length=3, max_length=40)
    when: str = Field(min_length=4, max_length=40, description='"asap" or an ISO 8601 time')
    name: str = Field(default="", max_length=80)
    note: str = Field(default="", max_length=500)
    language: str = Field(default="", max_length=40)


def _service(context: AppContext) -> WidgetService:
    service = context.extras.get("widget")
    if not isinstance(service, WidgetService):
        raise ApiError(503, "not_available", "This server runs without the website widget.")
    return service


def _refused(exc: WidgetError) -> ApiError:
    message = str(exc)
    message = message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")
    if isinstance(exc, LimitExceeded):
        return ApiError(429, exc.error_id, message, retry_after_s=exc.retry_after_s,
                        limit=exc.rule)  # fmt: skip
    return ApiError(exc.status, exc.error_id, message)


def _bucket(request: Request, service: WidgetService) -> str:
    peer = request.client.host if request.client is not None else None
    forwarded = request.headers.getlist("x-forwarded-for")
    return limit_bucket(client_address(peer, forwarded, service.current().trusted_proxies))


def _from_frame(request: Request, service: WidgetService) -> None:
    own = own_origin(request.url.scheme, request.headers.get("host", ""),
                     service.current().public_origin)  # fmt: skip
    if not origin_allowed(request.headers.get("origin"), own):
        raise ApiError(403, "origin_refused",
                       "The widget API answers only the widget's own frame.")  # fmt: skip


@router.get("/widget/frame", response_class=HTMLResponse, include_in_schema=False)
def frame(request: Request, key: str = Query(pattern=KEY), lang: str = Query("", max_length=40),
          context: AppContext = Depends(ctx)) -> Response:  # fmt: skip
    service = _service(context)
    try:
        widget = service.widget(key)
        data = service.frame_data(key, lang or request.headers.get("accept-language"))
    except WidgetError as exc:
        return HTMLResponse(f"<!doctype html><title>Frontdesk</title><p>{exc.error_id}</p>",
                            status_code=404 if exc.status == 404 else 503)  # fmt: skip
    nonce = secrets.token_urlsafe(12)
    response = templates.TemplateResponse(request, "widget_frame.html",
                                          {"data": data, "nonce": nonce})  # fmt: skip
    response.headers.update(frame_headers(widget, nonce))
    return response


@router.post("/api/widget/{key}/call", summary="Call the company from the visitor's browser")
async def start_call(key: str, body: Offer, request: Request,
                     context: AppContext = Depends(ctx)) -> dict[str, str]:  # fmt: skip
    service = _service(context)
    _from_frame(request, service)
    try:
        return await service.start_call(key, body.sdp, _bucket(request, service))
    except WidgetError as exc:
        raise _refused(exc) from None


@router.get("/api/widget/{key}/call/{call}", summary="The state of a visitor's call")
def call_status(key: str, call: str, context: AppContext = Depends(ctx)) -> dict[str, Any]:
    try:
        return _service(context).call_status(key, call)
    except WidgetError as exc:
        raise _refused(exc) from None


@router.post("/api/widget/{key}/call/{call}/keys", summary="Press phone keys (RFC 4733)")
def keys(key: str, call: str, body: Keys, request: Request,
         context: AppContext = Depends(ctx)) -> dict[str, bool]:  # fmt: skip
    service = _service(context)
    _from_frame(request, service)
    try:
        service.send_keys(key, call, body.digits)
    except WidgetError as exc:
        raise _refused(exc) from None
    return {"sent": True}


@router.post("/api/widget/{key}/call/{call}/hangup", summary="Hang up a visitor's call")
def hang_up(key: str, call: str, request: Request,
            context: AppContext = Depends(ctx)) -> dict[str, bool]:  # fmt: skip
    service = _service(context)
    _from_frame(request, service)
    try:
        service.hang_up(key, call)
    except WidgetError as exc:
        raise _refused(exc) from None
    return {"hung_up": True}


@router.post("/api/widget/{key}/callback", summary="Ask to be called back")
async def callback(key: str, body: CallbackBody, request: Request,
                   context: AppContext = Depends(ctx)) -> dict[str, Any]:  # fmt: skip
    service = _service(context)
    _from_frame(request, service)
    language = body.language or request.headers.get("accept-language", "")
    wanted = CallbackRequest(body.number, body.when, body.name, body.note, language)
    try:
        return await service.book_callback(key, wanted, _bucket(request, service))
    except WidgetError as exc:
        raise _refused(exc) from None
