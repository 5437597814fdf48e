"""One RTP stream inside a media worker: receive, latch, relay, play, record (RFC 3550, 4961).

The receive path is the hot path. A relayed packet is read into the worker's one receive
buffer, checked (version, RTCP, latch), rewritten in place by the far leg's `StreamRewriter`
and sent from the far leg's socket: nothing is parsed or decoded, nothing is allocated beyond
the memoryview slice. Packets we terminate (DTMF, recording, mixing) take the full parse.
Once latched, a socket is connected to its peer (`udp`), which makes each read and each send
cheaper; one datagram is read per readiness, so no read is made just to fail.

Generated audio (prompts, tones, the conference mix) is written as its own RTP source and also
passes through the rewriter, so the far end sees one continuous SSRC, sequence and timestamp
line whether it hears a prompt, the other party, or a prompt again (RFC 3550 §8.2).
"""

from __future__ import annotations

import contextlib
import random
import socket
import struct
from collections import deque

import numpy as np
from numpy.typing import NDArray

from frontdesk.media import FRAME_SAMPLES, MediaError
from frontdesk.media.codec import Codec, codec_for
from frontdesk.media.dtmf import DtmfReceiver
from frontdesk.media.engine import protocol as p
from frontdesk.media.engine.leg_stats import leg_stats
from frontdesk.media.engine.rtcp_link import RtcpLink
from frontdesk.media.engine.sources import EncodedPlayback
from frontdesk.media.engine.timeline import AudioTimeline
from frontdesk.media.engine.udp import disconnect
from frontdesk.media.jitter import JitterBuffer
from frontdesk.media.latch import InactivityDetector, RtpLatch
from frontdesk.media.recorder import CallRecorder, RecordingStopped
from frontdesk.media.relay import StreamRewriter
from frontdesk.media.rtcp_session import RtcpSession, SentSoFar
from frontdesk.media.rtp import FIXED_HEADER, RtpPacket, parse_header, payload_bounds
from frontdesk.media.rtp_stats import SourceStats

_SEQ_TS_SSRC = struct.Struct("!HII")
_HEADER = FIXED_HEADER  # version/flags, marker/PT, sequence, timestamp, SSRC
_REC_BACKLOG = 5  # frames queued per direction for the recorder (a tiny jitter allowance)
_CONNECT_BACKLOG = 64  # datagrams queued before a connect, read through the latch
Address = tuple[str, int]


