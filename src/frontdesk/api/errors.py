"""API errors: every failure answers with a stable `error_id` and one clear sentence.

`{"error_id": "unknown_queue", "message": "There is no queue named 'x'."}` — clients branch on
`error_id` (stable across releases), people read `message`. Library errors that carry an
`error_id` class attribute (accounts, webhooks, company-file history) pass through with the
status their kind implies; anything unexpected is logged and answered as `internal_error`
without details.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from frontdesk import FrontdeskError

log = logging.getLogger("frontdesk.api")

_STATUS_NAMES = {
    400: "bad_request", 401: "not_signed_in", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "too_large", 429: "too_many_requests",
}  # fmt: skip
# error ids of library errors whose status is not 400
_LIBRARY_STATUS = {
    "unknown_user": 404, "unknown_version": 404, "unknown_webhook": 404,
    "unknown_delivery": 404, "unknown_token": 404, "user_exists": 409, "stale_edit": 409,
}  # fmt: skip


class ApiError(Exception):
    def __init__(self, status: int, error_id: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.error_id = error_id
        self.message = message
        self.extra = extra


def body(error_id: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error_id": error_id, "message": message, **extra}


def not_found(what: str, key: object) -> ApiError:
    return ApiError(404, f"unknown_{what}", f"There is no {what.replace('_', ' ')} {key!r}.")


def forbidden(message: str = "Your role does not allow this.") -> ApiError:
    return ApiError(403, "forbidden", message)


def _validation_sentence(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors()[:3]:
        where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body", "query"))
        parts.append(f"{where or 'request'}: {error.get('msg', 'invalid')}")
    return "The request is not valid — " + "; ".join(parts) + "."


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        headers = (
            {"Retry-After": str(exc.extra["retry_after_s"])}
            if "retry_after_s" in exc.extra
            else None
        )
        return JSONResponse(body(exc.error_id, exc.message, **exc.extra), exc.status, headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(body("invalid_request", _validation_sentence(exc)), 422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        error_id = _STATUS_NAMES.get(exc.status_code, "http_error")
        message = exc.detail if isinstance(exc.detail, str) else error_id.replace("_", " ")
        return JSONResponse(body(error_id, message), exc.status_code, exc.headers)

    @app.exception_handler(FrontdeskError)
    async def library_error(_: Request, exc: FrontdeskError) -> JSONResponse:
        error_id = str(getattr(exc, "error_id", "") or "invalid")
        status = _LIBRARY_STATUS.get(error_id, 400)
        return JSONResponse(body(error_id, str(exc)), status)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("%s %s failed", request.method, request.url.path)
        return JSONResponse(body("internal_error", "Something went wrong on the server."), 500)
