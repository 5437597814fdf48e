"""Readers of the company file's settings sections: `company:` (with `crm:` and `smtp:`
inside), `numbers:`, `trunks:` and `sip:`. People and queues are read in `people`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import phonenumbers
import yaml

from frontdesk.config.company import (
    DEFAULT_DISPOSITIONS,
    CrmSource,
    Number,
    RecordingPolicy,
    Smtp,
    Trunk,
)
from frontdesk.config.crm_source import read_crm
from frontdesk.config.reader import Fields, Reader
from frontdesk.flows.hours import check_timezone

HEAD_KEYS = {
    "name", "domain", "recording", "recording_notice", "timezone", "flows", "crm", "smtp",
    "dispositions",
}  # fmt: skip
SMTP_KEYS = {"host", "port", "sender", "username", "password", "starttls", "timeout_s"}
NUMBER_KEYS = {"number", "aliases", "flow", "language", "ring_s", "hangup_after_s"}
TRUNK_KEYS = {"name", "host", "port", "transport", "username", "password", "register"}
DIGEST_ALGORITHMS = ("SHA-256", "SHA-512-256", "MD5")
# `flows: demo` names the built-in demo flows, as `frontdesk flow check demo` does.
DEMO_FLOWS = "demo"
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True, slots=True)
class Head:
    """What the `company:` section says."""

    name: str
    domain: str
    recording: RecordingPolicy
    recording_notice: str | None
    timezone: str
    flows_file: Path | None
    crm: CrmSource
    smtp: Smtp | None
    dispositions: tuple[str, ...] = DEFAULT_DISPOSITIONS
    demo_flows: bool = False


NO_HEAD = Head("", "frontdesk.local", RecordingPolicy.NONE, None, "UTC", None, CrmSource(), None)


def read_head(r: Reader, node: yaml.Node) -> Head:
    f = r.mapping(node, "company")
    r.unknown_keys(f, HEAD_KEYS, "company")
    timezone = r.optional_text(f, "timezone", "UTC", "company") or "UTC"
    if problem := check_timezone(timezone):
        r.problem(f["timezone"], f"company: {problem}")
        timezone = "UTC"
    notice = r.optional_text(f, "recording_notice", None, "company")
    if notice is not None and not notice.strip():
        r.problem(f["recording_notice"], "company: 'recording_notice' is empty (leave it out)")
        notice = None
    choices = [p.value for p in RecordingPolicy]
    recording = r.choice(f, "recording", RecordingPolicy.NONE.value, choices, "company")
    demo_flows = _scalar_is(f.get("flows"), DEMO_FLOWS)
    return Head(
        name=r.text(f, "name", node, "company"),
        domain=r.optional_text(f, "domain", "frontdesk.local", "company") or "frontdesk.local",
        recording=RecordingPolicy(recording),
        recording_notice=notice,
        timezone=timezone,
        flows_file=None if demo_flows else r.path(f, "flows", "company"),
        crm=read_crm(r, f["crm"]) if "crm" in f else CrmSource(),
        smtp=read_smtp(r, f["smtp"]) if "smtp" in f else None,
        dispositions=read_dispositions(r, f),
        demo_flows=demo_flows,
    )


def _scalar_is(node: yaml.Node | None, value: str) -> bool:
    return isinstance(node, yaml.ScalarNode) and str(node.value) == value


def read_dispositions(r: Reader, f: Fields) -> tuple[str, ...]:
    """What agents choose from after a call; distinct, short, at least one."""
    found = r.texts(f, "dispositions", DEFAULT_DISPOSITIONS, "company")
    if "dispositions" not in f:
        return found
    problem = (
        "is empty" if not found
        else "names one twice" if len(set(found)) != len(found)
        else "has one longer than 64 characters" if any(len(d) > 64 for d in found)
        else ""
    )  # fmt: skip
    if problem:
        r.problem(f["dispositions"], f"company: 'dispositions' {problem}")
        return DEFAULT_DISPOSITIONS
    return found


def read_smtp(r: Reader, node: yaml.Node) -> Smtp:
    what = "company: smtp"
    f = r.mapping(node, what)
    r.unknown_keys(f, SMTP_KEYS, what)
    sender = r.optional_text(f, "sender", "frontdesk@localhost", what) or "frontdesk@localhost"
    if not EMAIL.match(sender) and sender != "frontdesk@localhost":
        r.problem(f["sender"], f"{what}: sender '{sender}' is not an email address")
    username = r.optional_text(f, "username", None, what)
    password = r.optional_text(f, "password", None, what)
    if (username is None) != (password is None):
        given = "username" if username is not None else "password"
        r.problem(f[given], f"{what}: {given} without the other (give both or neither)")
    return Smtp(
        host=r.text(f, "host", node, what),
        port=r.integer(f, "port", 25, 1, 65535, what),
        sender=sender,
        username=username,
        password=password,
        starttls=r.boolean(f, "starttls", False, what),
        timeout_s=r.number(f, "timeout_s", 10.0, (0.5, 300.0), what),
    )


def check_email(r: Reader, f: Fields, what: str) -> str | None:
    email = r.optional_text(f, "email", None, what)
    if email is not None and not EMAIL.match(email):
        r.problem(f["email"], f"{what}: email '{email}' is not an address like team@example.com")
        return None
    return email


def check_mobile(r: Reader, f: Fields, what: str) -> str | None:
    """A mobile in E.164 (+ and digits, a possible number for its country), or None."""
    text = r.optional_text(f, "mobile", None, what)
    if text is None:
        return None
    problem = e164_problem(text)
    if problem:
        r.problem(f["mobile"], f"{what}: mobile '{text}' {problem}")
        return None
    return text


def e164_problem(text: str) -> str | None:
    if not re.fullmatch(r"\+[1-9]\d{5,14}", text):
        return "must be in E.164 form: + and the country code, no spaces (like +447700900001)"
    try:
        parsed = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return "cannot be read as a phone number"
    if not phonenumbers.is_possible_number(parsed):
        return "has the wrong number of digits for its country"
    return None


def read_number(r: Reader, node: yaml.Node) -> Number:
    f = r.mapping(node, "number")
    r.unknown_keys(f, NUMBER_KEYS, "number")
    number = r.text(f, "number", node, "number")
    if number and not (number.startswith("+") and number[1:].isdigit()):
        r.problem(f.get("number"), f"number '{number}' must be in E.164 form, like +442079460100")
    return Number(
        number=number,
        aliases=r.texts(f, "aliases", (), "number"),
        flow=r.optional_text(f, "flow", "main", "number") or "main",
        language=r.optional_text(f, "language", "en", "number") or "en",
        ring_s=r.integer(f, "ring_s", 0, 0, 120),
        hangup_after_s=r.integer(f, "hangup_after_s", 0, 1, 86400)
        if "hangup_after_s" in f
        else None,
    )


def read_trunk(r: Reader, node: yaml.Node) -> Trunk:
    f = r.mapping(node, "trunk")
    r.unknown_keys(f, TRUNK_KEYS, "trunk")
    return Trunk(
        name=r.text(f, "name", node, "trunk"),
        host=r.text(f, "host", node, "trunk"),
        port=r.integer(f, "port", 5060, 1, 65535),
        transport=r.choice(f, "transport", "udp", ["udp", "tcp"], "trunk"),
        username=r.optional_text(f, "username", None, "trunk"),
        password=r.optional_text(f, "password", None, "trunk"),
        register=r.boolean(f, "register", False, "trunk"),
    )


def read_sip(r: Reader, node: yaml.Node) -> tuple[str, ...]:
    """The digest algorithms to offer, in order."""
    sip = r.mapping(node, "sip")
    r.unknown_keys(sip, {"digest_algorithms"}, "sip")
    algorithms = r.texts(sip, "digest_algorithms", ("MD5",), "sip")
    for name in algorithms:
        if name not in DIGEST_ALGORITHMS:
            r.problem(
                sip.get("digest_algorithms"),
                f"digest algorithm '{name}' (expected SHA-256, SHA-512-256 or MD5)",
            )
    if not algorithms:
        r.problem(sip.get("digest_algorithms"), "digest_algorithms must name at least one")
    return algorithms or ("MD5",)
