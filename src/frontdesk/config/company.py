"""Validated, frozen description of a company (what the YAML file says, once checked)."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class RecordingPolicy(enum.StrEnum):
    """Which calls are recorded: every answered call, or none."""

    ALL = "all"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Number:
    """A number callers dial; `aliases` are short forms accepted in the Request-URI user part."""

    number: str
    aliases: tuple[str, ...] = ()
    flow: str = "main"
    language: str = "en"
    ring_s: int = 0  # seconds of ringing (180) before answering
    hangup_after_s: int | None = None  # a test line: Frontdesk hangs up after this long

    def matches(self, user: str) -> bool:
        return user == self.number or user == self.number.lstrip("+") or user in self.aliases


@dataclass(frozen=True, slots=True)
class Agent:
    id: str
    name: str
    extension: str
    password: str
    skills: tuple[tuple[str, int], ...] = ()
    languages: tuple[str, ...] = ("en",)
    mobile: str | None = None


@dataclass(frozen=True, slots=True)
class Trunk:
    """A carrier (or PBX) that Frontdesk registers to and sends outbound calls through."""

    name: str
    host: str
    port: int = 5060
    transport: str = "udp"
    username: str | None = None
    password: str | None = None
    register: bool = False


@dataclass(frozen=True, slots=True)
class Company:
    name: str
    domain: str
    numbers: tuple[Number, ...]
    agents: tuple[Agent, ...]
    trunks: tuple[Trunk, ...] = ()
    source: str = "<built-in demo>"
    # Offered in this order. MD5 alone by default: many phones and softphones answer only the
    # first challenge and only in MD5 (sipp 3.6), or give up when any challenge names an
    # algorithm they do not know (baresip 1.0). Sites whose phones do RFC 8760 add SHA-256.
    digest_algorithms: tuple[str, ...] = ("MD5",)
    recording: RecordingPolicy = RecordingPolicy.NONE

    def number_for(self, user: str) -> Number | None:
        for number in self.numbers:
            if number.matches(user):
                return number
        return None

    def agent_by_extension(self, extension: str) -> Agent | None:
        for agent in self.agents:
            if agent.extension == extension:
                return agent
        return None
