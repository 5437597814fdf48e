"""The company-file editor's API: read, check, apply (optimistic locking), history, rollback.

The work is `frontdesk.config.history.CompanyHistory`'s: a check gives exactly the problems
`frontdesk check` prints; an apply replaces the file atomically and the server's hot-reload
watcher takes it within a second (the `config.reloaded` event). An edit carries the sha256 of
the text it started from and is refused with 409 `stale_edit` when the file changed meanwhile,
so two admins (or an admin and someone with a text editor) never overwrite each other.
A server running the built-in demo has no file to edit: it shows the demo text read-only.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import Field

from frontdesk.accounts.model import Principal
from frontdesk.api.context import AppContext, ctx
from frontdesk.api.errors import ApiError, not_found
from frontdesk.api.routes.admin_common import (
    MAX_ID,
    Body,
    RecordId,
    audit,
    config_editor,
)
from frontdesk.config.history import (
    CompanyHistory,
    InvalidCompany,
    StaleEdit,
    Version,
    VersionInfo,
    sha256_of,
)
from frontdesk.config.loader import DEMO_FILE, DEMO_SOURCE, read_setup
from frontdesk.flows.errors import Problem, Severity

router = APIRouter(prefix="/api/admin/config", tags=["admin: company file"])

MAX_TEXT = 1_000_000  # characters; a large company file is a few tens of kilobytes
SHA256 = r"^[0-9a-f]{64}$"
READ_ONLY = (
    "This server runs the built-in demo company, which cannot be edited here: start "
    "`frontdesk serve --config FILE` with your own company file to edit it from this page."
)


class CheckBody(Body):
    text: str = Field(max_length=MAX_TEXT)


class EditBody(Body):
    text: str = Field(max_length=MAX_TEXT)
    expected_sha: str = Field(pattern=SHA256, description="sha256 of the text the edit began from")
    message: str = Field(default="", max_length=200)


class RollbackBody(Body):
    expected_sha: str | None = Field(default=None, pattern=SHA256)


def problem_json(problem: Problem) -> dict[str, Any]:
    """A problem as the editor shows it; `text` is the very line `frontdesk check` prints."""
    return {"file": problem.file, "line": problem.line, "message": problem.message,
            "severity": problem.severity.value, "text": str(problem)}  # fmt: skip


def info_json(info: VersionInfo) -> dict[str, Any]:
    return {"id": info.id, "at": info.at, "author": info.author, "message": info.message,
            "sha256": info.sha256, "size": info.size, "kind": info.kind.value,
            "rollback_of": info.rollback_of}  # fmt: skip


def _history(context: AppContext) -> CompanyHistory | None:
    history: CompanyHistory | None = context.config_history
    return history


def _editable(context: AppContext) -> CompanyHistory:
    history = _history(context)
    if history is None:
        raise ApiError(409, "config_read_only", READ_ONLY)
    return history


def _demo_text() -> str:
    return resources.files("frontdesk.config").joinpath(DEMO_FILE).read_text(encoding="utf-8")


@router.get("", summary="The company file as it is now, with its sha256 for an edit")
def current(
    _: Principal = Depends(config_editor), context: AppContext = Depends(ctx)
) -> dict[str, Any]:
    history = _history(context)
    if history is None:
        text = _demo_text()
        return {"editable": False, "reason": READ_ONLY, "path": DEMO_SOURCE, "text": text,
                "sha256": sha256_of(text.encode()), "version_id": None}  # fmt: skip
    now = history.current()
    return {"editable": True, "reason": None, "path": str(history.path), "text": now.text,
            "sha256": now.sha256, "version_id": now.id}  # fmt: skip


@router.post("/validate", summary="Check a text as the company file (like `frontdesk check`)")
def validate(
    body: CheckBody, _: Principal = Depends(config_editor), context: AppContext = Depends(ctx)
) -> dict[str, Any]:
    history = _history(context)
    if history is None:
        base = Path(str(resources.files("frontdesk.config")))
        problems = list(read_setup(body.text, DEMO_SOURCE, base).problems)
    else:
        problems = history.validate(body.text)
    errors = sum(p.severity is Severity.ERROR for p in problems)
    return {"ok": errors == 0, "errors": errors, "warnings": len(problems) - errors,
            "problems": [problem_json(p) for p in problems]}  # fmt: skip


def _applied(version: Version, history: CompanyHistory) -> dict[str, Any]:
    info = next(i for i in reversed(history.versions()) if i.id == version.id)
    warnings = [p for p in history.validate(version.text) if p.severity is Severity.WARNING]
    return {"version": info_json(info), "sha256": version.sha256,
            "warnings": [problem_json(p) for p in warnings]}  # fmt: skip


def _refused(exc: InvalidCompany) -> ApiError:
    errors = [p for p in exc.problems if p.severity is Severity.ERROR]
    return ApiError(
        422, "invalid_company",
        f"The company file has {len(errors)} error(s); nothing was applied.",
        problems=[problem_json(p) for p in exc.problems],
    )  # fmt: skip


def _stale(history: CompanyHistory) -> ApiError:
    return ApiError(
        409, "stale_edit",
        "The company file was changed since you loaded it (by another admin or by hand); "
        "nothing was applied. Reload it and make your edit again.",
        current_sha256=history.current().sha256,
    )  # fmt: skip


@router.put("", summary="Apply a new text of the company file")
def apply(
    body: EditBody, who: Principal = Depends(config_editor), context: AppContext = Depends(ctx)
) -> dict[str, Any]:
    history = _editable(context)
    try:
        version = history.apply(body.text, who.username, body.expected_sha, body.message.strip())
    except InvalidCompany as exc:
        raise _refused(exc) from None
    except StaleEdit:
        raise _stale(history) from None
    audit(context, who, "config_applied", version=version.id, sha256=version.sha256,
          message=body.message.strip(), size=len(body.text.encode()))  # fmt: skip
    return _applied(version, history)


@router.get("/versions", summary="Every recorded version, newest first")
def versions(
    _: Principal = Depends(config_editor), context: AppContext = Depends(ctx)
) -> dict[str, Any]:
    history = _history(context)
    if history is None:
        return {"editable": False, "current_version": None, "versions": []}
    infos = history.versions()
    return {"editable": True, "current_version": history.current().id,
            "versions": [info_json(i) for i in reversed(infos)]}  # fmt: skip


def _info(history: CompanyHistory, version_id: int) -> VersionInfo:
    for info in history.versions():
        if info.id == version_id:
            return info
    raise not_found("version", version_id)


@router.get("/versions/{version_id}", summary="One version with its text")
def version(
    version_id: RecordId, _: Principal = Depends(config_editor), context: AppContext = Depends(ctx)
) -> dict[str, Any]:
    history = _editable(context)
    info = _info(history, version_id)
    return {**info_json(info), "text": history.text_of(version_id)}


Id = Annotated[int, Query(ge=1, le=MAX_ID)]


@router.get("/diff", summary="A unified diff from version a to version b")
def diff(
    a: Id, b: Id, _: Principal = Depends(config_editor), context: AppContext = Depends(ctx)
) -> dict[str, Any]:
    history = _editable(context)
    _info(history, a)
    _info(history, b)
    return {"a": a, "b": b, "diff": history.diff(a, b)}


@router.post("/versions/{version_id}/rollback", summary="Apply an earlier version's text again")
def rollback(
    version_id: RecordId,
    body: RollbackBody | None = None,
    who: Principal = Depends(config_editor),
    context: AppContext = Depends(ctx),
) -> dict[str, Any]:
    history = _editable(context)
    _info(history, version_id)
    try:
        version = history.rollback(version_id, who.username, body.expected_sha if body else None)
    except InvalidCompany as exc:
        raise _refused(exc) from None
    except StaleEdit:
        raise _stale(history) from None
    audit(context, who, "config_rolled_back", version=version.id, rollback_of=version_id,
          sha256=version.sha256)  # fmt: skip
    return _applied(version, history)
