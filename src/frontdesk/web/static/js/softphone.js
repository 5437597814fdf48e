import { audioConstraints } from "./common.js";

// The browser phone: one WebRTC connection to Frontdesk for as long as it is switched on.
// Frontdesk's gateway registers it as this agent's phone, so calls ring it like a desk phone.

export class Softphone {
  constructor(audioElement, onChange) {
    this.audio = audioElement;
    this.onChange = onChange;
    this.pc = null;
    this.stream = null;
  }

  get on() { return this.pc !== null; }

  async start(api) {
    this.stream = await navigator.mediaDevices.getUserMedia({ audio: { ...audioConstraints() }, video: false });
    const pc = new RTCPeerConnection({ iceServers: [] });
    this.pc = pc;
    for (const track of this.stream.getAudioTracks()) pc.addTrack(track, this.stream);
    pc.ontrack = (event) => { this.audio.srcObject = event.streams[0] || new MediaStream([event.track]); };
    pc.onconnectionstatechange = () => this.onChange?.(pc.connectionState);
    await pc.setLocalDescription(await pc.createOffer());
    await waitForCandidates(pc);
    const answer = await api("POST", "/api/softphone", { sdp: pc.localDescription.sdp });
    await pc.setRemoteDescription({ type: "answer", sdp: answer.sdp });
  }

  async stop(api) {
    try { await api("DELETE", "/api/softphone"); } catch (_) { /* already gone */ }
    this.pc?.close();
    this.stream?.getTracks().forEach((t) => t.stop());
    this.pc = null;
    this.stream = null;
    this.onChange?.("closed");
  }
}

// The gateway takes one complete offer (no trickle ICE): wait until gathering ends, or 2 s.
function waitForCandidates(pc) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => { if (pc.iceGatheringState === "complete") resolve(); };
    pc.addEventListener("icegatheringstatechange", done);
    setTimeout(resolve, 2000);
  });
}
