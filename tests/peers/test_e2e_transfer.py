"""Hold with music, blind and attended transfers with real phones.

`frontdesk serve` runs the small company of live_company.py; the caller is sipp (the demo
CRM's VIP account caller, whose account owner is alice, so the routing engine always gives
the call to alice); alice's and bob's phones are baresip (alice plays 440 Hz, bob 660 Hz), or
for the attended transfer from a phone alice is a sipp scenario that holds, calls bob's
extension and sends REFER with Replaces (baresip 1.0 has no attended transfer). What the
caller heard is read from the call's own recording (its second channel).
"""

from __future__ import annotations

import json
import math
import socket
import subprocess
import time
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from conftest import ServerProcess, free_port, start_web_centre
from sipp_caller import caller_scenario, play
from test_baresip import baresip_dir

from frontdesk.crm.demo import DEMO_CALLERS
from frontdesk.media.wav import read_wav

pytestmark = pytest.mark.peer
PASSWORDS = {"1001": "alice1001", "1002": "bob1002"}


def write_tone(path: Path, freq: float, seconds: float = 60.0) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        t = np.arange(int(8000 * seconds)) / 8000
        out.writeframes((8000 * np.sin(2 * math.pi * freq * t)).astype("<i2").tobytes())


class Phone:
    """A baresip phone that answers by itself and takes commands over its ctrl_tcp socket."""

    def __init__(self, centre: ServerProcess, tmp_path: Path, extension: str, freq: float) -> None:
        account = (f"<sip:{extension}@{centre.host}:{centre.port}>;auth_pass="
                   f"{PASSWORDS[extension]};answermode=auto;regint=60")  # fmt: skip
        (tmp_path / extension).mkdir()
        folder = baresip_dir(tmp_path / extension, centre, account)
        write_tone(folder / "tone.wav", freq)
        self.ctrl = free_port()
        with (folder / "config").open("a") as config:
            config.write(f"module_app ctrl_tcp.so\nctrl_tcp_listen 127.0.0.1:{self.ctrl}\n")
        self.log_path = folder / "baresip.log"
        self.log = self.log_path.open("wb")
        self.proc = subprocess.Popen(["baresip", "-4", "-f", str(folder)], stdout=self.log,
                                     stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)  # fmt: skip

    def command(self, command: str, params: str = "") -> str:
        """Runs a baresip command (its long name), returns its answer's text."""
        message = json.dumps({"command": command, "params": params, "token": "t"}).encode()
        # Generous: on a loaded two-core machine baresip once took over 5 s to answer.
        with socket.create_connection(("127.0.0.1", self.ctrl), timeout=20) as sock:
            sock.sendall(f"{len(message)}:".encode() + message + b",")
            data = b""
            while not data.endswith(b","):
                try:
                    chunk = sock.recv(4096)
                except TimeoutError:
                    self.log.flush()
                    tail = self.log_path.read_text(errors="replace")[-3000:]
                    raise AssertionError(f"baresip did not answer {command!r}:\n{tail}") from None
                if not chunk:
                    break
                data += chunk
        return data.decode(errors="replace")

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


@contextmanager
def phones(centre: ServerProcess, tmp_path: Path, **tones: float) -> Iterator[dict[str, Phone]]:
    """Registered baresip phones by extension, e.g. phones(..., **{"1001": 440})."""
    before = len(centre.events("endpoint.registered"))
    started = {ext: Phone(centre, tmp_path, ext, freq) for ext, freq in tones.items()}
    try:
        centre.wait_for_events("endpoint.registered", before + len(started), timeout=20)
        time.sleep(0.6)  # the contact centre logs agents in on its next tick
        yield started
    finally:
        for phone in started.values():
            phone.close()


@contextmanager
def calling(centre: ServerProcess, tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """start_caller's sipp, ended and its pipe closed however the test ends (a test that
    fails mid-call otherwise leaves the pipe for another test's garbage collection)."""
    proc = start_caller(centre, tmp_path)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def start_caller(centre: ServerProcess, tmp_path: Path) -> subprocess.Popen[bytes]:
    """The VIP account caller: sends the pcap's speech, stays until Frontdesk hangs up (the
    flow's end, once the agent who has them hangs up), for at most 60 s."""
    body = play("g711a.pcap", 10)
    text = caller_scenario(body, caller=DEMO_CALLERS["vip_account"], dialled="100",
                           we_hang_up=False)  # fmt: skip
    scenario = tmp_path / f"caller-{time.monotonic_ns()}.xml"
    scenario.write_text(text.replace('timeout="20000"', 'timeout="60000"'))
    media = free_port() // 2 * 2
    command = ["sipp", f"{centre.host}:{centre.port}", "-i", "127.0.0.1", "-p", str(free_port()),
               "-sf", str(scenario), "-m", "1", "-mi", "127.0.0.1", "-mp", str(media),
               "-nostdin", "-timeout", "90s", "-timeout_error"]  # fmt: skip
    return subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)  # fmt: skip


