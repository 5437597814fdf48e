"""An ended call is freed at once by reference counting, whatever it was playing when the caller
hung up: the server's cycle collector walks old objects only every few minutes (collector.py),
so a call kept alive by a cycle would stay in memory until then (the whole contact centre in
memory, centre_rig.py)."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Callable
from pathlib import Path

from centre_rig import PROMPTS, Rig

from frontdesk.telephony.conversation import InboundCall, Mode

CALLER = "+447700900123"


def _freed_once_hung_up(rig: Rig, prepare: Callable[[InboundCall], None]) -> None:
    """A queued caller, `prepare`d, hangs up; with the collector off the call must be gone."""

    async def scenario() -> weakref.ref[InboundCall]:
        rig.log_in("alice")
        call = rig.queue_caller("call-1", CALLER)
        await rig.settle()
        prepare(call)
        watched = weakref.ref(call)
        rig.centre.call_ended(call.call_id, "remote_bye")
        rig.calls.pop(call.call_id, None)
        rig.media.listeners.pop(call.call_id, None)
        del call
        await rig.settle()
        return watched

    gc.collect()
    gc.disable()
    try:
        watched = asyncio.run(scenario())
        assert watched() is None, gc.get_referrers(watched())
    finally:
        gc.enable()
        rig.close()


def test_a_caller_who_hangs_up_during_a_prompt_is_freed_without_the_collector(
    tmp_path: Path,
) -> None:
    def mid_prompt(call: InboundCall) -> None:
        call.mode = Mode.FLOW  # back in the menu, a prompt under way and more to follow
        call.speaker.say([PROMPTS / "one.wav", PROMPTS / "two.wav"], then=call.agent_left)
        assert call.speaker.busy

    _freed_once_hung_up(Rig(tmp_path), mid_prompt)


def test_a_caller_who_hangs_up_in_the_queue_is_freed_without_the_collector(
    tmp_path: Path,
) -> None:
    def queued(call: InboundCall) -> None:
        assert call.mode is Mode.QUEUED

    _freed_once_hung_up(Rig(tmp_path), queued)
