"""Composition root: reads the company, opens the store, wires SIP to the switchboard, runs.

`frontdesk serve` runs here in the foreground until SIGTERM or SIGINT, when it ends every call
with BYE, writes the last events and exits with status 0.

The media engine's worker processes start with the server and stop after the last BYE. Its
settings come from `--media-workers`, `--media-timeout` and `--rtp-ports` when the CLI offers
them, else from FRONTDESK_MEDIA_WORKERS, FRONTDESK_MEDIA_TIMEOUT (seconds, 0 = never) and
FRONTDESK_RTP_PORTS ("20000-39999").
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

from frontdesk import collector
from frontdesk.api.wiring import WebSide
from frontdesk.clock import SystemClock
from frontdesk.config import Company, ConfigError
from frontdesk.config.loader import Setup, load_demo_setup, load_setup
from frontdesk.config.watch import CompanyWatcher, Refused, Reloaded
from frontdesk.crm.demo import load_demo
from frontdesk.crm.directory import CallerDirectory
from frontdesk.crm.numbers import region_of
from frontdesk.crm.store import CrmStore
from frontdesk.flows.fixed_prompts import fixed_prompts
from frontdesk.followup.store import FollowupStore
from frontdesk.loopwatch import LoopWatch
from frontdesk.media.engine import Event, MediaEngine
from frontdesk.sip.dialog import LocalAddress
from frontdesk.sip.events import SipEvent
from frontdesk.sip.registrar import Registrar
from frontdesk.sip.transport import SipTransport
from frontdesk.sip.useragent import UserAgent
from frontdesk.store.eventlog import EventLog, open_engine
from frontdesk.telephony.auth import EndpointAuthenticator, load_or_make_secret
from frontdesk.telephony.call_media import CallMedia
from frontdesk.telephony.contact_centre import TICK_S, ContactCentre
from frontdesk.telephony.followups import TaskFollowUps
from frontdesk.telephony.legs import Dialer
from frontdesk.telephony.music import music_on_hold
from frontdesk.telephony.prompts import PromptBook
from frontdesk.telephony.registrations import breaks_before, restore_registrations
from frontdesk.telephony.services import Services
from frontdesk.telephony.switchboard import Switchboard
from frontdesk.telephony.trunk_monitor import TrunkMonitor
from frontdesk.telephony.trunks import TrunkRegistrar
from frontdesk.webhooks.service import Webhooks

log = logging.getLogger("frontdesk")
DEMO_PASSWORD = "frontdesk-demo"  # the built-in demo company's users; printed at start
FLUSH_INTERVAL = 0.2


@dataclass
class ServerOptions:
    setup: Setup
    data_dir: Path
    sip_hosts: list[str]
    sip_port: int
    http_port: int
    media_workers: int = 0  # 0: one per CPU core
    media_timeout: float = 30.0  # seconds without RTP before a call ends; 0 disables
    rtp_ports: tuple[int, int] = (20000, 39999)
    config_path: Path | None = None  # watched for changes (hot reload); None: the demo
    http_host: str = "127.0.0.1"
    demo_password: str | None = None  # the demo's users get this password
    tts_cache: Path | None = None  # where spoken prompts are kept; None: DATA_DIR/tts

    @property
    def company(self) -> Company:
        return self.setup.company


class Server:
    def __init__(self, options: ServerOptions) -> None:
        self.options = options
        self.clock = SystemClock()
        self.db = open_engine(options.data_dir)
        self.event_log = EventLog(self.db)
        rng = random.SystemRandom()
        self.ua = UserAgent([LocalAddress("udp", options.sip_hosts[0], options.sip_port)], rng)
        self.registrar = Registrar()
        company = options.company
        self.auth = EndpointAuthenticator(company, load_or_make_secret(options.data_dir))
        workers = options.media_workers or os.cpu_count() or 1
        self.engine = MediaEngine(self._on_media_event, workers, options.sip_hosts[0],
                                  options.rtp_ports)  # fmt: skip
        self.call_media = CallMedia(self.engine, self.event_log, self.clock.wall,
                                    self.clock.now, options.data_dir,
                                    options.media_timeout or None)  # fmt: skip
        self.switchboard = Switchboard(company, self.ua, self.event_log, self.clock.wall,
                                       options.sip_hosts[0], self.auth, self.registrar,
                                       media=self.call_media)  # fmt: skip
        self.crm = CrmStore(
            self.db, self.clock, region=region_of(n.number for n in company.numbers)
        )
        self.directory = CallerDirectory(self.crm)
        self.directory.reconfigure(company.crm.http)
        prompts = PromptBook(options.tts_cache or options.data_dir / "tts")
        self.services = Services(
            company=company, flows=options.setup.flows, ua=self.ua,
            media=self.call_media, prompts=prompts,
            clock=self.clock, log=self.event_log, directory=self.directory,
        )  # fmt: skip
        self.dialer = Dialer(company, self.ua, self.call_media, options.sip_hosts[0],
                             self.event_log, self.clock.wall)  # fmt: skip
        self.centre = ContactCentre(self.services, self.dialer, self.registrar,
                                    self.switchboard.hangup)  # fmt: skip
        self.switchboard.dialer, self.switchboard.centre = self.dialer, self.centre
        region = region_of(n.number for n in company.numbers)
        self.followups = FollowupStore(self.db, self.clock, region=region)
        self.task_followups = TaskFollowUps(self.followups, self.services)
        self.task_followups.on_reached = self.centre.callers_reached
        self.services.followups = self.task_followups
        self.watcher: CompanyWatcher | None = None
        self.trunks = TrunkRegistrar(company, self.ua, self.event_log, self.clock.wall)
        self.trunk_monitor = TrunkMonitor(company, self.ua, self.event_log, self.clock.wall)
        self.transport = SipTransport(self.ua, self._on_sip_events, self.clock.now)
        self.webhooks = Webhooks(self.db, self.event_log, self.clock, company)
        self._stop = asyncio.Event()
        # FRONTDESK_LOOP_STALL_MS: the stall worth a warning (lower it to hunt a latency tail)
        self.loop_watch = LoopWatch(float(os.environ.get("FRONTDESK_LOOP_STALL_MS", "250")) / 1000)
        self.bound: list[tuple[str, int]] = []
        self.web: WebSide | None = None
        self.http_bound: tuple[str, int] | None = None
        self._warming: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.engine.start()
        company = self.options.company
        if company.crm.demo_data:
            load_demo(self.crm)
        self.services.music = music_on_hold(self.options.data_dir / "media")
        self.services.kick = self.transport.pump
        # Callbacks the routing engine held before a restart (or a crash) are held again.
        await self.task_followups.restore(self.centre)
        if self.options.config_path is not None:
            self.watcher = CompanyWatcher(self.options.config_path)
        locals_: list[LocalAddress] = []
        for host in self.options.sip_hosts:
            bound_host, port = await self.transport.listen(host, self.options.sip_port)
            self.bound.append((bound_host, port))
            locals_ += [
                LocalAddress("udp", bound_host, port),
                LocalAddress("tcp", bound_host, port),
            ]
        self.ua.local = {(a.transport, ":" in a.host): a for a in locals_}
        self.event_log.append(self.clock.wall(), "server.started", None,
                              listen=[f"{h}:{p}" for h, p in self.bound])  # fmt: skip
        # Before the first tick, so agents whose phones are still registered are logged in
        # (those on a break before, on that break).
        wall = self.clock.wall()
        phones = restore_registrations(self.event_log, self.registrar, self.clock.now(), wall)
        agents = {a.extension: a.id for a in self.options.company.agents if a.extension in phones}
        self.centre.breaks_to_resume = breaks_before(self.event_log, agents, wall)
        self.trunks.start(self.clock.now())
        self.trunk_monitor.start(self.clock.now())
        self.transport.flush()
        await self.webhooks.start()
        if self.options.http_port >= 0:
            self.web = WebSide(self, self.options.http_host, self.options.http_port,
                               self.options.demo_password)  # fmt: skip
            self.http_bound = await self.web.start()

    def _on_sip_events(self, events: list[SipEvent], now: float) -> None:
        self.switchboard.handle(events, now)
        self.trunks.handle(events, now)
        self.trunk_monitor.handle(events, now)

    async def run(self) -> None:
        await self.start()
        collector.settle()  # see collector.py: what is alive now is never walked again
        company = self.options.company
        host, port = self.bound[0]
        shown = f"[{host}]" if ":" in host else host
        number = company.numbers[0]
        alias = number.aliases[0] if number.aliases else number.number
        print(
            f"frontdesk: {company.name} is listening for SIP on udp+tcp "
            + ", ".join(f"{h}:{p}" for h, p in self.bound)
            + f"; call sip:{alias}@{shown}:{port}",
            file=sys.stderr,
            flush=True,
        )
        if self.http_bound is not None:
            web_host, web_port = self.http_bound
            demo = self.options.demo_password
            print(f"frontdesk: web app on http://{web_host}:{web_port}/"
                  + (f" (demo users alice, supervisor, admin; password {demo})" if demo else ""),
                  file=sys.stderr, flush=True)  # fmt: skip
            if not demo and self.web is not None and not self.web.has_users():
                # A new company's first start: the sign-in page would otherwise be a dead end.
                print("frontdesk: no web users yet; add the first admin with: frontdesk user add"
                      f" NAME --role admin --data-dir {self.options.data_dir}",
                      file=sys.stderr, flush=True)  # fmt: skip
        self._warm_prompts()
        flusher = asyncio.create_task(self._flush_forever())
        ticker = asyncio.create_task(self._tick_forever())
        old_heap = asyncio.create_task(collector.collect_old_forever())
        self.loop_watch.start()
        await self._stop.wait()
        ticker.cancel()
        old_heap.cancel()
        await self.loop_watch.stop()
        await self.shutdown()
        flusher.cancel()

    def stop(self) -> None:
        self._stop.set()

    def _on_media_event(self, event: Event) -> None:
        """An engine event may end a call (BYE): run the resulting SIP work right away."""
        self.call_media.on_event(event)
        if self.ua.events:
            events = list(self.ua.events)
            self.ua.events.clear()
            self._on_sip_events(events, self.clock.now())
        self.transport.flush()

    async def _tick_forever(self) -> None:
        """The contact centre's clock: logins from registrations, the routing engine's timers;
        and once a second, a look at the company file (hot reload)."""
        ticks = 0
        while True:
            await asyncio.sleep(TICK_S)
            ticks += 1
            try:
                self.centre.tick(self.clock.now())
                if ticks % round(1 / TICK_S) == 0:
                    self._reload()
            except Exception:
                log.exception("the contact centre's tick failed")
            self.transport.pump()

    def _reload(self) -> None:
        """A good edit of the company file is taken in for new calls; a bad one is refused and
        the running company stays."""
        if self.watcher is None:
            return
        outcome = self.watcher.poll()
        if isinstance(outcome, Refused):
            for problem in outcome.problems:
                log.error("company file refused: %s", problem)
            self.event_log.append(self.clock.wall(), "config.refused", None,
                                  problems=[str(p) for p in outcome.problems][:20])  # fmt: skip
        elif isinstance(outcome, Reloaded):
            company = outcome.setup.company
            self.switchboard.company = self.auth.company = self.dialer.company = company
            self.services.flows = outcome.setup.flows
            self._warm_prompts()
            self.centre.reconfigure(company)
            self.webhooks.reconfigure(company)
            self.directory.reconfigure(company.crm.http)
            log.info("company file reloaded: %s", ", ".join(str(c) for c in outcome.changed))
            self.event_log.append(self.clock.wall(), "config.reloaded", None,
                                  files=[str(c) for c in outcome.changed])  # fmt: skip

    def _warm_prompts(self) -> None:
        """The flows' fixed sentences are synthesised now, in the background, not at a call."""
        prompts = self.services.prompts
        flows = self.services.flows.flows.values()
        says = [say for flow in flows for say in fixed_prompts(flow)]
        texts = [(say.text, prompts.voice_for(say.voice, say.language)) for say in says]
        self._warming = asyncio.get_running_loop().create_task(prompts.warm(texts))

    async def _flush_forever(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(FLUSH_INTERVAL)
            if self.event_log.pending:
                await loop.run_in_executor(None, self._flush_and_hand_on)

    def _flush_and_hand_on(self) -> None:
        """Writes the buffered events, then hands the new ones to the webhooks' outbox."""
        self.event_log.flush()
        self.webhooks.after_flush()

    async def shutdown(self) -> None:
        self.ua.shutdown(self.clock.now())
        self._on_sip_events(list(self.ua.events), self.clock.now())
        self.ua.events.clear()
        self.transport.flush()
        await asyncio.sleep(0.05)  # let the BYEs leave the socket buffers
        if self.web is not None:
            await self.web.stop()
        await self.engine.stop()  # finishes recordings; their events are logged below
        await self.transport.close()
        await asyncio.to_thread(self.task_followups.close)  # follow-up writes still queued
        self.event_log.append(self.clock.wall(), "server.stopped", None)
        self.event_log.flush()
        self.webhooks.after_flush()
        await self.webhooks.stop()
        await self.directory.aclose()
        self.services.prompts.close()


def run_server(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=getattr(logging, str(args.log_level).upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("aioice").setLevel(logging.WARNING)  # every ICE check at INFO is noise
    config = Path(args.config) if args.config else None
    try:
        setup = load_setup(config) if config is not None else load_demo_setup()
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 2
    for warning in setup.warnings:
        log.warning("%s", warning)
    options = ServerOptions(
        setup=setup,
        config_path=config,
        data_dir=Path(args.data_dir),
        sip_hosts=[h.strip() for h in str(args.sip_host).split(",") if h.strip()],
        sip_port=args.sip_port,
        http_port=args.http_port,
        http_host=str(getattr(args, "http_host", None) or "127.0.0.1"),
        demo_password=DEMO_PASSWORD if config is None else None,
    )
    options = with_media_options(options, args)
    try:
        import uvloop  # libuv's loop: a third less CPU per message than the stock loop
    except ImportError:
        return asyncio.run(_main(options))
    return uvloop.run(_main(options))


def with_media_options(options: ServerOptions, args: argparse.Namespace) -> ServerOptions:
    """Media settings from CLI flags when present, else from the environment."""

    def pick(flag: str, env: str) -> str | None:
        value = getattr(args, flag, None)
        return str(value) if value is not None else os.environ.get(env)

    if (workers := pick("media_workers", "FRONTDESK_MEDIA_WORKERS")) is not None:
        options.media_workers = int(workers)
    if (timeout := pick("media_timeout", "FRONTDESK_MEDIA_TIMEOUT")) is not None:
        options.media_timeout = float(timeout)
    if (ports := pick("rtp_ports", "FRONTDESK_RTP_PORTS")) is not None:
        first, _, last = ports.partition("-")
        if not (first.isdigit() and last.isdigit() and 1024 <= int(first) < int(last) <= 65535):
            raise SystemExit(
                f"frontdesk: --rtp-ports '{ports}' must be FIRST-LAST within 1024-65535"
            )
        options.rtp_ports = (int(first), int(last))
    # Several servers may share one cache (files are content-addressed and written atomically).
    if tts := os.environ.get("FRONTDESK_TTS_CACHE"):
        options.tts_cache = Path(tts)
    return options


async def _main(options: ServerOptions) -> int:
    server = Server(options)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, server.stop)
    try:
        await server.run()
    except OSError as exc:
        print(f"frontdesk: cannot listen: {exc}", file=sys.stderr)
        return 1
    return 0
