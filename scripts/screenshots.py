"""Makes the screenshots in docs/img/ from a running `frontdesk demo` (Debian's Chromium).

Starts the demo on free ports, signs in as alice (browser phone on, answers the first call
that rings her) and as the supervisor (wallboard, live calls), and saves PNGs.

Usage: .venv/bin/python scripts/screenshots.py [--out docs/img]
"""

from __future__ import annotations

import argparse
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
        "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]  # fmt: skip


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="docs/img")
    out = Path(parser.parse_args().out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "demo.log"
        command = [sys.executable, "-m", "frontdesk.cli", "demo", "--data-dir", f"{tmp}/data",
                   "--sip-port", str(free_port()), "--http-port", "0",
                   "--calls-per-minute", "20", "--agents", "2", "--duration", "150"]  # fmt: skip
        demo = subprocess.Popen(command, stdout=log.open("w"), stderr=subprocess.STDOUT)
        try:
            base = ""
            for _ in range(300):
                if found := re.search(r"web app on (http://\S+?)/?(?:\s|$)", log.read_text()):
                    base = found.group(1)
                    break
                time.sleep(0.1)
            time.sleep(3)  # demo users
            shoot(base, out)
        finally:
            demo.terminate()
            demo.wait(30)


def shoot(base: str, out: Path) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        alice = browser.new_context(viewport={"width": 1366, "height": 820}).new_page()
        sign_in(alice, base, "alice")
        alice.click("#phone-toggle")
        alice.wait_for_selector('#state[data-state="available"]', timeout=20000)
        alice.wait_for_selector("#answer:not([disabled])", timeout=90000)
        alice.keyboard.press("a")
        alice.wait_for_timeout(4000)
        alice.screenshot(path=str(out / "desk.png"))
        boss = browser.new_context(viewport={"width": 1600, "height": 900}).new_page()
        sign_in(boss, base, "supervisor")
        boss.wait_for_timeout(3000)
        boss.screenshot(path=str(out / "wallboard.png"))
        boss.goto(f"{base}/calls")
        boss.wait_for_timeout(2000)
        boss.screenshot(path=str(out / "live-calls.png"))
        alice.keyboard.press("h")
        browser.close()


def sign_in(page: object, base: str, user: str) -> None:
    page.goto(f"{base}/login")  # type: ignore[attr-defined]
    page.fill("#username", user)  # type: ignore[attr-defined]
    page.fill("#password", "frontdesk-demo")  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_url(lambda url: "/login" not in url)  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
