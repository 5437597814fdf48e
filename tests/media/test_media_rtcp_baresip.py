"""RTCP with a real phone: baresip calls `frontdesk serve`; both ends report (RFC 3550 §6).

baresip (libre) sends SR/RR on the RTP port + 1 and answers our sender reports with LSR/DLSR,
so the `call.quality` event logged when the call ends must show its reports read and a round
trip measured on loopback. The server and the phone are started here (not through the peer
tests' fixtures) so that this file stays with the media tests.
"""

from __future__ import annotations

import math
import random
import re
import shutil
import socket
import struct
import subprocess
import sys
import time
import wave
from pathlib import Path

import pytest

from frontdesk.store.eventlog import EventLog, StoredEvent, open_engine

pytestmark = pytest.mark.peer
READY = re.compile(r"listening for SIP on udp\+tcp (\S+):(\d+)")


def _free_port() -> int:
    """An even port free for UDP and TCP, above the kernel's ephemeral range."""
    for _ in range(200):
        port = random.randrange(61000, 64900, 2)
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u, socket.socket() as t:
                u.bind(("127.0.0.1", port))
                t.bind(("127.0.0.1", port))
        except OSError:
            continue
        return port
    raise RuntimeError("no free port")


def _tone(path: Path, seconds: float) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        wave_ = (
            int(8000 * math.sin(2 * math.pi * 440 * i / 8000)) for i in range(int(8000 * seconds))
        )
        out.writeframes(b"".join(struct.pack("<h", s) for s in wave_))


def _events(data_dir: Path, kind: str) -> list[StoredEvent]:
    return list(EventLog(open_engine(data_dir)).read(kind=kind))


def test_a_baresip_call_reads_the_phones_reports_and_measures_the_round_trip(
    tmp_path: Path,
) -> None:
    if shutil.which("baresip") is None:
        pytest.fail("baresip is not installed; run scripts/setup.sh --with-peers")
    data, log_path = tmp_path / "data", tmp_path / "server.log"
    base = random.randrange(40000, 58000, 2)
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "frontdesk.cli", "serve", "--sip-port", "0", "--http-port",
             "0", "--data-dir", str(data), "--media-workers", "1",
             "--rtp-ports", f"{base}-{base + 200}"],
            stdout=log, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not (ready := READY.search(log_path.read_text())):
            assert server.poll() is None and time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.1)
        target = f"{ready.group(1)}:{ready.group(2)}"
        phone = tmp_path / "baresip"
        phone.mkdir()
        _tone(phone / "tone.wav", 30.0)
        rtp = _free_port()
        (phone / "config").write_text(
            f"sip_listen 127.0.0.1:{_free_port()}\nnet_interface 127.0.0.1\n"
            f"audio_player aufile,{phone / 'heard.wav'}\naudio_source aufile,{phone / 'tone.wav'}\n"
            "audio_alert none\nmodule_path /usr/lib/baresip/modules\n"
            "module g711.so\nmodule aufile.so\nmodule_app menu.so\nmodule_tmp account.so\n"
            f"rtp_ports {rtp}-{rtp + 40}\n"
        )  # fmt: skip
        (phone / "accounts").write_text(
            f"<sip:1001@{target}>;auth_pass=alice1001;answermode=auto\n"
        )
        (phone / "contacts").write_text("")
        # 14 s: libre reports about every 5 s; its second report surely follows an SR of ours.
        subprocess.run(
            ["baresip", "-4", "-f", str(phone), "-t", "14", "-e", f"/dial sip:100@{target}"],
            capture_output=True, timeout=60, check=False,
        )  # fmt: skip
        deadline = time.monotonic() + 15
        while not (quality := _events(data, "call.quality")) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert quality, log_path.read_text()[-3000:]
        q = quality[0].data
        assert q["received"] > 200 and q["sent"] > 200  # about 13 s of two-way audio
        assert q["rtcp_sent"] >= 2  # first within ~3 s, then about every 4 s
        assert q["rtcp_received"] >= 1, str(q)  # the phone's SR/RR were read
        assert q["remote_lost"] == 0 and q["remote_loss_pct"] == 0.0  # loopback
        assert q["rtt_ms"] is not None and 0.0 <= q["rtt_ms"] < 100.0, str(q)  # LSR/DLSR round trip
        assert q["mos_sent"] is not None and q["mos_sent"] > 4.0
        assert q["mos_received"] is not None and q["mos_received"] > 4.0
        assert quality[0].call_id == _events(data, "call.answered")[0].call_id
    finally:
        server.terminate()
        server.wait(15)
