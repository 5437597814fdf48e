"""From the events of calls to history entries: analytics' record plus what the history adds.

Pure: fed with stored events `(at, kind, call_id, data)` in log order, it gives back the
entry of every call whose analytics record is complete (`CallDeriver`: the phone side and
the routing side both ended). What the record does not carry is gathered beside it, from any
event of the call, also after the record completed (a wrap-up or a recording often comes
later): the contact's name and VIP flag (`call.attributes`), the caller's number as read by
the flow (`call.flow_started`), every queue and agent, the wrap-up (`call.wrapped`), the
recordings (`call.recording`, whose stream id is the call id: the conversation under
recordings/, a voicemail under voicemail/) and whether a message was left (`call.voicemail`).

The long-call flag is not decided here: it needs the history of other calls (see index.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from frontdesk.analytics.derive import CallDeriver
from frontdesk.analytics.records import CallOutcome, CallRecord
from frontdesk.history.entry import CallEntry, Recording
from frontdesk.sip import SipParseError
from frontdesk.sip.uri import AbsoluteUri, SipUri, parse_uri

TeamOf = Callable[[str], str | None]
HomeOf = Callable[[str], tuple[str, ...]]  # a company number -> the teams it serves

# Kinds after which a call's entry may be new or different: the ones that can complete a
# record, and the ones that change a finished call. Others never do (index.py relies on it).
ENTRY_KINDS = frozenset({
    "call.ended", "call.rejected", "call.overflowed", "acd.closed", "acd.call_ended",
    "call.wrapped", "call.recording", "call.voicemail", "call.attributes",
})  # fmt: skip


def number_of(caller: str) -> str:
    """The number in a caller field: a SIP URI's user part, a tel: URI's number, or as is."""
    text = caller.strip().strip("<>")
    if not text.lower().startswith(("sip:", "sips:", "tel:")):
        return text
    try:
        uri = parse_uri(text)
    except SipParseError:
        return ""
    if isinstance(uri, SipUri):
        return uri.user or ""
    if isinstance(uri, AbsoluteUri):
        return uri.rest.split(";", 1)[0]
    return ""


@dataclass(slots=True)
class _Facts:
    started_at: float
    ended_at: float | None = None
    last_at: float = 0.0
    caller: str = ""
    name: str = ""
    vip: bool = False
    queues: list[str] = field(default_factory=list)
    agents: list[str] = field(default_factory=list)
    disposition: str = ""
    notes_chars: int = 0
    recordings: list[Recording] = field(default_factory=list)
    voicemail: bool = False
    record: CallRecord | None = None

    def add_queue(self, queue: Any) -> None:
        if isinstance(queue, str) and queue and queue not in self.queues:
            self.queues.append(queue)

    def add_agent(self, agent: Any) -> None:
        if isinstance(agent, str) and agent and agent not in self.agents:
            self.agents.append(agent)


def _recording(data: Mapping[str, Any]) -> Recording | None:
    path = data.get("path")
    if not isinstance(path, str) or not path:
        return None
    kind = "voicemail" if PurePath(path).parent.name == "voicemail" else "call"
    channels = data.get("channels")
    return Recording(path, float(data.get("duration_s") or 0.0),
                     int(channels) if isinstance(channels, int) else 1, kind)  # fmt: skip


def _note(facts: _Facts, at: float, kind: str, data: Mapping[str, Any]) -> None:
    """What the history keeps of one event beside analytics' record."""
    facts.started_at = min(facts.started_at, at)
    facts.last_at = max(facts.last_at, at)
    if kind == "call.received" and not facts.caller:
        facts.caller = number_of(str(data.get("caller") or ""))
    elif kind == "call.flow_started" and data.get("caller"):
        facts.caller = number_of(str(data["caller"]))
    elif kind == "call.attributes":
        facts.name = str(data.get("name") or facts.name)
        facts.vip = bool(data.get("vip")) or facts.vip
    elif kind == "call.ended":
        facts.ended_at = at
    elif kind == "call.wrapped":
        facts.disposition = str(data.get("disposition") or "")
        facts.notes_chars = int(data.get("notes_chars") or 0)
        facts.add_agent(data.get("agent"))
    elif kind == "call.recording":
        found = _recording(data)
        if found is not None and all(r.path != found.path for r in facts.recordings):
            facts.recordings.append(found)
    elif kind == "call.voicemail":
        facts.voicemail = True
    if kind in ("acd.queued", "call.connected"):
        facts.add_queue(data.get("queue"))
    elif kind == "acd.overflowed":
        facts.add_queue(data.get("to_queue"))
    if kind in ("acd.answered", "acd.callback_connected", "acd.call_ended"):
        facts.add_agent(data.get("agent_id"))
    elif kind == "call.connected":
        facts.add_agent(data.get("agent"))


class EntryBuilder:
    """Feeds on the events of some calls; `entries()` gives the finished ones."""

    def __init__(self, team_of: TeamOf, home_of: HomeOf | None = None) -> None:
        self._team_of = team_of
        self._home_of = home_of
        self._deriver = CallDeriver()
        self._facts: dict[str, _Facts] = {}

    def feed(self, at: float, kind: str, call_id: str | None, data: Mapping[str, Any]) -> None:
        if call_id is None:
            return
        facts = self._facts.get(call_id)
        if facts is None:
            facts = self._facts[call_id] = _Facts(started_at=at, last_at=at)
        _note(facts, at, kind, data)
        record = self._deriver.feed(at, kind, call_id, data)
        if record is not None:
            facts.record = record

    def entries(self) -> list[CallEntry]:
        """The entry of every call whose record is complete, in the order calls arrived."""
        return [self._entry(call_id, f) for call_id, f in self._facts.items() if f.record]

    def _entry(self, call_id: str, facts: _Facts) -> CallEntry:
        record = facts.record
        assert record is not None
        queue = record.final_queue or record.queue
        queues = list(facts.queues)
        for name in (record.queue, record.final_queue):
            if name and name not in queues:
                queues.append(name)
        team = (self._team_of(queue) if queue else None) or record.team
        teams = sorted({t for t in (self._team_of(q) for q in queues) if t} | ({team} - {""}))
        if not teams and self._home_of is not None:
            # Ended before any queue (in the menu): it belongs to the teams its number serves.
            teams = sorted(self._home_of(record.number))
        agents = list(facts.agents)
        if record.agent and record.agent not in agents:
            agents.append(record.agent)
        return CallEntry(
            call_id=call_id, started_at=facts.started_at,
            ended_at=facts.ended_at if facts.ended_at is not None else facts.last_at,
            caller=facts.caller or number_of(record.caller), name=facts.name, vip=facts.vip,
            tier=record.tier, open_case=record.open_case, language=record.language,
            country=record.country, dialled=record.number, queues=tuple(queues), queue=queue,
            team=team, teams=tuple(teams), agents=tuple(agents), wait_s=record.wait_s,
            talk_s=record.talk_s, hold_s=record.hold_s, outcome=record.outcome.value,
            handled=record.outcome is CallOutcome.ANSWERED or record.callback_kept,
            disposition=facts.disposition, notes_chars=facts.notes_chars,
            recordings=tuple(facts.recordings), voicemail=facts.voicemail,
            long=None, long_after_s=None,
        )  # fmt: skip
