"""The admin API, under /api/admin: one router gathering the admin screens' parts.

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

from fastapi import APIRouter

from frontdesk.api.routes import admin_config, admin_users, admin_webhooks

PARTS = (admin_config, admin_users, admin_webhooks)
router = APIRouter()
for _part in PARTS:
    router.include_router(_part.router)
