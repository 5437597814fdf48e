"""Reads the company file's `crm:` section: the built-in CRM's demo data and an external CRM.

The external CRM is the HTTP connector's own configuration (`frontdesk.crm.http_connector`),
written under `crm: http:`. The connector's checker decides what is valid, so the company file
and the connector can never disagree; this module only places its finding on the right line
and fills `${NAME}` header values from the server's environment, so that an API key need not
sit in a file that admins read and edit in the browser.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

import yaml

from frontdesk.config.company import CrmSource
from frontdesk.config.reader import Fields, Reader
from frontdesk.crm.errors import CrmError
from frontdesk.crm.http_connector import HttpCrmConfig, parse_http_config

CRM_KEYS = {"demo_data", "http"}
HTTP_KEYS = {"url", "mapping", "headers", "timeout_ms", "region", "name"}
_FROM_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def read_crm(r: Reader, node: yaml.Node, env: Mapping[str, str] | None = None) -> CrmSource:
    what = "company: crm"
    f = r.mapping(node, what)
    for old in ("http_url", "http_timeout_s"):
        if old in f:
            r.problem(r.key_of(f[old]), f"{what}: '{old}' is now written inside 'http:' "
                      "(url, mapping, headers, timeout_ms; see docs/company-file.md)")  # fmt: skip
            del f[old]
    r.unknown_keys(f, CRM_KEYS, what)
    http = read_http(r, f["http"], os.environ if env is None else env) if "http" in f else None
    return CrmSource(demo_data=r.boolean(f, "demo_data", False, what), http=http)


def read_http(r: Reader, node: yaml.Node, env: Mapping[str, str]) -> HttpCrmConfig | None:
    what = "company: crm: http"
    f = r.mapping(node, what)
    before = len(r.problems)
    r.unknown_keys(f, HTTP_KEYS, what)
    if len(r.problems) > before:
        return None
    data = yaml.SafeLoader("").construct_document(node)
    if not isinstance(data, dict):
        return None
    headers = data.get("headers")
    if isinstance(headers, Mapping):
        data["headers"] = {k: _expand(r, f, str(k), str(v), env) for k, v in headers.items()}
    try:
        return parse_http_config(data, what)
    except CrmError as exc:
        message = str(exc) if str(exc).startswith(what) else f"{what}: mapping: {exc}"
        r.problem(_node_named_in(str(exc), f, node), message)
        return None


def _expand(r: Reader, f: Fields, name: str, value: str, env: Mapping[str, str]) -> str:
    """`Bearer ${CRM_TOKEN}` takes CRM_TOKEN from the environment; a missing one is a problem."""

    def fill(match: re.Match[str]) -> str:
        found = env.get(match.group(1))
        if found is None:
            r.problem(f.get("headers"), f"company: crm: http: header '{name}' uses "
                      f"${{{match.group(1)}}}, which is not set in the environment")  # fmt: skip
            return ""
        return found

    return _FROM_ENV.sub(fill, value)


def _node_named_in(message: str, f: Fields, whole: yaml.Node) -> yaml.Node:
    """The line to blame: the key the checker's message names, or the one holding a value it
    quotes (a bad JSON path names neither its key nor its section)."""
    after_source = message.split(":", 2)[-1]
    for key, value in f.items():
        if re.search(rf"\b{key}\b", after_source):
            return value
    for quoted in re.findall(r"'([^']+)'", message):
        for value in f.values():
            if quoted in _scalars(value):
                return value
    return whole


def _scalars(node: yaml.Node) -> set[str]:
    if isinstance(node, yaml.ScalarNode):
        return {str(node.value)}
    if isinstance(node, yaml.SequenceNode):
        return set().union(*(_scalars(item) for item in node.value))
    if isinstance(node, yaml.MappingNode):
        return set().union(*(_scalars(k) | _scalars(v) for k, v in node.value))
    return set()