class Stream:
    __slots__ = (
        "_gen_mark", "_gen_seq", "_gen_ssrc", "_gen_ts", "_rng", "codec", "connected", "detector",
        "dtmf", "expect_media", "fd", "fed_rx", "jitter", "last_rx", "latch", "latched",
        "local_port", "mixing", "name", "peer", "pending_record", "playback", "pt", "rec_relay",
        "rec_rx", "rec_tx", "received", "recorder", "rejected", "relayed", "rewriter", "rtcp",
        "rtcp_sock", "send_allowed", "send_enabled", "send_to", "sent", "sent_octets", "slot",
        "sock", "source", "te_pt", "timeout", "wall_offset",
    )  # fmt: skip

    def __init__(
        self,
        name: str,
        sock: socket.socket,
        local_port: int,
        slot: int,
        rtcp_sock: socket.socket | None = None,
        wall_offset: float = 0.0,
    ) -> None:
        sock.setblocking(False)
        self.name, self.sock, self.fd = name, sock, sock.fileno()
        self.local_port, self.slot = local_port, slot
        if rtcp_sock is not None:
            rtcp_sock.setblocking(False)
        self.rtcp_sock = rtcp_sock
        self.rtcp: RtcpLink | None = None  # set up by the first Configure that names an address
        self.wall_offset = wall_offset  # wall-clock minus monotonic: NTP timestamps in SRs
        self._rng = random.Random()
        self.codec: Codec = codec_for("PCMU")
        self.pt, self.te_pt = 0, -1  # -1: no telephone-event payload type negotiated
        self.send_to: Address | None = None
        self.send_allowed = True  # what SDP says: may we send at all
        self.send_enabled = False  # ...and we know where to
        self.connected = False  # the socket is connect()ed to `latched`
        self.latch = RtpLatch()
        self.latched: Address | None = None
        self.expect_media = True
        self.timeout: float | None = None
        self.last_rx: float | None = None
        self.fed_rx: float | None = None  # the last arrival the inactivity detector was told
        self.detector: InactivityDetector | None = None
        self.rewriter = StreamRewriter(
            self._rng.getrandbits(32),
            first_sequence=self._rng.getrandbits(16),
            first_timestamp=self._rng.getrandbits(32),
        )
        self._gen_ssrc, self._gen_seq, self._gen_ts = 0, 0, 0
        self._gen_mark = True  # the first packet of generated audio starts a talkspurt
        self.peer: Stream | None = None
        self.playback: EncodedPlayback | None = None
        self.recorder: CallRecorder | None = None
        self.pending_record: p.Record | None = None
        # While recording: what the far end sends, placed by RTP timestamp so that late
        # packets do not shift the two channels apart; what we send (generated audio, exact
        # to the tick, and relayed audio, which has the other far end's jitter).
        self.rec_rx: AudioTimeline | None = None
        self.rec_tx: deque[NDArray[np.int16]] = deque(maxlen=_REC_BACKLOG)
        self.rec_relay: AudioTimeline | None = None
        self.jitter: JitterBuffer | None = None
        self.mixing: str | None = None  # conference group
        self.dtmf = DtmfReceiver()
        self.source: SourceStats | None = None
        self.received = self.sent = self.relayed = self.rejected = self.sent_octets = 0

    # -- configuration ------------------------------------------------------------------------
    def configure(self, cmd: p.Configure, now: float) -> None:
        self.codec = codec_for(cmd.codec, cmd.payload_type)
        self.pt = cmd.payload_type
        self.te_pt = -1 if cmd.telephone_event_pt is None else cmd.telephone_event_pt
        if cmd.remote != self.latch.expected:
            self.latch.reset(cmd.remote)  # a re-INVITE that moved the media: latch afresh
            self.latched = None
            self._disconnect()
        self.send_to = self.latch.send_to
        self.send_allowed = cmd.send
        self.send_enabled = cmd.send and self.send_to is not None
        self.expect_media, self.timeout = cmd.expect_media, cmd.inactivity_timeout
        self.detector = None  # re-armed by the next packet
        if self.jitter is not None:
            self.jitter = JitterBuffer(self.codec)
        if cmd.rtcp is not None:
            if self.rtcp is None:
                session = RtcpSession(self.rewriter.out_ssrc, now, self._rng, self.wall_offset)
                self.rtcp = RtcpLink(session, self.rtcp_sock)
            self.rtcp.configure(cmd.rtcp, cmd.rtcp_mux)

    # -- receive path -------------------------------------------------------------------------
    # Once latched, the socket is connected to the latched address: the kernel drops anyone
    # else's datagrams, receiving builds no address tuple and sending parses none. While the
    # latched source is silent long enough to allow a re-latch (RFC 4961, `RtpLatch`), the
    # socket is disconnected again so that a phone that moved can be heard.
    def readable(self, buf: bytearray, view: memoryview, now: float, out: list[p.Event]) -> None:
        """Read one datagram. epoll is level-triggered, so another one waiting is reported
        again on the next poll: no read is made only to fail (and raise) per wake-up."""
        if self.connected:
            try:
                n = self.sock.recv_into(buf)
            except OSError:
                return  # connected sockets get ICMP errors from earlier sends: read past them
            self.receive(buf, view, n, self.latched, now, out)  # type: ignore[arg-type]
            return
        try:
            n, addr = self.sock.recvfrom_into(buf)
        except OSError:
            return
        self.receive(buf, view, n, addr, now, out)
        if addr == self.latched and not self.connected:
            self._connect(buf, view, now, out)

    def _connect(self, buf: bytearray, view: memoryview, now: float, out: list[p.Event]) -> None:
        latched = self.latched
        try:
            self.sock.connect(latched)  # type: ignore[arg-type]
        except OSError:
            return
        self.connected = True
        # What was queued before the connect may come from anyone: through the latch with it.
        for _ in range(_CONNECT_BACKLOG):
            try:
                n, addr = self.sock.recvfrom_into(buf)
            except OSError:
                break
            self.receive(buf, view, n, addr, now, out)
        if self.latched != latched:
            self._disconnect()  # re-latched while reading the backlog: connect on its next packet

    def _disconnect(self) -> None:
        if self.connected:
            self.connected = False
            with contextlib.suppress(OSError):
                disconnect(self.sock)

    def receive(
        self,
        buf: bytearray,
        view: memoryview,
        n: int,
        addr: Address,
        now: float,
        out: list[p.Event],
    ) -> None:
        if n < 12 or buf[0] & 0xC0 != 0x80:
            return  # not RTP version 2
        if 192 <= buf[1] <= 223:  # RTCP multiplexed on this port (RFC 5761 §4)
            if self.rtcp is not None and self.rtcp.mux:
                self.receive_rtcp(view[:n], addr, now)
            return
        seq, ts, ssrc = _SEQ_TS_SSRC.unpack_from(buf, 2)
        if addr != self.latched:
            accepted, _moved = self.latch.observe(addr, ssrc, now)
            if not accepted:
                self.rejected += 1
                return
            self.latched = self.latch.address
            self.send_to = self.latched
            self.send_enabled = self.send_allowed and self.send_to is not None
        self.last_rx = now
        self.received += 1
        if self.pending_record is not None:
            self._start_recording(self.pending_record, now)
        source = self.source
        if source is None or source.ssrc != ssrc:
            source = self.source = SourceStats(ssrc, seq)
        source.packet(seq, ts, now)
        pt = buf[1] & 0x7F
        if pt == self.te_pt:
            self._telephone_event(view[:n], now, out)
        elif pt != self.pt:
            return  # comfort noise or a payload type that was not negotiated
        if self.jitter is not None:
            if pt == self.pt:
                self.jitter.push(RtpPacket.parse(view[:n]), now)
            return
        if self.rec_rx is not None and pt == self.pt:
            self.rec_rx.push(view[:n])
        peer = self.peer
        if peer is not None and peer.send_enabled and peer.playback is None:
            self._forward(peer, buf, view, n, pt, seq, ts, ssrc, now)

    def _forward(self, peer: Stream, buf: bytearray, view: memoryview, n: int, pt: int,
                 seq: int, ts: int, ssrc: int, now: float) -> None:  # fmt: skip
        if pt == self.te_pt:
            if peer.te_pt < 0:
                return  # the other leg cannot take RFC 4733 events
            buf[1] = (buf[1] & 0x80) | peer.te_pt
        else:
            if peer.codec.name != self.codec.name:  # PCMU <-> PCMA: same size, in place
                start, end = payload_bounds(view[:n])
                buf[start:end] = peer.codec.encode(self.codec.decode(view[start:end]))
            buf[1] = (buf[1] & 0x80) | peer.pt
            if peer.rec_relay is not None:
                peer.rec_relay.push(view[:n])
        peer.rewriter.rewrite_fields(buf, seq, ts, ssrc, now)
        if not peer.transmit(view[:n]):
            return
        peer.sent += 1
        peer.sent_octets += n - 12
        self.relayed += 1

    def _telephone_event(self, packet: memoryview, now: float, out: list[p.Event]) -> None:
        try:
            header, start, end = parse_header(packet)
            digits = self.dtmf.packet(header.timestamp, packet[start:end], now)
        except MediaError:
            return
        for d in digits:
            out.append(p.DtmfReceived(self.name, d.digit, d.start, d.duration))

    # -- send path ----------------------------------------------------------------------------
    def start_playback(self, playback: EncodedPlayback) -> None:
        self._gen_ssrc = self._rng.getrandbits(32)  # a new source: the rewriter marks the switch
        self._gen_seq, self._gen_ts = self._rng.getrandbits(16), self._rng.getrandbits(32)
        self._gen_mark = True
        self.playback = playback

    def transmit(self, data: memoryview) -> bool:
        """Send one packet to the far end; False when it could not go (never raises)."""
        try:
            if self.connected:
                self.sock.send(data)
            else:
                self.sock.sendto(data, self.send_to)  # type: ignore[arg-type]
        except ConnectionRefusedError:
            # A connected socket reports an ICMP error from an earlier send on this one and
            # drops it: the error is now cleared, so try once more.
            try:
                self.sock.send(data)
            except OSError:
                return False
        except OSError:
            return False  # a full buffer, or no route: drop it
        return True

    def send_generated(
        self, payload: bytes | memoryview, out_buf: bytearray, out_view: memoryview, now: float
    ) -> None:
        if not self.send_enabled or self.send_to is None:
            return
        n = 12 + len(payload)
        seq, ts, ssrc = self._gen_seq, self._gen_ts, self._gen_ssrc
        second = self.pt | 0x80 if self._gen_mark else self.pt
        _HEADER.pack_into(out_buf, 0, 0x80, second, seq, ts, ssrc)
        out_buf[12:n] = payload
        self._gen_mark = False
        self._gen_seq = (seq + 1) & 0xFFFF
        self._gen_ts = (ts + FRAME_SAMPLES) & 0xFFFFFFFF
        self.rewriter.rewrite_fields(out_buf, seq, ts, ssrc, now)
        if not self.transmit(out_view[:n]):
            return
        self.sent += 1
        self.sent_octets += n - 12

    def tick(
        self, out_buf: bytearray, out_view: memoryview, now: float, out: list[p.Event]
    ) -> None:
        playback = self.playback
        if playback is not None:
            payload = playback.next_payload()
            if payload is None:
                self.playback = None
                out.append(p.PlaybackDone(self.name, playback.seconds_sent, False))
            else:
                self.send_generated(payload, out_buf, out_view, now)
                if self.recorder is not None:
                    self.rec_tx.append(playback.last_pcm())
        recorder = self.recorder
        if recorder is not None and self.rec_rx is not None and self.rec_relay is not None:
            rx = self.rec_rx.pop()
            relayed = self.rec_relay.pop()
            tx = self.rec_tx.popleft() if self.rec_tx else relayed
            recorder.write(rx, tx, now)

    def housekeeping(self, now: float, out: list[p.Event]) -> None:
        """Every 200 ms: RTCP reports when due; DTMF events whose end packets were lost;
        inactivity; the latch opened again after enough silence."""
        if self.connected and now - self.last_rx >= self.latch.relatch_after:  # type: ignore[operator]
            self._disconnect()
        rtcp = self.rtcp
        if rtcp is not None and now >= rtcp.session.next_at:
            rtcp.report(now, self._sent_so_far(now), self.source, self.received, self.sock,
                        self.send_to)  # fmt: skip
        if self.te_pt >= 0:
            for d in self.dtmf.poll(now):
                out.append(p.DtmfReceived(self.name, d.digit, d.start, d.duration))
        if self.timeout is None or not self.expect_media or self.last_rx is None:
            return  # checks start with the first packet, so a peer that sends no RTP is fine
        detector = self.detector
        if detector is None or detector.timeout != self.timeout:
            detector = self.detector = InactivityDetector(self.last_rx, self.timeout)
            self.fed_rx = None
        if self.fed_rx != self.last_rx:  # packets arrived since the last check
            detector.packet(self.last_rx)
            self.fed_rx = self.last_rx
        inactive = detector.check(now)
        if inactive is not None:
            out.append(p.MediaInactive(self.name, inactive.silent_for, inactive.message))

    # -- recording ----------------------------------------------------------------------------
    def record(self, cmd: p.Record, now: float, out: list[p.Event]) -> None:
        action = cmd.action
        if action is p.RecordAction.START:
            if self.recorder is not None or self.pending_record is not None:
                raise MediaError(f"stream {self.name} is already being recorded")
            if cmd.path is None:
                raise MediaError("a recording needs a path")
            if cmd.when_media and self.last_rx is None:
                self.pending_record = cmd
            else:
                self._start_recording(cmd, now)
            return
        recorder = self.recorder
        if recorder is None:
            if action is p.RecordAction.STOP:
                self.pending_record = None
                return
            raise MediaError(f"stream {self.name} is not being recorded")
        if action is p.RecordAction.PAUSE:
            recorder.pause(now)
        elif action is p.RecordAction.RESUME:
            recorder.resume(now)
        else:
            self.stop_recording(now, out)

    def _start_recording(self, cmd: p.Record, now: float) -> None:
        self.pending_record = None
        assert cmd.path is not None
        recorder = CallRecorder(cmd.path, cmd.mode)
        recorder.start(now)
        self.recorder = recorder
        self.rec_rx, self.rec_relay = AudioTimeline(self.codec), AudioTimeline(self.codec)

    def stop_recording(self, now: float, out: list[p.Event]) -> None:
        self.pending_record = None
        recorder, self.recorder = self.recorder, None
        if recorder is None:
            return
        done = recorder.stop(now)
        assert isinstance(done, RecordingStopped)
        self.rec_rx = self.rec_relay = None
        self.rec_tx.clear()
        out.append(
            p.RecordingDone(
                self.name,
                done.path,
                done.channels,
                done.duration,
                done.started,
                done.stopped,
                done.paused,
            )
        )

    # -- RTCP (RFC 3550 §6) ---------------------------------------------------------------------
    def _sent_so_far(self, now: float) -> SentSoFar:
        return SentSoFar(self.sent, self.sent_octets, self.rewriter.timestamp_at(now))

    def receive_rtcp(self, data: bytes | memoryview, addr: Address, now: float) -> None:
        rtcp = self.rtcp
        if rtcp is not None and rtcp.accept(addr, self.latched):
            rtcp.session.receive(data, now, self.source, self.sent)

    def say_bye(self, now: float) -> None:
        """The last report and BYE (§6.6), as the stream closes."""
        rtcp = self.rtcp
        if rtcp is not None:
            data = rtcp.session.bye(now, self._sent_so_far(now), self.source)
            rtcp.send(data, self.sock, self.send_to)

    def close_sockets(self) -> None:
        self.connected = False
        self.sock.close()
        if self.rtcp_sock is not None:
            self.rtcp_sock.close()

    def stats(self, final: bool) -> p.StreamStats:
        session = self.rtcp.session if self.rtcp is not None else None
        return leg_stats(self.name, self.received, self.sent, self.relayed, self.rejected,
                         self.source, session, final)  # fmt: skip
