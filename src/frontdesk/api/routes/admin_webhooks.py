"""Webhook subscriptions for administrators: add, change, remove, watch deliveries, redeliver.

The work is `frontdesk.webhooks` (docs/webhooks.md): this module checks who asks, shapes the
answers and keeps the audit trail. A subscription's signing secret is shown when it is made
(and when it is rotated), never in a listing; the audit trail records neither the secret nor
the credentials a receiver's URL may carry. Team filters must name teams of the company file.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Path, Query
from pydantic import Field

from frontdesk.accounts.demo import company_teams
from frontdesk.accounts.model import Principal
from frontdesk.api.context import AppContext, ctx
from frontdesk.api.errors import ApiError
from frontdesk.api.routes.admin_common import (
    Body,
    RecordId,
    audit,
    config_editor,
    safe_url,
)
from frontdesk.api.routes.admin_users import sentence
from frontdesk.webhooks.errors import UnknownDelivery, UnknownWebhook, WebhookDisabled, WebhookError
from frontdesk.webhooks.filters import MAX_URL
from frontdesk.webhooks.model import Delivery, Subscription
from frontdesk.webhooks.service import Webhooks
from frontdesk.webhooks.store import MAX_DESCRIPTION, WebhookStore

router = APIRouter(prefix="/api/admin", tags=["admin: webhooks"])
_T = TypeVar("_T")

Url = Annotated[str, Field(min_length=1, max_length=MAX_URL)]
Kinds = Annotated[list[Annotated[str, Field(max_length=100)]], Field(max_length=50)]
Teams = Annotated[list[Annotated[str, Field(max_length=64)]], Field(max_length=100)]
Description = Annotated[str, Field(max_length=MAX_DESCRIPTION)]
_STATUS = {UnknownWebhook: 404, UnknownDelivery: 404, WebhookDisabled: 409}


class NewWebhook(Body):
    url: Url
    kinds: Kinds = Field(default=[], description="kinds or prefixes such as 'call.'; [] = all")
    teams: Teams = Field(default=[], description="team names; [] = every event")
    description: Description = ""
    enabled: bool = True


class WebhookChange(Body):
    url: Url | None = None
    kinds: Kinds | None = None
    teams: Teams | None = None
    description: Description | None = None
    enabled: bool | None = None
    rotate_secret: bool = False


def _service(context: AppContext) -> Webhooks:
    service: Webhooks = context.need("webhooks")
    return service


def _store(context: AppContext) -> WebhookStore:
    return _service(context).store


def webhooks_call(work: Callable[[], _T]) -> _T:
    """Runs a webhook store call, answering its refusals with their status and error id."""
    try:
        return work()
    except WebhookError as exc:
        status = _STATUS.get(type(exc), 400)
        raise ApiError(status, exc.error_id, sentence(str(exc))) from None


def webhook_json(sub: Subscription, *, with_secret: bool = False) -> dict[str, Any]:
    out = {"id": sub.id, "url": sub.url, "kinds": list(sub.kinds), "teams": list(sub.teams),
           "description": sub.description, "enabled": sub.enabled,
           "disabled_reason": sub.disabled_reason, "created_at": sub.created_at,
           "secret_hint": sub.secret[:10] + "…"}  # fmt: skip
    if with_secret:
        out["secret"] = sub.secret
    return out


def delivery_json(d: Delivery) -> dict[str, Any]:
    return {"id": d.id, "webhook_id": d.subscription_id, "event_seq": d.event_seq,
            "kind": d.kind, "status": d.status.value, "attempts": d.attempts,
            "created_at": d.created_at, "next_attempt_at": d.next_attempt_at,
            "last_attempt_at": d.last_attempt_at, "last_http_status": d.last_http_status,
            "last_error": d.last_error, "redelivery_of": d.redelivery_of}  # fmt: skip


def _known_teams(context: AppContext) -> tuple[str, ...]:
    return company_teams(context.company())


@router.get("/webhooks", summary="Webhook subscriptions (never their secrets)")
def list_webhooks(
    _: Principal = Depends(config_editor), context: AppContext = Depends(ctx)
) -> dict[str, Any]:
    return {"webhooks": [webhook_json(s) for s in _store(context).subscriptions()]}


@router.post("/webhooks", status_code=201, summary="Add a webhook; its secret is shown once")
def create_webhook(
    body: NewWebhook, who: Principal = Depends(config_editor), context: AppContext = Depends(ctx)
) -> dict[str, Any]:
    store = _store(context)
    sub = webhooks_call(lambda: store.create_subscription(
        body.url, body.kinds, body.teams, description=body.description, enabled=body.enabled,
        known_teams=_known_teams(context)))  # fmt: skip
    audit(context, who, "webhook_created", webhook_id=sub.id, url=safe_url(sub.url),
          kinds=list(sub.kinds), teams=list(sub.teams), enabled=sub.enabled)  # fmt: skip
    return webhook_json(sub, with_secret=True)


@router.patch("/webhooks/{webhook_id}", summary="Change a webhook; rotate_secret makes a new one")
def update_webhook(
    webhook_id: RecordId,
    change: WebhookChange,
    who: Principal = Depends(config_editor),
    context: AppContext = Depends(ctx),
) -> dict[str, Any]:
    store = _store(context)
    sub = webhooks_call(lambda: store.update_subscription(
        webhook_id, url=change.url, kinds=change.kinds, teams=change.teams,
        description=change.description, enabled=change.enabled,
        known_teams=_known_teams(context)))  # fmt: skip
    if change.rotate_secret:
        sub = webhooks_call(lambda: store.rotate_secret(webhook_id))
    changes: dict[str, Any] = {}
    for key in sorted(change.model_fields_set - {"rotate_secret"}):
        value = getattr(change, key)
        changes[key] = safe_url(value) if key == "url" and value is not None else value
    if change.rotate_secret:
        changes["secret_rotated"] = True
    audit(context, who, "webhook_updated", webhook_id=sub.id, changes=changes)
    return webhook_json(sub, with_secret=change.rotate_secret)


@router.delete("/webhooks/{webhook_id}", summary="Remove a webhook with its deliveries")
def delete_webhook(
    webhook_id: RecordId,
    who: Principal = Depends(config_editor),
    context: AppContext = Depends(ctx),
) -> dict[str, Any]:
    store = _store(context)
    sub = webhooks_call(lambda: store.subscription(webhook_id))
    webhooks_call(lambda: store.delete_subscription(webhook_id))
    audit(context, who, "webhook_deleted", webhook_id=sub.id, url=safe_url(sub.url))
    return {"deleted": sub.id}


@router.get("/webhooks/{webhook_id}/deliveries", summary="A webhook's latest deliveries")
def deliveries(
    webhook_id: RecordId,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    _: Principal = Depends(config_editor),
    context: AppContext = Depends(ctx),
) -> dict[str, Any]:
    store = _store(context)
    found = webhooks_call(lambda: store.recent_deliveries(webhook_id, limit))
    return {"deliveries": [delivery_json(d) for d in found]}


@router.get("/deliveries/{delivery_id}/attempts", summary="Every attempt of one delivery")
def attempts(
    delivery_id: Annotated[str, Path(max_length=100)],
    _: Principal = Depends(config_editor),
    context: AppContext = Depends(ctx),
) -> dict[str, Any]:
    store = _store(context)
    webhooks_call(lambda: store.delivery(delivery_id))
    return {"attempts": [{"at": a.at, "http_status": a.http_status, "error": a.error,
                          "duration_s": a.duration_s}
                         for a in store.attempts_of(delivery_id)]}  # fmt: skip


@router.post("/deliveries/{delivery_id}/redeliver", status_code=201,
             summary="Send a delivery's event again, as a new delivery")  # fmt: skip
async def redeliver(
    delivery_id: Annotated[str, Path(max_length=100)],
    who: Principal = Depends(config_editor),
    context: AppContext = Depends(ctx),
) -> dict[str, Any]:
    service = _service(context)
    loop = asyncio.get_running_loop()
    new = await loop.run_in_executor(
        None, webhooks_call, lambda: service.store.redeliver(delivery_id)
    )
    service.dispatcher.wake()  # the new delivery is due now: no wait for the idle check
    audit(context, who, "delivery_redelivered", webhook_id=new.subscription_id,
          delivery_id=delivery_id, new_delivery_id=new.id)  # fmt: skip
    return delivery_json(new)
