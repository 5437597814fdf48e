"""Peers for the queue and restart end-to-end tests (this module holds no tests of its own).

A small company of its own (one queue, announcements every few seconds, the callback key, a
short ring timeout, a trunk to a "carrier" that is a sipp UAS standing for the customer's
phone); sipp callers that echo what they hear (`-rtp_echo`, so the call recording's caller
channel holds exactly what reached them) and press keys from the RFC 4733 pcaps sip-tester
ships; baresip agents that answer by themselves, or only ring; and alice's API token for the
desk's presence and hang-up (so a test decides when an agent frees up).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from conftest import READY, ServerProcess, free_port
from scipy.signal import correlate
from sipp_caller import PCAPS, caller_scenario
from test_baresip import baresip_dir, write_tone

from frontdesk.accounts.model import NewUser, Role
from frontdesk.accounts.store import AccountStore
from frontdesk.clock import SystemClock
from frontdesk.media.tts import TtsCache
from frontdesk.media.wav import load_8k_mono, read_wav
from frontdesk.store.eventlog import StoredEvent, open_engine

FLOWS = """\
main:
  languages: [en]
  timezone: Europe/London
  voices: {en: en-gb}
  nodes:
    # Straight to the queue: a caller's keys are timed from the answer, and a prompt before
    # would take as long as espeak-ng takes on a loaded machine.
    wait: {type: queue, queue: line, after: bye}
    bye: {type: hangup, reason: caller served}
"""

COMPANY = """\
company:
  name: Queue Test
  domain: frontdesk.test
  timezone: Europe/London
  recording: all
  flows: flows.yaml
numbers:
  - {{number: "+442079460100", aliases: ["100"], flow: main}}
teams:
  - {{name: parcels, respond_within_h: 4}}
queues:
  - {{name: line, team: parcels, skills: {{parcels: 1}}, announce_every_s: {announce},
     callback_key: "*", ring_timeout_s: {ring}, strategy: {strategy}, wrap_up_s: 0}}
agents:
  - {{id: alice, name: Alice, extension: "1001", password: alice1001, languages: [en],
     skills: {{parcels: 5}}, teams: [parcels]}}
  - {{id: bob, name: Bob, extension: "1002", password: bob1002, languages: [en],
     skills: {{parcels: 3}}, teams: [parcels]}}
trunks:
  - {{name: carrier, host: 127.0.0.1, port: {trunk_port}}}