def finish(proc: subprocess.Popen[bytes], centre: ServerProcess) -> None:
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0, out.decode(errors="replace")[-3000:] + centre.log()[-4000:]


def one(centre: ServerProcess, kind: str, timeout: float = 20.0) -> dict[str, object]:
    found = centre.wait_for_events(kind, 1, timeout=timeout)
    assert found, f"no {kind} event:\n" + centre.log()[-4000:]
    return dict(found[0].data) | {"at": found[0].at, "call_id": found[0].call_id}


# -- what the caller heard --------------------------------------------------------------------
def heard(centre: ServerProcess, call_id: str) -> np.ndarray:
    """What the caller heard: the recording's second channel, full scale 1.0."""
    [rec] = [e for e in centre.wait_for_events("call.recording", 1, timeout=15)
             if e.call_id == call_id]  # fmt: skip
    audio = read_wav(str(rec.data["path"]))
    samples = audio.samples[:, 1].astype(np.float64)
    samples /= 32768.0 if np.abs(samples).max() > 2.0 else 1.0
    return samples


def what_was_heard(samples: np.ndarray, step_s: float = 0.5) -> list[tuple[str, int]]:
    """The recording as a sequence of (sound, half-seconds), in order, silences and mixed
    transitions left out. Read from the audio itself, not placed by event times: a worker
    that skipped ticks on a loaded machine makes a recording shorter than the call, and
    times mapped from its end would drift."""
    step = int(8000 * step_s)
    runs: list[tuple[str, int]] = []
    for at in range(0, len(samples) - step + 1, step):
        sound = sounds_like(samples[at : at + step])
        if sound in ("silence", "mixed"):
            continue
        if runs and runs[-1][0] == sound:
            runs[-1] = (sound, runs[-1][1] + 1)
        else:
            runs.append((sound, 1))
    return runs


def heard_in_order(runs: list[tuple[str, int]], *expected: tuple[str, int]) -> bool:
    """Each (sound, at least this many half-seconds) is heard, in this order."""
    position = 0
    for sound, least in expected:
        while position < len(runs) and not (runs[position][0] == sound
                                            and runs[position][1] >= least):  # fmt: skip
            position += 1
        if position == len(runs):
            return False
        position += 1
    return True


def share(x: np.ndarray, freq: float) -> float:
    """The share of the window's energy within 25 Hz of `freq`."""
    power = np.abs(np.fft.rfft(x * np.hanning(len(x)))) ** 2
    freqs = np.fft.rfftfreq(len(x), 1 / 8000)
    return float(power[np.abs(freqs - freq) < 25].sum() / max(power.sum(), 1e-12))


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x**2)))


def sounds_like(x: np.ndarray) -> str:
    """'silence', 'alice' (440 Hz), 'bob' (660 Hz) or 'music' (the hold loop's chords)."""
    if rms(x) < 0.003:
        return "silence"
    if share(x, 440) > 0.6:
        return "alice"
    if share(x, 660) > 0.6:
        return "bob"
    return "music" if share(x, 440) + share(x, 660) < 0.2 else "mixed"


