"""The recording notice, live: under `recording: queues` a caller reaching a recorded queue hears
the company's notice first and only then joins the queue; the notice is at the very start of
the recording (nothing of the conversation is recorded before they were told)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_e2e_queue_peers import (
    Centre,
    heard_at,
    prompt_audio,
    recording_of,
    running,
    start_centre,
)

pytestmark = pytest.mark.peer
NOTICE = "This call may be recorded for training."


def _recorded_queue_with_a_notice(text: str) -> str:
    text = text.replace("recording: all", f'recording: queues\n  recording_notice: "{NOTICE}"')
    text = text.replace("wrap_up_s: 0}", "wrap_up_s: 0, record: true}")
    assert "record: true" in text
    return text


@pytest.fixture
def centre(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Centre]:
    yield from running(start_centre(tmp_path, monkeypatch, announce=30, api=False,
                                    edit=_recorded_queue_with_a_notice))  # fmt: skip


def test_a_caller_reaching_a_recorded_queue_hears_the_notice_before_anything_else(
    centre: Centre,
) -> None:
    caller = centre.caller("+447700900611", '<pause milliseconds="8000"/>', hang_up_after=True)
    # No agent is in, so the queue sends the caller on to its voicemail at once: what matters
    # is that the queue got the caller only after the notice.
    [closed] = centre.wait("the queue took the caller", lambda: centre.events("acd.closed"))
    caller.finished(timeout=60)
    [answered] = centre.events("call.answered", caller.call_id)
    notice = prompt_audio(centre, NOTICE, "en-gb")
    heard = recording_of(centre, caller.call_id)[:, 0]
    at_notice, alike = heard_at(heard, notice)
    assert alike > 0.8 and at_notice < 1.0, (at_notice, alike)
    assert closed.at - answered.at > 0.8 * len(notice) / 8000, (closed.at, answered.at)
