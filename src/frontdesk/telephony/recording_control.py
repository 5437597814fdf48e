"""Recording on demand: the agent starts, pauses, resumes or stops the recording of their call.

The company's policy decides what may be done (docs/calls.md, "Recording on demand"):

* `on-demand`: nothing is recorded by itself; the agent starts and stops it from the desk.
* any policy: a recording that runs can be paused and resumed by the agent — for card numbers
  and other details that must never be stored (PCI DSS asks for exactly this). Under `all` and
  `queues` the agent cannot stop it or start one the policy did not.

The recording is the caller's stream (the caller left, what the caller hears — the agent — on
the right); paused stretches are left out of the file and listed in its `call.recording` event.
Every change is logged with the agent who made it. A recording started on demand tells the
caller (and the agent) that the call is now recorded (recording_notice.py).
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from frontdesk.config.company import RecordingPolicy
from frontdesk.telephony import TelephonyError
from frontdesk.telephony.recording_notice import say_recording_notice

if TYPE_CHECKING:
    from frontdesk.telephony.contact_centre import ContactCentre
    from frontdesk.telephony.conversation import InboundCall


class RecordingAction(enum.StrEnum):
    START = "start"
    PAUSE = "pause"
    RESUME = "resume"
    STOP = "stop"


class RecordingState(enum.StrEnum):
    OFF = "off"
    RECORDING = "recording"
    PAUSED = "paused"


def recording_state(call: InboundCall) -> RecordingState:
    if not call.recording:
        return RecordingState.OFF
    return RecordingState.PAUSED if call.recording_paused else RecordingState.RECORDING


def control_recording(centre: ContactCentre, agent_id: str, action: RecordingAction) -> str:
    """Applies `action` to the recording of the call `agent_id` is talking on; the new state.
    TelephonyError says why when the policy or the call's state does not allow it."""
    line = centre.line_of(agent_id)
    call = centre.live.get(line.contact) if line is not None and line.talking else None
    if call is None:
        raise TelephonyError(f"{agent_id} is not talking with a caller")
    policy = centre.services.company.recording
    state = recording_state(call)
    media = centre.services.media
    if action is RecordingAction.START:
        if policy is not RecordingPolicy.ON_DEMAND:
            raise TelephonyError(f"recordings are started by the company's policy ({policy})")
        if state is not RecordingState.OFF:
            raise TelephonyError("this call is already being recorded")
        if call.recording_stopped:
            raise TelephonyError("this call's recording was stopped; pause it to leave a part out")
        call.start_recording(on_demand=True)
        if not call.recording:
            raise TelephonyError("this call has no media to record")
    elif action is RecordingAction.STOP:
        if policy is not RecordingPolicy.ON_DEMAND:
            raise TelephonyError(f"the company's policy ({policy}) keeps this recording going")
        if state is RecordingState.OFF:
            raise TelephonyError("this call is not being recorded")
        media.stop_recording(call.call_id)
        call.recording = call.recording_paused = False
        call.recording_stopped = True  # one file per call: a second start would overwrite it
    elif action is RecordingAction.PAUSE:
        if state is not RecordingState.RECORDING:
            raise TelephonyError(f"there is no running recording to pause (it is {state})")
        media.pause_recording(call.call_id)
        call.recording_paused = True
    else:
        if state is not RecordingState.PAUSED:
            raise TelephonyError(f"the recording is not paused (it is {state})")
        media.resume_recording(call.call_id)
        call.recording_paused = False
    s = centre.services
    s.log.append(s.clock.wall(), f"call.recording_{_PAST[action]}", call.call_id,
                 agent=agent_id, policy=str(policy))  # fmt: skip
    if action is RecordingAction.START and line is not None:
        say_recording_notice(line, call)  # the caller is told (recording_notice.py)
    return str(recording_state(call))


_PAST = {
    RecordingAction.START: "started",
    RecordingAction.PAUSE: "paused",
    RecordingAction.RESUME: "resumed",
    RecordingAction.STOP: "stopped",
}
