"""Mixer: who hears whom, checked by FFT with a distinct tone per participant."""

from __future__ import annotations

import numpy as np
import pytest

from frontdesk.media import MediaError
from frontdesk.media.mixer import Mixer, SuperviseMode, supervise
from frontdesk.media.tones import ToneGenerator, ToneSpec

TONES = {"caller": 400.0, "agent": 1000.0, "supervisor": 2200.0, "third": 3000.0}


def _heard(mixer: Mixer, people: list[str], ticks: int = 25) -> dict[str, set[str]]:
    gens = {p: ToneGenerator(ToneSpec((TONES[p],), (), -10.0)) for p in people}
    outs: dict[str, list[np.ndarray]] = {p: [] for p in people}  # type: ignore[type-arg]
    for _ in range(ticks):
        mixed = mixer.mix({p: g.next_frame() for p, g in gens.items()})
        for p in people:
            outs[p].append(mixed[p])
    heard = {}
    for p in people:
        x = np.concatenate(outs[p]).astype(np.float64)
        spectrum = np.abs(np.fft.rfft(x)) / len(x)
        bins = {q: spectrum[round(TONES[q] * len(x) / 8000)] for q in people}
        heard[p] = {q for q, v in bins.items() if v > 100}
    return heard


def _call(*people: str) -> Mixer:
    m = Mixer()
    for p in people:
        m.add(p)
    return m


def test_two_party_call() -> None:
    assert _heard(_call("caller", "agent"), ["caller", "agent"]) == {
        "caller": {"agent"},
        "agent": {"caller"},
    }


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        (
            SuperviseMode.LISTEN,
            {"caller": {"agent"}, "agent": {"caller"}, "supervisor": {"caller", "agent"}},
        ),
        (
            SuperviseMode.WHISPER,
            {
                "caller": {"agent"},
                "agent": {"caller", "supervisor"},
                "supervisor": {"caller", "agent"},
            },
        ),
        (
            SuperviseMode.BARGE,
            {
                "caller": {"agent", "supervisor"},
                "agent": {"caller", "supervisor"},
                "supervisor": {"caller", "agent"},
            },
        ),
    ],
)
def test_supervision_modes(mode: SuperviseMode, expected: dict[str, set[str]]) -> None:
    m = _call("caller", "agent")
    m.add("supervisor", hears_all=False, heard_by_all=False)
    supervise(m, "supervisor", "agent", "caller", mode)
    assert _heard(m, ["caller", "agent", "supervisor"]) == expected


def test_switching_modes_on_the_fly_and_three_way_call() -> None:
    m = _call("caller", "agent")
    m.add("supervisor", hears_all=False, heard_by_all=False)
    supervise(m, "supervisor", "agent", "caller", SuperviseMode.BARGE)
    supervise(m, "supervisor", "agent", "caller", SuperviseMode.LISTEN)
    assert _heard(m, ["caller", "agent", "supervisor"])["caller"] == {"agent"}
    m.remove("supervisor")
    m.add("third")
    assert _heard(m, ["caller", "agent", "third"]) == {
        "caller": {"agent", "third"},
        "agent": {"caller", "third"},
        "third": {"caller", "agent"},
    }


def test_saturation_and_missing_frames() -> None:
    m = _call("a", "b", "c")
    loud = np.full(160, 30000, dtype=np.int16)
    out = m.mix({"a": loud, "b": loud})  # c sends nothing this tick
    assert out["c"].tolist() == [32767] * 160  # saturated, not wrapped
    assert out["a"].tolist() == [30000] * 160
    assert m.mix({"a": -loud, "b": -loud})["c"].tolist() == [-32768] * 160
    with pytest.raises(MediaError):
        m.set_hears("a", "a")
    with pytest.raises(MediaError):
        m.add("a")
    with pytest.raises(MediaError):
        m.remove("zz")
