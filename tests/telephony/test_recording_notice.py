"""A recording the agent starts mid-call tells the caller (telephony/recording_notice.py; the
whole contact centre in memory, centre_rig.py, whose media fake lists what was played where).

The recording starts first and the notice follows on the caller's stream (so it opens the
file) and on the agent's leg; a pause while it plays takes effect at once and the notice goes
on; resuming says nothing; a held caller hears the notice and then their music again, and the
agent, who is not listening, hears nothing; the company's own notice wins over the built-in.
"""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import pytest
from centre_rig import Rig

from frontdesk.config import Company, load_demo_company
from frontdesk.config.company import RecordingPolicy
from frontdesk.telephony import TelephonyError
from frontdesk.telephony.recording_control import RecordingAction, control_recording

CALLER = "+447700900123"
NOW_RECORDED = "This call is now being recorded."


def on_demand(notice: str | None = None) -> Company:
    return dataclasses.replace(load_demo_company(), recording=RecordingPolicy.ON_DEMAND,
                               recording_notice=notice)  # fmt: skip


async def talking(rig: Rig) -> str:
    """Alice answers a caller and is bridged to them; returns her leg's stream."""
    rig.log_in("alice")
    rig.queue_caller("call-1", CALLER)
    rig.dialer.answer(rig.dialer.ringing(rig.phone_of("alice")))
    leg = rig.dialer.legs[-1].stream
    await rig.finish_prompts(leg)  # the whisper, then the bridge
    assert ("bridge", "call-1", leg) in rig.media.commands
    return leg


def after(rig: Rig, mark: int) -> list[tuple[str, str, str]]:
    return rig.media.commands[mark:]


def test_the_caller_and_the_agent_hear_the_notice_once_recording_has_started(
    tmp_path: Path,
) -> None:
    rig = Rig(tmp_path, on_demand())

    async def scenario() -> None:
        leg = await talking(rig)
        mark = len(rig.media.commands)
        assert control_recording(rig.centre, "alice", RecordingAction.START) == "recording"
        assert after(rig, mark) == [
            ("record", "call-1", "at once"),
            ("play", "call-1", NOW_RECORDED),
            ("play", leg, NOW_RECORDED),
        ]
        # A pause while the notice plays: at once, and the caller still hears the notice.
        mark = len(rig.media.commands)
        assert control_recording(rig.centre, "alice", RecordingAction.PAUSE) == "paused"
        assert after(rig, mark) == [("record-pause", "call-1", "")]
        assert rig.media.playing["call-1"].name == NOW_RECORDED
        assert await rig.finish_prompts("call-1") == [NOW_RECORDED]
        assert await rig.finish_prompts(leg) == [NOW_RECORDED]
        mark = len(rig.media.commands)
        assert control_recording(rig.centre, "alice", RecordingAction.RESUME) == "recording"
        await rig.settle()
        assert after(rig, mark) == [("record-resume", "call-1", "")]  # nothing said again
        assert "call-1" not in rig.media.playing and leg not in rig.media.playing

    asyncio.run(scenario())
    rig.close()
    kinds = [k for k, _, _ in rig.log.events if k.startswith(("call.recording", "call.consent"))]
    assert kinds == ["call.recording_started", "call.consent_notice",
                     "call.recording_paused", "call.recording_resumed"]  # fmt: skip
    [(_, notice)] = rig.log.of("call.consent_notice")
    assert notice["said"] == NOW_RECORDED and notice["heard_by"] == ["caller", "agent"]


def test_a_held_caller_hears_the_notice_then_their_music_and_the_agent_nothing(
    tmp_path: Path,
) -> None:
    notice = "Calls to Parcelbridge are recorded for training."
    rig = Rig(tmp_path, on_demand(notice))

    async def scenario() -> None:
        leg = await talking(rig)
        line = rig.centre.line_of("alice")
        assert line is not None
        line.hold_caller("phone")
        music = rig.media.playing["call-1"].name
        control_recording(rig.centre, "alice", RecordingAction.START)
        assert notice not in rig.media.said(leg)
        assert await rig.finish_prompts("call-1") == [notice]
        assert rig.media.playing["call-1"].name == music  # the music is back

    asyncio.run(scenario())
    rig.close()
    [(_, logged)] = rig.log.of("call.consent_notice")
    assert logged["heard_by"] == ["caller"]


@pytest.mark.parametrize("policy", [RecordingPolicy.ALL, RecordingPolicy.QUEUES])
def test_under_a_policy_the_agent_cannot_start_one_and_nothing_is_said(
    tmp_path: Path, policy: RecordingPolicy
) -> None:
    company = dataclasses.replace(load_demo_company(), recording=policy)
    rig = Rig(tmp_path, company)

    async def scenario() -> None:
        leg = await talking(rig)
        before = list(rig.media.commands)
        with pytest.raises(TelephonyError, match="policy"):
            control_recording(rig.centre, "alice", RecordingAction.START)
        assert rig.media.commands == before
        assert leg not in rig.media.playing

    asyncio.run(scenario())
    rig.close()
    assert rig.log.of("call.consent_notice") == []