"""
PASSWORDS = {"1001": "alice1001", "1002": "bob1002"}
SIPP_TIMEOUT_S = 120


@dataclass
class Centre:
    """`frontdesk serve` with the company above, and what the tests drive it with."""

    server: ServerProcess
    tmp_path: Path
    company: Path | None = None  # None: the built-in demo company
    trunk_port: int = 0
    token: str = ""
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        """alice's desk API (Bearer token: no session, no CSRF token)."""
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.server.http_url, timeout=10) as client:
            return client.request(method, path, json=body, headers=headers)

    def events(self, kind: str, call_id: str | None = None) -> list[StoredEvent]:
        return [e for e in self.server.events(kind) if call_id is None or e.call_id == call_id]

    def wait(self, what: str, found: Callable[[], Any], timeout: float = 30.0) -> Any:
        """Polls `found` until it gives something true; fails saying `what` did not happen."""
        deadline = time.monotonic() + timeout
        while True:
            result = found()
            if result:
                return result
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} did not happen within {timeout} s\n"
                                     + self.server.log()[-4000:])  # fmt: skip
            time.sleep(0.1)

    def caller(self, number: str, body: str = "", hang_up_after: bool = False) -> Caller:
        """A sipp caller dialling 100 from `number`, echoing what it hears; after `body` it
        hangs up (`hang_up_after`) or waits for Frontdesk's BYE."""
        scenario = self.tmp_path / f"caller-{number}-{time.monotonic_ns()}.xml"
        text = caller_scenario(body, caller=number, dialled="100", we_hang_up=hang_up_after)
        scenario.write_text(text.replace('timeout="20000"', f'timeout="{SIPP_TIMEOUT_S}000"'))
        media = free_port() // 2 * 2
        s = self.server
        command = ["sipp", f"{s.host}:{s.port}", "-i", "127.0.0.1", "-p", str(free_port()),
                   "-sf", str(scenario), "-m", "1", "-mi", "127.0.0.1", "-mp", str(media),
                   "-rtp_echo", "-nostdin", "-timeout", f"{SIPP_TIMEOUT_S}s",
                   "-timeout_error"]  # fmt: skip
        proc = subprocess.Popen(command, cwd=self.tmp_path, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)  # fmt: skip
        self.procs.append(proc)
        return Caller(self, number, proc)

    def customer(self, number: str) -> Path:
        """The customer's phone behind the carrier: a baresip listening on the trunk's port as
        `number`, answering by itself and playing a tone; returns the folder where it writes
        what it hears (baresip's sndfile module, `*-dec.wav`)."""
        home = self.tmp_path / f"customer-{number}"
        (home / "heard").mkdir(parents=True)
        write_tone(home / "tone.wav", 60.0)
        rtp = free_port() // 2 * 2
        (home / "config").write_text(
            f"sip_listen 127.0.0.1:{self.trunk_port}\nnet_interface 127.0.0.1\n"
            f"audio_source aufile,{home / 'tone.wav'}\naudio_alert none\n"
            "module_path /usr/lib/baresip/modules\nmodule g711.so\nmodule aufile.so\n"
            f"module sndfile.so\nsnd_path {home / 'heard'}\n"
            "module_app menu.so\nmodule_tmp account.so\n"
            f"rtp_ports {rtp}-{rtp + 40}\n"
        )
        # No registration: calls to `number` at this address are answered at once.
        (home / "accounts").write_text(
            f"<sip:{number}@127.0.0.1:{self.trunk_port}>;regint=0;answermode=auto\n"
        )
        (home / "contacts").write_text("")
        proc = subprocess.Popen(["baresip", "-4", "-f", str(home)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)  # fmt: skip
        self.procs.append(proc)
        return home / "heard"

    def phone(self, extension: str, answers: bool = True) -> subprocess.Popen[bytes]:
        """An agent's baresip, registered; it answers by itself, or only rings."""
        s = self.server
        mode = ";answermode=auto" if answers else ";answermode=manual"
        account = (f"<sip:{extension}@{s.host}:{s.port}>;auth_pass={PASSWORDS[extension]}"
                   f"{mode};regint=60")  # fmt: skip
        home = self.tmp_path / f"phone-{extension}-{time.monotonic_ns()}"
        home.mkdir()
        folder = baresip_dir(home, s, account)
        write_tone(folder / "tone.wav", 60.0)  # baresip hangs up when its source ends
        proc = subprocess.Popen(["baresip", "-4", "-f", str(folder)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)  # fmt: skip
        self.procs.append(proc)
        return proc

    def registered(self, *extensions: str) -> None:
        """Waits until these extensions are registered and their agents logged in."""
        self.wait(
            f"registration of {extensions}",
            lambda: (
                set(extensions)
                <= {str(e.data.get("extension")) for e in self.events("endpoint.registered")}
            ),
            timeout=20,
        )
        time.sleep(0.6)  # the contact centre logs agents in on its next tick

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                # baresip would first unregister from a server that may be gone: no need.
                proc.kill() if proc.args[0] == "baresip" else proc.terminate()
        for proc in self.procs:
            try:
                proc.communicate(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()


@dataclass
class Caller:
    centre: Centre
    number: str
    proc: subprocess.Popen[bytes]
    _call_id: str | None = None

    @property
    def call_id(self) -> str:
        """The call's id, from the first `call.flow_started` of this caller's number."""
        if self._call_id is None:
            self._call_id = self.centre.wait(f"the call from {self.number}", self._started)
        assert self._call_id is not None
        return self._call_id

    def _started(self) -> str | None:
        found = [e.call_id for e in self.centre.events("call.flow_started")
                 if e.data.get("caller") == self.number]  # fmt: skip
        if not found and self.proc.poll() is not None:
            out = self.proc.communicate()[0].decode(errors="replace")
            raise AssertionError(f"sipp calling from {self.number} gave up:\n{out[-3000:]}")
        return found[0] if found else None

    def finished(self, timeout: float = 30.0) -> None:
        """sipp ended with success (every message of its scenario seen)."""
        out, _ = self.proc.communicate(timeout=timeout)
        assert self.proc.returncode == 0, (out.decode(errors="replace")[-3000:]
                                           + self.centre.server.log()[-3000:])  # fmt: skip


def press(key: str, after_ms: int) -> str:
    """Scenario lines: wait `after_ms`, then send the RFC 4733 key from sip-tester's pcaps."""
    name = {"*": "star", "#": "pound"}.get(key, key)
    return (
        f'  <pause milliseconds="{after_ms}"/>\n'
        f'  <nop><action><exec play_pcap_audio="{PCAPS / f"dtmf_2833_{name}.pcap"}"/>'
        "</action></nop>\n"
    )


def start_serving(tmp_path: Path, *extra: str, patience_s: float = 90.0) -> ServerProcess:
    """`frontdesk serve` as conftest.start_server starts it (data in tmp_path/data, SIP and web
    ports chosen by the server), waiting up to `patience_s` for it to listen: on a loaded
    2-core machine its start alone has taken over 20 s."""
    data_dir, log_path = tmp_path / "data", tmp_path / "server.log"
    log_file = log_path.open("w")
    command = [sys.executable, "-m", "frontdesk.cli", "serve", "--sip-port", "0", "--data-dir",
               str(data_dir), "--http-port", "0", *extra]  # fmt: skip
    process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})  # fmt: skip
    deadline = time.monotonic() + patience_s
    while time.monotonic() < deadline and process.poll() is None:
        match = READY.search(log_path.read_text())
        if match:
            return ServerProcess(process, match.group(1), int(match.group(2)), data_dir,
                                 log_path, log_file)  # fmt: skip
        time.sleep(0.05)
    process.kill()
    process.wait()
    log_file.close()
    raise RuntimeError(f"frontdesk serve did not start:\n{log_path.read_text()}")


def start_centre(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, announce: float = 10,
                 ring: float = 4, strategy: str = "longest-idle", api: bool = True,
                 edit: Callable[[str], str] | None = None, flows: str = FLOWS,
                 ) -> Centre:  # fmt: skip
    """The company above served on loopback; with `api`, alice's desk API token (a user and
    a password hash made first: about a second); `edit` may change the company's text,
    `flows` replaces its flows."""
    base = random.randrange(40000, 58000, 2)
    monkeypatch.setenv("FRONTDESK_RTP_PORTS", f"{base}-{base + 400}")
    monkeypatch.setenv("FRONTDESK_MEDIA_WORKERS", "1")
    folder = tmp_path / "company"
    folder.mkdir()
    (folder / "flows.yaml").write_text(flows)
    trunk_port = free_port()
    company = folder / "company.yaml"
    text = COMPANY.format(announce=announce, ring=ring, strategy=strategy, trunk_port=trunk_port)
    company.write_text(edit(text) if edit is not None else text)
    token = agent_token(tmp_path / "data") if api else ""
    server = start_serving(tmp_path, "--config", str(company))
    return Centre(server, tmp_path, company, trunk_port, token)


def agent_token(data_dir: Path) -> str:
    """An API token acting for alice (an agent), made before the server starts."""
    accounts = AccountStore(open_engine(data_dir), SystemClock())
    accounts.create_user(NewUser("alice", "Alice", Role.AGENT, ("parcels",), "alice"),
                         "correct horse battery")  # fmt: skip
    return accounts.create_token("alice", "e2e tests").secret


def running(made: Centre) -> Iterator[Centre]:
    """A fixture's body: yields the centre, then stops the server (which must exit cleanly)
    and its peers."""
    try:
        yield made
    finally:
        code = made.server.stop()
        made.close()
    assert code == 0, made.server.log()


@pytest.fixture
def centre(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Centre]:
    yield from running(start_centre(tmp_path, monkeypatch))


# -- what reached the caller ---------------------------------------------------------------


def recording_of(centre: Centre, call_id: str) -> np.ndarray:
    """The call's recording, (samples, 2), full scale 1.0: channel 0 is what the caller sent,
    here the echo of what reached them."""
    found = centre.wait(
        f"the recording of {call_id}",
        lambda: [
            e
            for e in centre.events("call.recording", call_id)
            if "/recordings/" in str(e.data["path"])
        ],
        timeout=20,
    )
    audio = read_wav(str(found[0].data["path"]))
    assert audio.rate == 8000 and audio.samples.shape[1] == 2
    return np.asarray(audio.samples, dtype=np.float64)


def prompt_audio(centre: Centre, text: str, voice: str) -> np.ndarray:
    """The prompt Frontdesk made for `text` (it must exist: proof the sentence was made)."""
    path = TtsCache(centre.server.tts_dir, voice=voice).path_for(text)
    assert path.exists(), f"no prompt was made for {text!r}"
    return load_8k_mono(path).astype(np.float64) / 32768.0


def heard_at(heard: np.ndarray, prompt: np.ndarray) -> tuple[float, float]:
    """Where `prompt` is in `heard` (seconds) and how alike they are there: the normalised
    correlation of the prompt with the stretch of the recording it lines up with (1 = same).
    The recording may end before the prompt's last (silent) samples: it ends with the call."""
    heard = np.concatenate([heard, np.zeros(len(prompt))])
    corr = correlate(heard, prompt, mode="valid", method="fft")
    lag = int(np.argmax(corr))
    window = heard[lag : lag + len(prompt)]
    norm = float(np.linalg.norm(window) * np.linalg.norm(prompt))
    return lag / 8000, float(corr[lag]) / norm if norm else 0.0


def energy(folder: Path) -> float:
    """RMS (full scale 1.0) of what a baresip heard on its latest call, as its sndfile module
    wrote it; 0 while nothing is written."""
    found = sorted(folder.glob("*dec*.wav"))
    if not found or found[-1].stat().st_size <= 44:
        return 0.0
    try:
        samples = load_8k_mono(found[-1]).astype(np.float64) / 32768.0
    except Exception:  # a header baresip has not finished writing
        return 0.0
    return float(np.sqrt(np.mean(samples**2))) if len(samples) else 0.0
