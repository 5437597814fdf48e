"""The notice a caller hears when the agent starts recording their call mid-call (on demand).

Recording laws and regulators commonly require that every party is told a call is recorded
(two-party consent in many US states, transparency under the GDPR); a recording the agent
starts in the middle of a call must say so as one the policy starts does. The words are the
company's `recording_notice` when it has one (the text its lawyers approved, also said under
`all` and `queues`), else "This call is now being recorded." in the caller's language.

* The caller hears it: played on their stream, which in the media worker stops relaying the
  agent while it plays, so nothing talks over it.
* The agent hears it too, on their leg, at the same time: they know the caller cannot hear
  them for those two seconds and do not talk over it, and both parties have been told. Not
  while the caller is held (the agent is not listening then: the caller hears the notice and
  their music comes back after it).
* The recording starts first, so the notice opens the file (what the caller hears is its
  right channel): the proof that they were told. It is recorded time like any other — never a
  paused stretch — and a pause asked for while it plays takes effect at once (card numbers
  must never be stored; the notice goes on playing to the caller); resuming says nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from frontdesk.telephony import announcements as words

if TYPE_CHECKING:
    from frontdesk.telephony.agent_line import AgentLine
    from frontdesk.telephony.conversation import InboundCall


def notice_text(call: InboundCall) -> str:
    company_notice = call.services.company.recording_notice
    return company_notice or words.say(call.language, "recording_now")


def say_recording_notice(line: AgentLine, call: InboundCall) -> None:
    """Tells the caller (and the agent, unless the caller is held) that recording started."""
    s = call.services
    text = notice_text(call)
    voice = s.prompts.voice_for("", call.language)
    held = line.hold.held
    call.speaker.say([(text, voice)], then=lambda: _after_notice(line, call))
    heard_by = ["caller"]
    if not held and line.speaker is not None:
        line.speaker.say([(text, voice)])
        heard_by.append("agent")
    s.log.append(s.clock.wall(), "call.consent_notice", call.call_id, agent=line.agent,
                 said=text, voice=voice, heard_by=heard_by)  # fmt: skip


def _after_notice(line: AgentLine, call: InboundCall) -> None:
    """A caller held meanwhile hears their music again; otherwise the bridge carries on."""
    if line.hold.held and line.talking:
        call.speaker.music(line._music(call))
