"""Schemathesis against the live app: no operation answers a 5xx, whatever it is sent.

The server is test_access_matrix's company (two teams, users of every role, finished calls
with recordings taken in by the call index). Requests are made as the admin, with an API
token made in the accounts store before the server starts (a Bearer token needs no CSRF
header). Each operation gets a bounded number of generated requests (`EXAMPLES`); the only
check is schemathesis' `not_a_server_error`.

Left out: `DELETE /api/session` (it has no input to fuzz; it is called once at the end), and
revoking the token the fuzz itself uses (a generated `DELETE /api/admin/tokens/{id}` with
its id would sign the rest of the run out).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from test_access_matrix import start_company_server, wait_for_index

from frontdesk.accounts import AccountStore
from frontdesk.clock import SystemClock
from frontdesk.store.eventlog import open_engine

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
STATE: dict[str, Any] = {}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder: Path = tmp_path_factory.mktemp("fuzz")
    server = start_company_server(folder)
    try:
        made = AccountStore(open_engine(server.data_dir), SystemClock()).create_token("ada", "fuzz")
        STATE.update(server=server, base=server.http_url, token_id=made.token.id,
                     headers={"Authorization": f"Bearer {made.secret}"})  # fmt: skip
        with httpx.Client(base_url=STATE["base"], headers=STATE["headers"]) as admin:
            wait_for_index(admin, 3)
        yield STATE
    finally:
        assert server.stop() == 0, server.log()[-3000:]


def fuzz(operation: Any, base: str, headers: dict[str, str]) -> str | None:
    """Runs generated requests for one operation; the first server error found, or None."""

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        if case.method.upper() == "DELETE" and _own_token(case):
            return
        case.call_and_validate(base_url=base, headers=headers, checks=[not_a_server_error],
                               timeout=20)  # fmt: skip

    try:
        run()
    except (Exception, BaseExceptionGroup) as exc:  # schemathesis says which request, how
        return f"{operation.method.upper()} {operation.path}: {exc}"
    return None


def _own_token(case: Any) -> bool:
    params = case.path_parameters or {}
    return case.path == "/api/admin/tokens/{token_id}" and str(params.get("token_id")) == str(
        STATE.get("token_id")
    )


def test_no_operation_answers_a_server_error(live: dict[str, Any]) -> None:
    loaded = schemathesis.openapi.from_url(f"{live['base']}/api/openapi.json")
    operations = [result.ok() for result in loaded.get_all_operations()]
    chosen = [op for op in operations if (op.method.upper(), op.path) != ("DELETE", "/api/session")]
    assert len(chosen) >= 40, [f"{op.method} {op.path}" for op in operations]
    failures = [found for op in chosen if (found := fuzz(op, live["base"], live["headers"]))]
    assert not failures, "\n\n".join(failures)


def test_signing_out_is_not_a_server_error(live: dict[str, Any]) -> None:
    with httpx.Client(base_url=live["base"]) as client:
        answer = client.post("/api/session", json={"username": "sue", "password": "x" * 12})
        assert answer.status_code == 401
        assert client.delete("/api/session").status_code == 401
