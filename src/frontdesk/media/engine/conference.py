"""Conferences inside a worker: decoded legs mixed with a who-hears-whom matrix each tick.

Members' packets go into a jitter buffer instead of being relayed; once per 20 ms tick every
member's frame is popped, `Mixer.mix` computes what each member hears (never their own voice),
and the result is encoded and sent as generated audio. Listen, whisper and barge are rows and
columns of the same matrix (`frontdesk.media.mixer`).
"""

from __future__ import annotations

from frontdesk.media import MediaError
from frontdesk.media.engine.protocol import Event, MixRole
from frontdesk.media.engine.stream import Stream
from frontdesk.media.jitter import JitterBuffer
from frontdesk.media.mixer import Mixer


class Conference:
    def __init__(self, group: str) -> None:
        self.group = group
        self.mixer = Mixer()
        self.members: dict[str, Stream] = {}

    def arrange(
        self, members: dict[str, Stream], roles: dict[str, MixRole], agent: str | None
    ) -> None:
        """Set membership and the matrix from scratch for the given roles."""
        for name in list(self.members):
            if name not in members:
                self.remove(name)
        for name, stream in members.items():
            if name not in self.members:
                self.mixer.add(name)
                self.members[name] = stream
                stream.mixing = self.group
                stream.jitter = JitterBuffer(stream.codec)
                stream.peer = None
        for listener in self.members:
            for speaker in self.members:
                if listener != speaker:
                    gain = _gain(roles, agent, listener, speaker)
                    self.mixer.set_hears(listener, speaker, gain)

    def remove(self, name: str) -> None:
        stream = self.members.pop(name, None)
        if stream is None:
            return
        self.mixer.remove(name)
        stream.mixing = None
        stream.jitter = None

    def tick(self, out_buf: bytearray, out_view: memoryview, now: float, out: list[Event]) -> None:
        frames = {}
        for name, stream in self.members.items():
            assert stream.jitter is not None
            frames[name] = stream.jitter.pop(now).samples
        for name, pcm in self.mixer.mix(frames).items():
            stream = self.members[name]
            if stream.playback is None:  # an announcement to one member overrides the mix
                stream.send_generated(stream.codec.encode(pcm), out_buf, out_view, now)
                if stream.recorder is not None:
                    stream.rec_tx.append(pcm)


def _gain(roles: dict[str, MixRole], agent: str | None, listener: str, speaker: str) -> float:
    """How loud `listener` hears `speaker`: supervisors in LISTEN are heard by nobody, in
    WHISPER only by the agent; everyone else hears everyone."""
    role = roles.get(speaker, MixRole.MEMBER)
    if role is MixRole.LISTEN:
        return 0.0
    if role is MixRole.WHISPER:
        if agent is None:
            raise MediaError("a whisper needs the agent's stream named")
        return 1.0 if listener == agent else 0.0
    return 1.0
