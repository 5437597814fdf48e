"""The admin API, under /api/admin: one router gathering the admin screens' parts.

- `GET /choices`: the teams, agents and roles the forms offer, and event kind examples;
- company file (admin_config.py): `GET /config`, `POST /config/validate`, `PUT /config`,
  `GET /config/versions`, `GET /config/versions/{id}`, `GET /config/diff?a=&b=`,
  `POST /config/versions/{id}/rollback`;
- users and tokens (admin_users.py): `GET|POST /users`, `PATCH /users/{username}`,
  `PUT /users/{username}/password`, `GET /login-failures`, `GET|POST /tokens`,
  `DELETE /tokens/{id}`;
- webhooks (admin_webhooks.py): `GET|POST /webhooks`, `PATCH|DELETE /webhooks/{id}`,
  `GET /webhooks/{id}/deliveries`, `GET /deliveries/{id}/attempts`,
  `POST /deliveries/{id}/redeliver`.

Every route is for administrators only (`frontdesk.accounts.policy`), every change is audited
as an `admin.*` event in the event log, and every refusal has a stable `error_id`.
docs/web-admin.md describes the screens and the decisions.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from frontdesk.accounts.demo import company_teams
from frontdesk.accounts.model import Principal, Role
from frontdesk.api.context import AppContext, ctx
from frontdesk.api.routes import admin_config, admin_users, admin_webhooks
from frontdesk.api.routes.admin_common import config_editor

# Offered in the webhook form as examples; any kind or prefix the filters accept may be typed.
EVENT_KINDS = ("call.", "acd.", "leg.", "task.", "trunk.", "endpoint.", "softphone.", "presence.",
               "config.", "server.", "admin.", "call.received", "call.answered", "call.ended",
               "call.wrapped", "call.voicemail", "acd.queued", "acd.answered", "acd.abandoned",
               "acd.callback_requested", "task.created", "trunk.down", "trunk.up")  # fmt: skip

choices_router = APIRouter(prefix="/api/admin", tags=["admin: users and tokens"])


@choices_router.get("/choices", summary="What the admin forms offer: teams, agents, roles")
def choices(
    _: Principal = Depends(config_editor), context: AppContext = Depends(ctx)
) -> dict[str, Any]:
    company = context.company()
    return {"teams": list(company_teams(company)),
            "agents": [{"id": a.id, "name": a.name} for a in company.agents],
            "roles": [r.value for r in Role], "event_kinds": list(EVENT_KINDS)}  # fmt: skip


PARTS = (admin_config, admin_users, admin_webhooks)
router = APIRouter()
router.include_router(choices_router)
for _part in PARTS:
    router.include_router(_part.router)
