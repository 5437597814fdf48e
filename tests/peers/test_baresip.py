"""baresip, a real softphone, registers with a password and calls the demo number."""

from __future__ import annotations

import math
import shutil
import struct
import subprocess
import wave
from pathlib import Path

import pytest
from conftest import ServerProcess, free_port


def write_tone(path: Path, seconds: float = 3.0) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        samples = (
            int(8000 * math.sin(2 * math.pi * 440 * i / 8000)) for i in range(int(8000 * seconds))
        )
        out.writeframes(b"".join(struct.pack("<h", s) for s in samples))


def baresip_dir(tmp_path: Path, server: ServerProcess, account: str) -> Path:
    folder = tmp_path / "baresip"
    folder.mkdir()
    write_tone(folder / "tone.wav")
    modules = "/usr/lib/baresip/modules"
    rtp = free_port() // 2 * 2
    (folder / "config").write_text(
        f"sip_listen 127.0.0.1:{free_port()}\n"
        "net_interface 127.0.0.1\n"
        f"audio_player aufile,{folder / 'heard.wav'}\n"
        f"audio_source aufile,{folder / 'tone.wav'}\n"
        "audio_alert none\n"
        f"module_path {modules}\n"
        "module g711.so\nmodule aufile.so\nmodule_app menu.so\nmodule_tmp account.so\n"
        f"rtp_ports {rtp}-{rtp + 40}\n"
    )
    (folder / "accounts").write_text(account + "\n")
    (folder / "contacts").write_text("")
    return folder


def run_baresip(folder: Path, seconds: int, *commands: str) -> str:
    if shutil.which("baresip") is None:
        pytest.fail("baresip is not installed; run scripts/setup.sh --with-peers")
    args = ["baresip", "-4", "-f", str(folder), "-t", str(seconds)]
    for command in commands:
        args += ["-e", command]
    done = subprocess.run(args, capture_output=True, timeout=seconds + 20, check=False)
    return done.stdout.decode(errors="replace") + done.stderr.decode(errors="replace")


def test_baresip_registers_and_calls_the_demo_number(server: ServerProcess, tmp_path: Path) -> None:
    target = f"{server.host}:{server.port}"
    account = f"<sip:1001@{target}>;auth_pass=alice1001;answermode=auto"
    folder = baresip_dir(tmp_path, server, account)
    output = run_baresip(folder, 6, f"/dial sip:100@{target}")
    registered = server.wait_for_events("endpoint.registered", 2)
    assert registered[0].data["extension"] == "1001" and registered[0].data["contacts"] == 1
    assert registered[-1].data["contacts"] == 0  # baresip unregisters when it quits
    ended = server.wait_for_events("call.ended", 1)
    assert ended, output[-2000:]
    received = server.events("call.received")
    assert received[0].data["caller"].startswith("sip:1001@")
    assert server.events("call.answered")
    assert ended[0].data["reason"] in ("remote_bye", "shutdown")


def test_baresip_with_a_wrong_password_is_not_registered(
    server: ServerProcess, tmp_path: Path
) -> None:
    target = f"{server.host}:{server.port}"
    folder = baresip_dir(tmp_path, server, f"<sip:1002@{target}>;auth_pass=wrong")
    run_baresip(folder, 3)
    assert not server.events("endpoint.registered")
