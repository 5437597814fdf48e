"""What the simulated people say, made into `Script`s: espeak-ng speech when it is installed
(through the media layer's `TtsCache`, so each line is synthesised once per data directory),
otherwise a murmur of tones with the rhythm of speech, so the line is never silent.

Agents open the conversation; callers start after a pause, so a supervisor listening in
hears something like a conversation rather than two people talking over each other.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from frontdesk.demo.voice import Script
from frontdesk.media import SAMPLE_RATE, MediaError
from frontdesk.media.tones import ToneSpec, tone
from frontdesk.media.tts import TtsCache

AGENT_VOICES = ("en-gb", "en-gb+f3", "en-us+m3", "en-gb+f4", "en-us")
CALLER_VOICES = {"en": ("en-gb+m2", "en-us+f2", "en-gb+f1"), "fr": ("fr-fr+f2", "fr-fr+m1")}
PAUSE_S = 3.5
CALLER_LEAD_S = 4.0  # the agent speaks first


def agent_lines(first_name: str) -> tuple[str, ...]:
    return (
        f"Demo Parcels, {first_name} speaking. How can I help you today?",
        "Let me have a look at that for you.",
        "I can see it here. It is on its way and should reach you tomorrow morning.",
        "Is there anything else I can help you with?",
    )


def caller_lines(record: Mapping[str, Any] | None) -> tuple[tuple[str, ...], str]:
    """What a caller says, and in which language ("en" or "fr")."""
    record = record or {}
    name = str(record.get("name") or "")
    if str(record.get("language") or "en").startswith("fr"):
        return (
            f"Bonjour, c'est {name or 'un client'}. J'appelle au sujet de mon colis.",
            "Oui, la référence est F D un deux trois quatre.",
            "Très bien, merci beaucoup.",
        ), "fr"
    opening = f"Hello, this is {name}." if name else "Hello there."
    return (
        f"{opening} I am calling about a parcel that has not arrived yet.",
        "Yes, the reference is F D one two three four five six.",
        "That is great, thank you very much.",
    ), "en"


class ScriptBook:
    """Builds scripts; blocking (espeak-ng runs): call from a worker thread."""

    def __init__(self, directory: Path, program: str = "espeak-ng") -> None:
        self.directory = directory
        self.program = program
        self.speaks = shutil.which(program) is not None

    def script(self, lines: Sequence[str], voice: str, lead_s: float = 0.0) -> Script:
        parts: list[NDArray[np.int16]] = [_silence(lead_s)]
        for line in lines:
            parts += [self._say(line, voice), _silence(PAUSE_S)]
        return Script(np.concatenate(parts))

    def _say(self, line: str, voice: str) -> NDArray[np.int16]:
        if self.speaks:
            try:
                return TtsCache(self.directory, voice=voice, program=self.program).load(line)
            except MediaError:
                self.speaks = False  # a voice or the program failed: murmur from now on
        return murmur(line)


def murmur(line: str) -> NDArray[np.int16]:
    """Tones in the rhythm of `line`: one short syllable per vowel group, pitch wandering."""
    syllables = max(1, sum(1 for word in line.split() for _ in range(1 + len(word) // 4)))
    pitch = 140.0 + 40.0 * (len(line) % 3)
    pieces = []
    for index in range(syllables):
        frequency = pitch * (1.0 + 0.12 * np.sin(index * 1.3))
        pieces.append(tone(ToneSpec((frequency, 2 * frequency), (), -22.0), 0.16))
        pieces.append(_silence(0.05))
    return np.concatenate(pieces)


def _silence(seconds: float) -> NDArray[np.int16]:
    return np.zeros(round(seconds * SAMPLE_RATE), dtype=np.int16)
