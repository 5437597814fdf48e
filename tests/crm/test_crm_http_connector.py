"""The HTTP connector against a real HTTP server on localhost: answers, slowness, garbage."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

import pytest

from frontdesk.crm import CallerDirectory, CaseStatus, CrmError, CrmStore
from frontdesk.crm.http_connector import (
    HttpCrmConnector,
    parse_http_config,
    parse_path,
    resolve,
)

CUSTOMERS: dict[str, Any] = {
    "+442079460555": {
        "data": {
            "customer": {
                "id": "CUST-17",
                "firstName": "Susan",
                "lastName": "Clark",
                "lang": "en",
                "email": "susan@example.com",
                "company": {"name": "Northwind Traders", "tier": "VIP", "manager": "alice"},
                "tickets": [
                    {
                        "id": 1,
                        "subject": "parcel enquiry",
                        "state": "Open",
                        "created": "2024-04-30T09:00:00Z",
                        "changed": "2024-04-30T10:00:00Z",
                    },
                    {
                        "id": 2,
                        "subject": "refund",
                        "state": "Resolved",
                        "created": "2024-04-01T09:00:00Z",
                    },
                    {
                        "id": 3,
                        "subject": "photo of damage",
                        "state": "Waiting",
                        "created": "2024-04-29T09:00:00Z",
                        "changed": "2024-05-01T08:00:00Z",
                    },
                ],
                "plans": [{"sku": "EXP24", "title": "Express 24h"}],
            }
        }
    },
    "+442079460556": {"data": {"customer": None}},
}

MAPPING = {
    "contact.id": "data.customer.id",
    "contact.first_name": "data.customer.firstName",
    "contact.last_name": "data.customer.lastName",
    "contact.language": "data.customer.lang",
    "contact.email": "data.customer.email",
    "account.name": "data.customer.company.name",
    "account.tier": "data.customer.company.tier",
    "account.owner": "data.customer.company.manager",
    "cases": "data.customer.tickets",
    "cases.id": "id",
    "cases.topic": "subject",
    "cases.status": "state",
    "cases.opened_at": "created",
    "cases.updated_at": "changed",
    "products": "data.customer.plans",
    "products.code": "sku",
    "products.name": "title",
}


class FakeCrm(BaseHTTPRequestHandler):
    """Answers by the first path segment: crm, slow, bad, error, empty."""

    release = threading.Event()
    seen: list[tuple[str, str | None]] = []

    def do_GET(self) -> None:
        mode, _, number = self.path.lstrip("/").partition("/")
        number = unquote(number)
        FakeCrm.seen.append((self.path, self.headers.get("X-Api-Key")))
        try:
            if mode == "slow":
                FakeCrm.release.wait(5.0)
                self._send(200, json.dumps(CUSTOMERS["+442079460555"]).encode())
            elif mode == "bad":
                self._send(200, b'{"data": {"customer": {"firstName": "Sus')
            elif mode == "error":
                self._send(500, b"internal error")
            elif number in CUSTOMERS:
                self._send(200, json.dumps(CUSTOMERS[number]).encode())
            else:
                self._send(404, b'{"error": "not found"}')
        except (BrokenPipeError, ConnectionResetError):
            pass  # the connector gave up waiting, as it should

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def base_url() -> Iterator[str]:
    FakeCrm.release.clear()
    FakeCrm.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeCrm)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    FakeCrm.release.set()
    server.shutdown()
    server.server_close()
    thread.join(5)


def connector(url: str, timeout_ms: int = 800) -> HttpCrmConnector:
    config = parse_http_config(
        {
            "url": url,
            "mapping": MAPPING,
            "headers": {"X-Api-Key": "k-123"},
            "timeout_ms": timeout_ms,
            "name": "acme-crm",
        }
    )
    return HttpCrmConnector(config)


async def lookup(url: str, number: str, timeout_ms: int = 800) -> Any:
    async with connector(url, timeout_ms) as crm:
        return await crm.lookup(number)


def test_a_known_caller_is_mapped_to_a_profile(base_url: str) -> None:
    profile = asyncio.run(lookup(base_url + "/crm/{number}", "020 7946 0555"))
    assert FakeCrm.seen == [("/crm/%2B442079460555", "k-123")]
    assert profile is not None and profile.source == "acme-crm"
    assert profile.number == "+442079460555"
    contact = profile.contact
    assert (contact.first_name, contact.last_name, contact.external_id) == (
        "Susan",
        "Clark",
        "CUST-17",
    )
    assert contact.language == "en" and contact.email == "susan@example.com" and contact.id is None
    assert profile.is_vip and profile.owner == "alice"
    assert [(p.code, p.name) for p in profile.products] == [("EXP24", "Express 24h")]
    # Resolved tickets are not open; "Waiting" is pending; newest change first.
    assert [(c.topic, c.status, c.external_id) for c in profile.open_cases] == [
        ("photo of damage", CaseStatus.PENDING, "3"),
        ("parcel enquiry", CaseStatus.OPEN, "1"),
    ]
    assert profile.open_cases[1].opened_at == 1714467600.0  # 2024-04-30T09:00:00Z


def test_unknown_callers_and_empty_answers_give_none(
    base_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "frontdesk.crm.http")
    assert asyncio.run(lookup(base_url + "/crm/{digits}", "+442079460999")) is None
    assert FakeCrm.seen[-1][0] == "/crm/442079460999"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert asyncio.run(lookup(base_url + "/crm/{number}", "+442079460556")) is None
    assert "has no contact" in caplog.text
    FakeCrm.seen.clear()
    assert asyncio.run(lookup(base_url + "/crm/{number}", "anonymous")) is None
    assert FakeCrm.seen == []  # nothing to ask about: no request


def test_a_slow_server_times_out_within_the_deadline(
    base_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "frontdesk.crm.http")

    async def many() -> tuple[list[Any], float]:
        async with connector(base_url + "/slow/{number}", timeout_ms=300) as crm:
            started = time.monotonic()
            results = await asyncio.gather(*(crm.lookup("+442079460555") for _ in range(10)))
            return list(results), time.monotonic() - started

    results, elapsed = asyncio.run(many())
    assert results == [None] * 10
    assert 0.3 <= elapsed < 0.3 + 0.25, elapsed
    assert caplog.text.count("no answer within 300 ms") == 10


@pytest.mark.parametrize(
    ("path", "reason"),
    [("/bad/{number}", "malformed JSON"), ("/error/{number}", "HTTP 500")],
)
def test_garbage_answers_give_none_and_a_logged_reason(
    base_url: str, caplog: pytest.LogCaptureFixture, path: str, reason: str
) -> None:
    caplog.set_level(logging.WARNING, "frontdesk.crm.http")
    assert asyncio.run(lookup(base_url + path, "+442079460555")) is None
    (record,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert reason in record.getMessage() and "+442079460555" in record.getMessage()


def test_a_server_that_is_down_gives_none(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, "frontdesk.crm.http")
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeCrm)
    port = server.server_address[1]
    server.server_close()  # nothing listens there any more
    started = time.monotonic()
    assert asyncio.run(lookup(f"http://127.0.0.1:{port}/crm/{{number}}", "+442079460555")) is None
    assert time.monotonic() - started < 0.8 + 0.25
    assert "ConnectError" in caplog.text


def test_json_paths() -> None:
    assert parse_path("data.items[0].name") == ("data", "items", 0, "name")
    assert parse_path("results[2]") == ("results", 2)
    assert parse_path("[0].matrix[1][2]") == (0, "matrix", 1, 2)
    document = {"data": {"items": [{"name": "a"}], "n": 0}}
    assert resolve(document, parse_path("data.items[0].name")) == "a"
    assert resolve(document, parse_path("data.items[1].name")) is None
    assert resolve(document, parse_path("data.n.deeper")) is None
    for bad in ("", ".a", "a.", "a..b", "a[x]", "a[0", "a]"):
        with pytest.raises(CrmError, match="not a JSON path"):
            parse_path(bad)


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"url": "ftp://crm/{number}"}, "must start with http"),
        ({"url": "http://crm/customers"}, "must contain {number} or {digits}"),
        ({"url": "http://crm/{phone}"}, "only {number} and {digits}"),
        ({"mapping": {"contact.shoe_size": "x"}}, "unknown profile field"),
        ({"mapping": {"contact.first_name": "a..b"}}, "not a JSON path"),
        ({"mapping": {"account.name": "x"}}, "contact.first_name or contact.last_name"),
        ({"timeout_ms": 60_000}, "from 10 to 10000"),
        ({"timeout_ms": "fast"}, "number of milliseconds"),
        ({"headers": ["X-Api-Key"]}, "headers must be a mapping"),
    ],
)
def test_bad_configurations_are_refused(change: dict[str, Any], fragment: str) -> None:
    config = {"url": "https://crm.example/api/{number}", "mapping": MAPPING} | change
    with pytest.raises(CrmError, match=fragment):
        parse_http_config(config)


def test_the_directory_asks_the_external_crm_only_for_unknown_callers(
    base_url: str, store: CrmStore
) -> None:
    with store.writer() as w:
        w.add_contact("Omar", "Local", numbers=["+442079460777"])

    async def both() -> tuple[Any, Any]:
        directory = CallerDirectory(store, connector(base_url + "/crm/{number}"))
        try:
            return await directory.lookup("+442079460777"), await directory.lookup("02079460555")
        finally:
            await directory.aclose()

    local, remote = asyncio.run(both())
    assert local.source == "local" and local.contact.first_name == "Omar"
    assert remote.source == "acme-crm" and remote.contact.first_name == "Susan"
    assert [path for path, _ in FakeCrm.seen] == ["/crm/%2B442079460555"]


def test_a_reloaded_company_file_swaps_the_connector_only_when_its_settings_change(
    base_url: str, store: CrmStore
) -> None:
    first = parse_http_config({"url": base_url + "/crm/{number}", "mapping": MAPPING})
    moved = parse_http_config({"url": base_url + "/v2/{number}", "mapping": MAPPING})

    async def reload_twice() -> tuple[bool, bool, bool, Any]:
        directory = CallerDirectory(store)
        directory.reconfigure(first)
        kept = directory.remote
        directory.reconfigure(parse_http_config({"url": first.url, "mapping": MAPPING}))
        unchanged = directory.remote is kept
        directory.reconfigure(moved)
        swapped = directory.remote is not kept and directory.remote is not None
        profile = await directory.lookup("02079460555")
        directory.reconfigure(None)
        gone = directory.remote is None
        await directory.aclose()
        return unchanged, swapped, gone, profile

    unchanged, swapped, gone, profile = asyncio.run(reload_twice())
    assert unchanged and swapped and gone
    assert profile is not None and profile.contact.first_name == "Susan"
    assert [path for path, _ in FakeCrm.seen] == ["/v2/%2B442079460555"]
