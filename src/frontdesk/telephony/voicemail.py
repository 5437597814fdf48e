"""Taking a voicemail: the promise, the tone, the recording, the task and the e-mail.

The caller hears when the team will call back — a time computed from the team's opening hours
and response standard ("we will call you back by 11:30 am tomorrow") — then a tone, and speaks
until they hang up, press #, or the limit is reached. The message is recorded from the caller's
side only. A message shorter than a second, or with less than half a second of sound in it
(the caller said nothing, or their phone sent no audio; media/voiced.py), is no message: the
call counts as missed instead, so the team still calls back but nobody is asked to listen to
silence. The silent file stays on disk with the call's other recordings.
The recording is complete only when the media engine says so (`RecordingDone`), also after the
caller hung up, so the task is created from that event.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from frontdesk.media import MediaError
from frontdesk.media.engine import RecordAction
from frontdesk.media.recorder import RecordMode
from frontdesk.media.voiced import voiced_seconds_in
from frontdesk.telephony.announcements import say
from frontdesk.telephony.call_media import safe_name

if TYPE_CHECKING:
    from frontdesk.telephony.conversation import InboundCall

log = logging.getLogger("frontdesk.calls")
MAX_MESSAGE_S = 180.0
MIN_MESSAGE_S = 1.0
MIN_VOICED_S = 0.5


class VoicemailTaker:
    def __init__(self, call: InboundCall, team: str) -> None:
        self.call = call
        self.team = team
        self.promise = ""
        self.path: str | None = None
        self.done = False
        self.limit = 0

    def begin(self, flow_text: str | None) -> None:
        """Says the promise: computed from the team's hours, else the flow's own words."""
        call, s = self.call, self.call.services
        due, self.promise = promise_sentence(call, self.team, flow_text)
        s.log.append(s.clock.wall(), "call.voicemail_started", call.call_id, team=self.team,
                     promise=self.promise, due=due)  # fmt: skip
        voice = s.prompts.voice_for("", call.language)
        call.speaker.say([(self.promise, voice)], then=self._tone)

    def _tone(self) -> None:
        self.call.speaker.tone("beep")
        self._record()

    def _record(self) -> None:
        s, call = self.call.services, self.call
        engine, data_dir = s.media.engine, s.media.data_dir
        if engine is None or data_dir is None or not s.media.can_play(call.call_id):
            self.recorded(None, 0.0)
            return
        if call.recording:  # one recording per stream: the call's ends where the message starts
            engine.record(call.call_id, RecordAction.STOP)
        self.path = str(data_dir / "voicemail" / f"{safe_name(call.call_id)}.wav")
        engine.record(call.call_id, RecordAction.START, self.path, RecordMode.CALLER)
        s.media.recording_listeners[self.path] = call
        self.limit += 1
        limit = self.limit
        s.later(MAX_MESSAGE_S, lambda now: self._stop(limit), "VOICEMAIL")

    def key(self, digit: str) -> None:
        if digit == "#":
            self._stop(self.limit)

    def _stop(self, limit: int) -> None:
        call = self.call
        if limit != self.limit or self.done or self.path is None:
            return
        engine = call.services.media.engine
        if engine is not None and call.services.media.can_play(call.call_id):
            engine.record(call.call_id, RecordAction.STOP)
            voice = call.services.prompts.voice_for("", call.language)
            call.speaker.say([(say(call.language, "voicemail_saved"), voice)],
                             then=lambda: call.hang_up("voicemail", "message left"))  # fmt: skip

    def caller_hung_up(self) -> None:
        if self.path is None:
            self.recorded(None, 0.0)  # gone before the tone: nothing recorded

    def recorded(self, path: str | None, duration_s: float) -> None:
        """The message is complete on disk (or there is none)."""
        if self.done:
            return
        self.done = True
        call = self.call
        if path is None or duration_s < MIN_MESSAGE_S:
            call._missed("left no message")
            return
        call.services.spawn(self._keep_if_spoken(path, duration_s), f"voicemail {call.call_id}")

    async def _keep_if_spoken(self, path: str, duration_s: float) -> None:
        call, s = self.call, self.call.services
        try:  # a few milliseconds of file reading and numpy: off the loop
            voiced = await asyncio.to_thread(voiced_seconds_in, path)
        except (OSError, MediaError) as exc:  # unreadable: better a message nobody can judge
            log.warning("could not measure the voicemail %s: %s", path, exc)
            voiced = duration_s
        if voiced < MIN_VOICED_S:
            call._missed("left no message")
            return
        s.log.append(s.clock.wall(), "call.voicemail", call.call_id, team=self.team, path=path,
                     duration_s=round(duration_s, 3), voiced_s=round(voiced, 2),
                     caller=call.caller)  # fmt: skip
        if s.followups is not None:
            s.followups.voicemail(call.call_id, call.caller or call.caller_raw, self.team,
                                  call.queue, path, duration_s, self.promise, call.language,
                                  call.crm.get("name"))  # fmt: skip


def promise_sentence(
    call: InboundCall, team: str, flow_text: str | None
) -> tuple[float | None, str]:
    """When the team will call back, and the sentence that says so."""
    s = call.services
    now = s.clock.wall()
    company_team = s.company.team(team)
    if company_team is None:
        return None, flow_text or say(call.language, "voicemail_intro")
    from frontdesk.followup.promise import promise_due, promise_text

    due = promise_due(now, company_team, s.company.timezone)
    when = promise_text(due, now, s.company.timezone, call.language)
    return due, say(call.language, "voicemail_promise", when=when)
