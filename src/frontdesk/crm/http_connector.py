"""Asking an external CRM who is calling, over HTTP and JSON, without ever holding up a call.

The company configures a URL template, headers (e.g. an API key) and a mapping from profile
fields to paths in the JSON answer:

    url: https://crm.example.com/api/customers?phone={number}
    headers: {Authorization: "Bearer ..."}
    timeout_ms: 800
    mapping:
      contact.id: data.customer.id
      contact.first_name: data.customer.firstName
      contact.last_name: data.customer.lastName
      account.tier: data.customer.company.tier
      cases: data.tickets                # a list; the item fields below are relative to it
      cases.topic: subject
      cases.status: state

`{number}` is the caller's E.164 number, URL-encoded; `{digits}` is the same without the plus.
Paths are dotted keys with `[n]` for list items (`results[0].name`). Every failure (timeout,
connection refused, HTTP error, malformed JSON, an answer without a contact) gives None and a
logged reason: the call goes on as an unknown caller. The deadline covers the whole exchange,
connection included, so a server that answers a byte at a time cannot stretch it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

from frontdesk.crm import validate
from frontdesk.crm.errors import CrmError
from frontdesk.crm.model import Account, CallerProfile, Case, CaseStatus, Contact, Product
from frontdesk.crm.numbers import caller_key, check_region

log = logging.getLogger("frontdesk.crm.http")

SCALAR_FIELDS = frozenset(
    {
        "contact.id",
        "contact.first_name",
        "contact.last_name",
        "contact.language",
        "contact.email",
        "contact.notes",
        "account.id",
        "account.name",
        "account.tier",
        "account.owner",
        "account.team",
    }
)
LIST_FIELDS: Mapping[str, frozenset[str]] = {
    "cases": frozenset({"id", "topic", "status", "opened_at", "updated_at"}),
    "products": frozenset({"code", "name"}),
}
_CLOSED_WORDS = frozenset({"closed", "resolved", "done", "solved", "cancelled", "canceled"})
_PENDING_WORDS = frozenset({"pending", "waiting", "on hold", "on-hold"})
_PATH = re.compile(r"[^.\[\]]+|\[\d+\]")
_WHOLE_PATH = re.compile(r"(?:[^.\[\]]+|\[\d+\])(?:\[\d+\])*(?:\.[^.\[\]]+(?:\[\d+\])*)*")


@dataclass(frozen=True, slots=True)
class HttpCrmConfig:
    url: str
    mapping: Mapping[str, str]  # profile field -> JSON path
    headers: Mapping[str, str] = field(default_factory=dict)
    timeout_s: float = 0.8
    region: str = "GB"
    name: str = "http"
    trust_env: bool = False  # use HTTP(S)_PROXY from the environment


def parse_path(path: str) -> tuple[str | int, ...]:
    """Splits `a.b[0].c` into keys and list indexes; CrmError if it is not such a path."""
    if not _WHOLE_PATH.fullmatch(path):
        raise CrmError(f"'{path}' is not a JSON path (expected keys like data.items[0].name)")
    tokens = _PATH.findall(path)
    return tuple(int(tok[1:-1]) if tok.startswith("[") else tok for tok in tokens)


def resolve(document: Any, path: tuple[str | int, ...]) -> Any:
    """The value at `path`, or None when any step is missing."""
    node = document
    for step in path:
        if isinstance(step, int):
            if not isinstance(node, list) or step >= len(node):
                return None
            node = node[step]
        else:
            if not isinstance(node, dict) or step not in node:
                return None
            node = node[step]
    return node


def parse_http_config(data: object, source: str = "crm.http") -> HttpCrmConfig:
    """Checks an HTTP connector configuration given as a dict; CrmError says what is wrong."""
    if not isinstance(data, Mapping):
        raise CrmError(f"{source}: expected a mapping with url and mapping")
    url = validate.text(data.get("url"), f"{source} url", 2000)
    if not url.startswith(("http://", "https://")):
        raise CrmError(f"{source}: url '{url}' must start with http:// or https://")
    try:
        url.format(number="+1", digits="1")
    except (KeyError, IndexError, ValueError):
        raise CrmError(f"{source}: url may use only {{number}} and {{digits}}") from None
    if "{number}" not in url and "{digits}" not in url:
        raise CrmError(f"{source}: url must contain {{number}} or {{digits}}")
    mapping = data.get("mapping")
    if not isinstance(mapping, Mapping) or not mapping:
        raise CrmError(f"{source}: 'mapping' must map profile fields to JSON paths")
    allowed = SCALAR_FIELDS | set(LIST_FIELDS)
    allowed |= {f"{lst}.{item}" for lst, items in LIST_FIELDS.items() for item in items}
    for key, path in mapping.items():
        if key not in allowed:
            raise CrmError(f"{source}: unknown profile field '{key}' in mapping")
        parse_path(str(path))
    if not {"contact.first_name", "contact.last_name"} & set(mapping):
        raise CrmError(f"{source}: the mapping must give contact.first_name or contact.last_name")
    headers = data.get("headers", {})
    if not isinstance(headers, Mapping):
        raise CrmError(f"{source}: headers must be a mapping of names to values")
    timeout_ms = data.get("timeout_ms", 800)
    if isinstance(timeout_ms, bool) or not isinstance(timeout_ms, int | float):
        raise CrmError(f"{source}: timeout_ms must be a number of milliseconds")
    if not 10 <= timeout_ms <= 10_000:
        raise CrmError(f"{source}: timeout_ms {timeout_ms} must be from 10 to 10000")
    return HttpCrmConfig(
        url=url,
        mapping={str(k): str(v) for k, v in mapping.items()},
        headers={str(k): str(v) for k, v in headers.items()},
        timeout_s=float(timeout_ms) / 1000.0,
        region=check_region(str(data.get("region", "GB"))),
        name=str(data.get("name", "http")),
        trust_env=bool(data.get("trust_env", False)),
    )


class HttpCrmConnector:
    """Looks callers up in an external CRM; `lookup` answers within `timeout_s`, always."""

    def __init__(
        self, config: HttpCrmConfig, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.config = config
        self._paths = {key: parse_path(path) for key, path in config.mapping.items()}
        self._client = httpx.AsyncClient(
            headers=dict(config.headers),
            timeout=httpx.Timeout(config.timeout_s),
            transport=transport,
            trust_env=config.trust_env,
            follow_redirects=False,
        )

    async def __aenter__(self) -> HttpCrmConnector:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def lookup(self, number: str) -> CallerProfile | None:
        """The caller's profile from the external CRM, or None (unknown, or any failure)."""
        e164 = caller_key(number, self.config.region)
        if e164 is None:
            return None
        document = await self._fetch(e164)
        if document is None:
            return None
        try:
            profile = self._profile(document, e164, time.time())
        except Exception:  # a surprise in the answer must never reach the call
            log.exception("%s: cannot read the answer for %s", self.config.name, e164)
            return None
        if profile is None:
            log.info("%s: the answer for %s has no contact", self.config.name, e164)
        return profile

    async def _fetch(self, e164: str) -> Any:
        """The decoded JSON answer, or None (logged with the reason) when there is none."""
        url = self.config.url.format(number=quote(e164, safe=""), digits=e164[1:])
        reason: str
        try:
            async with asyncio.timeout(self.config.timeout_s):
                response = await self._client.get(url)
                body = await response.aread()
        except TimeoutError:
            reason = f"no answer within {self.config.timeout_s * 1000:.0f} ms"
        except httpx.HTTPError as exc:
            reason = f"{type(exc).__name__}: {exc}"
        else:
            if response.status_code == 404:
                log.debug("%s: %s is not known there", self.config.name, e164)
                return None
            if response.status_code != 200:
                reason = f"HTTP {response.status_code}"
            else:
                try:
                    return json.loads(body)
                except (ValueError, UnicodeDecodeError) as exc:
                    reason = f"malformed JSON ({exc})"
        log.warning("%s: lookup of %s failed: %s", self.config.name, e164, reason)
        return None

    def _get(self, node: Any, key: str) -> str | None:
        path = self._paths.get(key)
        value = resolve(node, path) if path is not None else None
        if value is None or isinstance(value, dict | list):
            return None
        text = str(value).strip()
        return text or None

    def _profile(self, document: Any, number: str, now: float) -> CallerProfile | None:
        first = self._get(document, "contact.first_name") or ""
        last = self._get(document, "contact.last_name") or ""
        if not first and not last:
            return None
        contact = Contact(
            id=None,
            first_name=first,
            last_name=last,
            numbers=(number,),
            language=_or_none(validate.language, self._get(document, "contact.language")),
            email=_or_none(validate.email, self._get(document, "contact.email")),
            notes=self._get(document, "contact.notes") or "",
            external_id=self._get(document, "contact.id"),
        )
        account = None
        account_name = self._get(document, "account.name")
        if account_name is not None:
            account = Account(
                None,
                account_name,
                self._get(document, "account.tier"),
                self._get(document, "account.owner"),
                self._get(document, "account.team"),
                self._get(document, "account.id"),
            )
        return CallerProfile(
            number=number,
            contact=contact,
            account=account,
            products=tuple(self._products(document)),
            open_cases=tuple(self._open_cases(document, now)),
            source=self.config.name,
        )

    def _items(self, document: Any, name: str) -> list[Any]:
        path = self._paths.get(name)
        items = resolve(document, path) if path is not None else None
        return items if isinstance(items, list) else []

    def _products(self, document: Any) -> list[Product]:
        found = []
        for item in self._items(document, "products"):
            code = self._get(item, "products.code")
            if code is not None:
                found.append(Product(code, self._get(item, "products.name") or code))
        return found

    def _open_cases(self, document: Any, now: float) -> list[Case]:
        found = []
        for item in self._items(document, "cases"):
            word = (self._get(item, "cases.status") or "open").lower()
            if word in _CLOSED_WORDS:
                continue
            status = CaseStatus.PENDING if word in _PENDING_WORDS else CaseStatus.OPEN
            opened = _time_or(self._get(item, "cases.opened_at"), now)
            updated = _time_or(self._get(item, "cases.updated_at"), opened)
            topic = self._get(item, "cases.topic") or "(no topic)"
            case_id = self._get(item, "cases.id")
            found.append(Case(None, topic, status, opened, updated, external_id=case_id))
        found.sort(key=lambda case: case.updated_at, reverse=True)
        return found


def _or_none(check: Any, value: str | None) -> str | None:
    try:
        result: str | None = check(value)
    except CrmError:
        return None
    return result


def _time_or(value: str | None, default: float) -> float:
    """Cases without a readable date are taken as current: better shown than hidden."""
    if value is None:
        return default
    try:
        return validate.timestamp(
            float(value) if value.replace(".", "", 1).isdigit() else value, "case time"
        )
    except CrmError:
        return default