# -- the tests ---------------------------------------------------------------------------------
def test_hold_plays_music_and_a_phone_refer_hands_the_caller_to_a_colleague(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    centre = start_web_centre(tmp_path, monkeypatch)
    try:
        with phones(centre, tmp_path, **{"1001": 440, "1002": 660}) as ph, \
                calling(centre, tmp_path) as caller:  # fmt: skip
            connected = one(centre, "call.connected")
            assert connected["agent"] == "alice"
            time.sleep(1.0)
            ph["1001"].command("hold")
            held = one(centre, "call.held", timeout=10)
            time.sleep(2.5)
            ph["1001"].command("resume")
            resumed = one(centre, "call.resumed", timeout=10)
            time.sleep(1.5)
            ph["1001"].command("transfer", f"sip:1002@{centre.host}:{centre.port}")
            transferred = one(centre, "call.transferred", timeout=10)
            bob = centre.wait_for_events("call.connected", 2, timeout=15)
            time.sleep(2.8)
            ph["1002"].command("hangup")
            finish(caller, centre)
        call_id = str(connected["call_id"])
        assert held["by"] == "phone" and resumed["call_id"] == call_id
        assert 1.5 < float(resumed["held_s"]) < 6.0
        assert transferred["to"] == "bob" and transferred["transfer"] == "blind"
        assert bob[-1].data["agent"] == "bob"
        # alice's talk excludes the hold, which is counted on its own (AHT = talk+hold+wrap).
        ended = [e for e in centre.wait_for_events("acd.call_ended", 1) if e.call_id == call_id]
        assert ended and ended[0].data["agent_id"] == "alice"
        assert abs(float(ended[0].data["hold_time"]) - float(resumed["held_s"])) < 0.01
        # The caller heard alice (440 Hz), the music while held (2.5 s), alice again (1.5 s),
        # then bob (660 Hz, 2.8 s); before alice, maybe the queue's music.
        runs = what_was_heard(heard(centre, call_id))
        assert heard_in_order(runs, ("alice", 1), ("music", 3), ("alice", 2), ("bob", 3)), runs
    finally:
        assert centre.stop() == 0, centre.log()[-3000:]


# -- alice as a sipp phone: hold, call bob, REFER with Replaces --------------------------------
_SDP = """v=0
      o=alice 1 {version} IN IP4 [local_ip]
      s=-
      c=IN IP4 [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0 101
      a=rtpmap:0 PCMU/8000
      a=rtpmap:101 telephone-event/8000
      a={direction}"""
_OK = """
  <send><![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

  ]]></send>"""
# In the caller's dialog sipp is the UAS: its tag is in To of Frontdesk's INVITE; requests it
# sends there carry that tag in From and Frontdesk's From (captured) in To. The consult call
# has the Call-ID "c///<call id>": sipp files messages under the part after "///". The
# colleague's extension is sipp's service (-s); -auth_uri makes its digest answer name it.
AGENT = """<?xml version="1.0" encoding="UTF-8"?>
<scenario name="agent phone: hold, consult, attended transfer">
  <recv request="INVITE">
    <action><ereg regexp=".*" search_in="hdr" header="From:" assign_to="fd"/></action>
  </recv>
  <send><![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]alice[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:1001@[local_ip]:[local_port]>
      Content-Type: application/sdp
      Content-Length: [len]

      {sdp_talk}
  ]]></send>
  <recv request="ACK"/>
  <pause milliseconds="{talk_ms}"/>
  <send retrans="500"><![CDATA[
      INVITE sip:frontdesk@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:1001@[local_ip]:[local_port]>;tag=[pid]alice[call_number]
      To: [$fd]
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:1001@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      {sdp_hold}
  ]]></send>
  <recv response="100" optional="true"/>
  <recv response="200"/>
  <send><![CDATA[
      ACK sip:frontdesk@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:1001@[local_ip]:[local_port]>;tag=[pid]alice[call_number]
      To: [$fd]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0

  ]]></send>
  <pause milliseconds="1500"/>
  <send retrans="500"><![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:1001@[remote_ip]>;tag=consult[pid]
      To: <sip:1002@[remote_ip]:[remote_port]>
      Call-ID: c///[call_id]
      CSeq: 1 INVITE
      Contact: <sip:1001@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      {sdp_talk}
  ]]></send>
  <recv response="100" optional="true"/>
  <recv response="401" auth="true"/>
  <send><![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      [last_Via:]
      From: <sip:1001@[remote_ip]>;tag=consult[pid]
      To: <sip:1002@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: c///[call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0

  ]]></send>
  <send retrans="500"><![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:1001@[remote_ip]>;tag=consult[pid]
      To: <sip:1002@[remote_ip]:[remote_port]>
      Call-ID: c///[call_id]
      CSeq: 2 INVITE
      Contact: <sip:1001@[local_ip]:[local_port]>
      [authentication username=1001 password=alice1001]
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      {sdp_talk}
  ]]></send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="200">
    <action>
      <ereg regexp="tag=([^;> ]+)" search_in="hdr" header="To:" assign_to="_,bobtag"/>
    </action>
  </recv>
  <send><![CDATA[
      ACK sip:frontdesk@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:1001@[remote_ip]>;tag=consult[pid]
      To: <sip:1002@[remote_ip]:[remote_port]>;tag=[$bobtag]
      Call-ID: c///[call_id]
      CSeq: 2 ACK
      Max-Forwards: 70
      Content-Length: 0

  ]]></send>
  <pause milliseconds="{consult_ms}"/>
  <send retrans="500"><![CDATA[
      REFER sip:frontdesk@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:1001@[local_ip]:[local_port]>;tag=[pid]alice[call_number]
      To: [$fd]
      Call-ID: [call_id]
      CSeq: 2 REFER
      Contact: <sip:1001@[local_ip]:[local_port]>
      Refer-To: <sip:1999@[remote_ip]:[remote_port]>
      Max-Forwards: 70
      Content-Length: 0

  ]]></send>
  <recv response="404"/>
  <send retrans="500"><![CDATA[
      REFER sip:frontdesk@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:1001@[local_ip]:[local_port]>;tag=[pid]alice[call_number]
      To: [$fd]
      Call-ID: [call_id]
      CSeq: 3 REFER
      Contact: <sip:1001@[local_ip]:[local_port]>
      Refer-To: <sip:1002@[remote_ip]:[remote_port]?Replaces={replaces}>
      Referred-By: <sip:1001@[remote_ip]>
      Max-Forwards: 70
      Content-Length: 0

  ]]></send>
  <recv response="202"/>
  <recv request="NOTIFY">
    <action><ereg regexp="SIP/2.0 100" search_in="body" check_it="true" assign_to="_"/></action>
  </recv>{ok}
  <recv request="NOTIFY">
    <action><ereg regexp="SIP/2.0 200" search_in="body" check_it="true" assign_to="_"/></action>
  </recv>{ok}
  <recv request="BYE"/>{ok}
  <recv request="BYE"/>{ok}
</scenario>
"""


# The consult call's dialog as RFC 3891 §6.1 writes it, escaped into the Refer-To URI.
REPLACES = "c%2F%2F%2F[call_id]%3Bto-tag%3D[$bobtag]%3Bfrom-tag%3Dconsult[pid]"


def agent_scenario(talk_ms: int, consult_ms: int) -> str:
    return AGENT.format(
        replaces=REPLACES,
        sdp_talk=_SDP.format(version=1, direction="sendrecv"),
        sdp_hold=_SDP.format(version=2, direction="sendonly"),
        talk_ms=talk_ms, consult_ms=consult_ms, ok=_OK,
    )  # fmt: skip


def sipp_alice(centre: ServerProcess, tmp_path: Path) -> subprocess.Popen[bytes]:
    """Registers 1001 from a port with sipp, then answers from that same port as alice."""
    port, media = free_port(), free_port() // 2 * 2
    register = tmp_path / "register.xml"
    text = (Path(__file__).parent / "scenarios" / "register_auth.xml").read_text()
    register.write_text(text.replace("EXTENSION", "1001").replace("PASSWORD", "alice1001"))
    common = [f"{centre.host}:{centre.port}", "-i", "127.0.0.1", "-p", str(port), "-m", "1",
              "-nostdin", "-timeout_error", "-s", "1002"]  # fmt: skip
    done = subprocess.run(["sipp", *common, "-sf", str(register), "-timeout", "15s"],
                          capture_output=True, timeout=30, cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stdout.decode(errors="replace")[-2000:]
    scenario = tmp_path / "alice.xml"
    server = f"{centre.host}:{centre.port}"
    scenario.write_text(agent_scenario(talk_ms=6000, consult_ms=1500))
    return subprocess.Popen(["sipp", *common, "-sf", str(scenario), "-timeout", "90s",
                             "-auth_uri", f"1002@{server}",
                             "-mi", "127.0.0.1", "-mp", str(media), "-trace_err"],
                            cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)  # fmt: skip


def test_attended_transfer_from_a_phone_by_refer_with_replaces(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    centre = start_web_centre(tmp_path, monkeypatch)
    try:
        with phones(centre, tmp_path, **{"1002": 660}) as ph:
            alice = sipp_alice(centre, tmp_path)
            time.sleep(0.6)  # alice is logged in on the contact centre's next tick
            with calling(centre, tmp_path) as caller:
                connected = one(centre, "call.connected")
                finish(alice, centre)
                transferred = one(centre, "call.transferred", timeout=10)
                time.sleep(2.8)
                ph["1002"].command("hangup")
                finish(caller, centre)
        call_id = str(connected["call_id"])
        assert connected["agent"] == "alice"
        assert transferred["transfer"] == "attended" and transferred["to"] == "bob"
        assert transferred["via"] == "phone" and transferred["call_id"] == call_id
        refused = one(centre, "call.transfer_refused")
        assert refused["status"] == 404 and "1999" in str(refused["reason"])
        consult = one(centre, "call.consult_ended")
        assert consult["outcome"] == "completed" and consult["colleague"] == "bob"
        [started] = centre.events("call.consult_started")
        assert started.call_id == call_id and started.data["via"] == "phone"
        ended = [e for e in centre.wait_for_events("acd.call_ended", 1) if e.call_id == call_id]
        assert ended[0].data["agent_id"] == "alice" and float(ended[0].data["hold_time"]) > 2
        assert one(centre, "call.held")["by"] == "phone"
        # Held for the consultation the caller heard music, then bob once it was completed.
        runs = what_was_heard(heard(centre, call_id))
        assert heard_in_order(runs, ("music", 2), ("bob", 3)), runs
    finally:
        assert centre.stop() == 0, centre.log()[-3000:]
