"""`frontdesk demo`: the server with the built-in demo company, and simulated callers and
agents making and taking real calls over loopback, until Ctrl-C (or `--duration` seconds).

The simulation shares the server's process and event loop (docs/demo.md says why). Exit
status: 0 after a clean stop, 1 when the server cannot listen, 2 for a bad setting.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import signal
import sys
from pathlib import Path
from typing import Any

from frontdesk.demo import DemoError
from frontdesk.demo.behaviour import Behaviour
from frontdesk.demo.carrier import Carrier
from frontdesk.demo.company import demo_setup
from frontdesk.demo.media_io import VoiceTicker
from frontdesk.demo.settings import DemoSettings
from frontdesk.demo.simulation import DemoSimulation
from frontdesk.demo.speech import ScriptBook

log = logging.getLogger("frontdesk.demo")
START_TIMEOUT_S = 30.0


def register(subparsers: Any) -> None:
    """Adds `frontdesk demo` to the command line's sub-commands."""
    demo = subparsers.add_parser(
        "demo",
        help="run the demo company with simulated callers and agents on real calls",
        description=__doc__,
    )
    defaults = DemoSettings()
    demo.add_argument("--data-dir", default="demo-data", help="where the demo's database lives")
    demo.add_argument("--sip-port", type=int, default=5060, help="SIP port (0: any free port)")
    demo.add_argument("--http-port", type=int, default=8080,
                      help="web app port (0: any free port; -1: no web app)")  # fmt: skip
    demo.add_argument("--calls-per-minute", type=float, default=defaults.calls_per_minute,
                      help="how often simulated customers call (Poisson arrivals)")  # fmt: skip
    demo.add_argument("--agents", type=int, default=defaults.agents,
                      help="how many agents the simulation plays")  # fmt: skip
    demo.add_argument("--leave-for-browser", default=",".join(defaults.leave_for_browser),
                      help="agents the simulation leaves to people in the browser, comma "
                           "separated (default alice; '' leaves none)")  # fmt: skip
    demo.add_argument("--duration", type=float,
                      help="stop after this many seconds (default: run until Ctrl-C)")  # fmt: skip
    demo.add_argument("--patience", type=float, default=defaults.patience_mean_s,
                      help="mean seconds a queued caller waits before hanging up")  # fmt: skip
    demo.add_argument("--seed", type=int, help="seed for the simulated people (repeatable)")
    demo.add_argument("--log-level", default="WARNING", help="DEBUG, INFO, WARNING or ERROR")
    demo.set_defaults(func=run_demo)


def settings_from(args: argparse.Namespace) -> DemoSettings:
    leave = tuple(n.strip() for n in str(args.leave_for_browser or "").split(",") if n.strip())
    return DemoSettings(
        calls_per_minute=float(args.calls_per_minute),
        agents=int(args.agents),
        leave_for_browser=leave,
        duration_s=args.duration,
        patience_mean_s=float(args.patience),
        seed=args.seed,
    ).check()


def run_demo(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=getattr(logging, str(args.log_level).upper(), logging.WARNING),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        settings = settings_from(args)
    except DemoError as exc:
        print(f"frontdesk demo: {exc}", file=sys.stderr)
        return 2
    try:
        import uvloop
    except ImportError:
        return asyncio.run(_main(settings, args))
    return uvloop.run(_main(settings, args))


async def _main(settings: DemoSettings, args: argparse.Namespace) -> int:
    from frontdesk.config.loader import load_demo_setup
    from frontdesk.server import DEMO_PASSWORD, Server, ServerOptions, with_media_options

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    behaviour = Behaviour(settings, random.Random(settings.seed))
    data_dir = Path(args.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    ticker = VoiceTicker(loop.time)
    carrier = Carrier(settings, behaviour, ticker, loop.time)
    try:
        carrier_address = await carrier.listen()
        setup, playing = demo_setup(load_demo_setup(), carrier_address, settings.agents,
                                    settings.leave_for_browser)  # fmt: skip
    except (OSError, DemoError) as exc:
        await carrier.stop()
        print(f"frontdesk demo: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, DemoError) else 1
    options = ServerOptions(setup=setup, data_dir=data_dir, sip_hosts=["127.0.0.1"],
                            sip_port=args.sip_port, http_port=args.http_port,
                            demo_password=DEMO_PASSWORD)  # fmt: skip
    server = Server(with_media_options(options, args))
    running = asyncio.create_task(server.run(), name="frontdesk server")
    if not await _started(server, running, args.http_port):
        await carrier.stop()
        return 1
    simulation = DemoSimulation(server, settings, playing, carrier, behaviour, ticker,
                                ScriptBook(data_dir / "demo-voices"))  # fmt: skip
    await simulation.start()
    _welcome(server, settings, playing)
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({stopping, running}, timeout=settings.duration_s,
                       return_when=asyncio.FIRST_COMPLETED)  # fmt: skip
    stopping.cancel()
    if running.done():  # the server ended by itself
        problem = None if running.cancelled() else running.exception()
        await simulation.stop()
        print(f"frontdesk demo: the server stopped unexpectedly: {problem}", file=sys.stderr)
        return 1
    print("frontdesk demo: stopping: simulated callers hang up, agents log out", file=sys.stderr)
    await simulation.stop()
    print(f"frontdesk demo: {simulation.summary()}", file=sys.stderr, flush=True)
    server.stop()
    await running
    return 0


async def _started(server: Any, running: asyncio.Task[None], http_port: int) -> bool:
    """Waits until the server listens for SIP (and HTTP when asked); False if it failed."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_TIMEOUT_S
    while loop.time() < deadline:
        if running.done():
            problem = running.exception() if not running.cancelled() else None
            print(f"frontdesk demo: the server did not start: {problem}", file=sys.stderr)
            return False
        if server.bound and (http_port < 0 or server.http_bound is not None):
            await asyncio.sleep(0.05)  # let run() print its own lines first
            return True
        await asyncio.sleep(0.02)
    print(f"frontdesk demo: the server did not start within {START_TIMEOUT_S:.0f} s",
          file=sys.stderr)  # fmt: skip
    server.stop()
    await running
    return False


def _welcome(server: Any, settings: DemoSettings, playing: tuple[Any, ...]) -> None:
    from frontdesk.server import DEMO_PASSWORD

    names = ", ".join(a.id for a in playing) or "none"
    lines = [
        f"simulated agents: {names}; simulated callers: about "
        f"{settings.calls_per_minute:g} a minute",
    ]
    if server.http_bound is not None:
        host, port = server.http_bound
        url = f"http://{host}:{port}/"
        for agent_id in settings.leave_for_browser:
            lines.append(f"take calls as {agent_id}: sign in at {url} (password {DEMO_PASSWORD}) "
                         "and switch the phone on")  # fmt: skip
        lines.append(f"watch the wallboard and listen in: sign in at {url} as supervisor "
                     f"(password {DEMO_PASSWORD})")  # fmt: skip
    lines.append("Ctrl-C stops the demo" if settings.duration_s is None
                 else f"the demo stops after {settings.duration_s:g} s")  # fmt: skip
    for line in lines:
        print(f"frontdesk demo: {line}", file=sys.stderr, flush=True)
