"""The website widget end to end: a shop's page on another origin embeds the snippet; Chromium
clicks the button, calls the company from the frame, hears the greeting, presses a key, talks
to an agent (baresip answering by itself, recording what it hears); then books a callback
with the frame's form; a burst of requests from the same address is refused with 429.

The server is a real `frontdesk serve`.
"""

from __future__ import annotations

import functools
import http.server
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from agent_phone import recording_agent, what_the_agent_heard
from browser import chromium, meter, sign_in, write_loud_tone
from conftest import WEB_PASSWORD, ServerProcess, start_web_centre
from playwright.sync_api import Frame, Page
from test_web_desk import tone_level

from frontdesk.clock import SystemClock
from frontdesk.followup.store import FollowupStore
from frontdesk.store.eventlog import open_engine

pytestmark = pytest.mark.peer
VISITOR_HZ = 1000.0


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The business's own site, on another origin (another port of the same host, so the
    test may switch the frame's microphone processing off through its local storage, which
    a cross-site frame may not use): a page with the snippet."""
    site = tmp_path / "site"
    site.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", site
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def centre(tmp_path: Path, shop: tuple[str, Path],
           monkeypatch: pytest.MonkeyPatch) -> Iterator[ServerProcess]:  # fmt: skip
    def prepare(company: Path) -> None:
        # Always open, so that the callback slots do not depend on when the suite runs.
        text = company.read_text().replace('    hours: {weekly: {weekdays: "08:00-18:00"}}\n', "")
        company.write_text(text)
        (tmp_path / "data" / "widgets.yaml").write_text(
            "limits: {callbacks_per_hour_per_address: 3}\n"
            "widgets:\n"
            f'  - {{key: shop, number: "+442079460100", callback_queue: parcels,\n'
            f'     origins: ["{shop[0]}"], languages: [en, fr]}}\n'
        )

    proc = start_web_centre(tmp_path, monkeypatch, prepare)
    yield proc
    assert proc.stop() == 0, proc.log()


@pytest.fixture
def agent_phone(centre: ServerProcess, tmp_path: Path) -> Iterator[Path]:
    with recording_agent(centre, tmp_path) as heard:
        yield heard


def test_a_visitor_calls_from_the_shop_page_then_books_a_callback(
    centre: ServerProcess, agent_phone: Path, shop: tuple[str, Path], tmp_path: Path
) -> None:
    site_origin, site = shop
    app = centre.http_url
    (site / "index.html").write_text(
        '<!doctype html><html lang="en"><title>Shop</title><h1>The shop</h1>'
        f'<script src="{app}/static/js/widget.js" data-frontdesk-widget="shop" async></script>'
    )
    frame_page = httpx.get(f"{app}/widget/frame", params={"key": "shop"})
    policy = frame_page.headers["content-security-policy"]
    assert f"frame-ancestors {site_origin}" in policy and "script-src 'self'" in policy
    assert httpx.get(f"{app}/widget/frame", params={"key": "nope"}).status_code == 404

    with chromium(write_loud_tone(tmp_path / "mic.wav", VISITOR_HZ)) as browser:
        page = browser.new_page()
        page.goto(f"{site_origin}/index.html")
        page.click('button[data-frontdesk-widget-button="shop"]')
        page.wait_for_selector("#frontdesk-widget-shop iframe")
        frame = _frame(page)
        frame.wait_for_selector("#call")
        # A steady test tone is what noise suppression removes: this visitor's microphone is raw.
        frame.evaluate("""() => localStorage.setItem('frontdesk.audio', JSON.stringify(
            {noiseSuppression: false, echoCancellation: false, autoGainControl: false}))""")
        frame.click("#call")
        _wait(frame, "() => document.getElementById('widget-audio').srcObject !== null", 15)
        frame.evaluate(meter("widget-audio", with_time=True))
        [started] = centre.wait_for_events("call.flow_started", 1, timeout=20)
        [connected] = centre.wait_for_events("call.connected", 1, timeout=30)
        frame.wait_for_selector('#call-state[data-state="talking"]', timeout=10000)
        # While one call is up, the same address may not start another.
        busy = httpx.post(f"{app}/api/widget/shop/call", json={"sdp": "v=0 not used"},
                          headers={"Origin": app})  # fmt: skip
        frame.click('#keypad button[data-key="5"]')
        page.wait_for_timeout(3500)  # the visitor talks to the agent
        heard = frame.evaluate("window.__heard")
        frame.click("#hangup")
        frame.wait_for_selector('#call-state[data-state="ended"]')
        [ended] = centre.wait_for_events("widget.call_ended", 1, timeout=10)

        # Then the visitor asks to be called back, at the first time offered on the first day.
        frame.fill("#cb-name", "Ada Visitor")
        frame.fill("#cb-number", "020 7946 0555")
        frame.select_option("#cb-day", index=1)
        frame.fill("#cb-note", "About my order")
        frame.click("#cb-submit")
        _wait(frame, "() => document.getElementById('callback-result').textContent !== ''", 10)
        booked_text = frame.inner_text("#callback-result")

    # The call went through the company's flow with the web caller id.
    [received] = [e for e in centre.events("call.received") if e.call_id == started.call_id]
    assert received.data["caller"].startswith("sip:web-")
    assert received.data["caller"].endswith("@frontdesk.test")
    assert started.data["caller"].startswith("web-") and started.data["known"] is False
    assert centre.events("call.answered")[0].call_id == started.call_id
    assert connected.call_id == started.call_id and connected.data["agent"] == "alice"
    assert busy.status_code == 429 and busy.json()["error_id"] == "too_many_concurrent_calls"
    assert int(busy.headers["retry-after"]) > 0
    keys = [e for e in centre.events("call.dtmf") if e.call_id == started.call_id]
    assert [e.data["digit"] for e in keys] == ["5"]
    assert ended.call_id == started.call_id
    # The visitor heard the greeting before the agent came, then the agent (their 440 Hz).
    before_agent = [rms for at, rms in heard if started.at <= at < connected.at]
    with_agent = [rms for at, rms in heard if at >= connected.at + 0.5]
    assert before_agent and max(before_agent) > 0.01, heard[:60]
    assert with_agent and max(with_agent) > 0.02, heard[-40:]
    # The agent heard the visitor's microphone (its 1 kHz tone).
    assert tone_level(what_the_agent_heard(agent_phone), VISITOR_HZ) > 0.1

    # The callback is booked twice over: a task with its window, and in the routing engine.
    assert booked_text.startswith("Thank you. We will call you at about"), booked_text
    tasks = FollowupStore(open_engine(centre.data_dir), SystemClock()).open_tasks(kind="callback")
    assert [(t.caller, t.team, t.queue) for t in tasks] == [("+442079460555", "parcels", "parcels")]
    assert tasks[0].not_before is not None and tasks[0].not_before > time.time()
    requested = centre.wait_for_events("acd.callback_requested", 1, timeout=5)
    assert requested[0].call_id.startswith("widget-callback:")
    assert requested[0].data["number"] == "+442079460555"

    # The visitor rings back about it and is helped, so alice cancels the callback on her desk:
    # the task closes and the routing engine no longer owes the call.
    with chromium() as browser:
        desk = sign_in(browser, app, "alice", WEB_PASSWORD)
        desk.goto(f"{app}/desk")
        desk.wait_for_selector("#callbacks .task-cancel", timeout=10000)
        line = desk.inner_text("#callbacks li")  # in words, not the task's kind name
        assert "+442079460555" in line and "asked for a callback · due" in line, line
        desk.once("dialog", lambda dialog: dialog.accept("Helped on another call"))
        desk.click("#callbacks .task-cancel")
        desk.wait_for_selector("#callbacks li.muted", timeout=10000)
    assert not FollowupStore(open_engine(centre.data_dir), SystemClock()).open_tasks()
    [cancelled] = centre.wait_for_events("callback.cancelled", 1, timeout=5)
    assert cancelled.call_id == requested[0].call_id
    assert "alice" in str(cancelled.data) and "Helped on another call" in str(cancelled.data)

    # A burst from the same address: the hourly limit (3 here) refuses the rest with 429.
    answers = [httpx.post(f"{app}/api/widget/shop/callback", headers={"Origin": app},
                          json={"number": f"020 7946 05{n:02d}", "when": "asap"})
               for n in range(60, 64)]  # fmt: skip
    assert [a.status_code for a in answers] == [200, 200, 429, 429]
    assert answers[2].json()["error_id"] == "too_many_callbacks"
    assert 0 < int(answers[2].headers["retry-after"]) <= 3600
    # Another site's page (or a request without an Origin) is refused before any limit.
    foreign = httpx.post(f"{app}/api/widget/shop/callback", headers={"Origin": site_origin},
                         json={"number": "020 7946 0570", "when": "asap"})  # fmt: skip
    assert foreign.status_code == 403 and foreign.json()["error_id"] == "origin_refused"


def _wait(frame: Frame, predicate: str, seconds: float) -> None:
    """Polls `predicate` in the frame (wait_for_function evaluates strings, which the frame's
    CSP forbids, as it should)."""
    deadline = time.monotonic() + seconds
    while not frame.evaluate(predicate):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {seconds} s: {predicate}")
        time.sleep(0.05)


def _frame(page: Page) -> Frame:
    # page.frames is only brought up to date while Playwright runs: wait through it (a plain
    # sleep would leave an iframe that navigated meanwhile at about:blank for ever).
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for frame in page.frames:
            if "/widget/frame" in frame.url:
                return frame
        page.wait_for_timeout(50)
    raise AssertionError("the widget's frame did not load")
