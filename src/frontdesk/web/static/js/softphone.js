import { audioConstraints } from "./common.js";

// The browser phone: one WebRTC connection to Frontdesk for as long as it is switched on.
// Frontdesk's gateway registers it as this agent's phone, so calls ring it like a desk phone.
//
// Switched on, it stays on until the agent switches it off: a page reload turns it back on
// (the tab remembers, so the server's grace period keeps the registration and a call going),
// and a connection that is lost — the server restarted, the network dropped — is made again,
// waiting a little longer after each failed try. Remembered per tab, not per browser: opening
// the desk tomorrow does not put the agent on the phone before they choose to be.

const REMEMBER = "frontdesk.phone";
const LOST_AFTER_MS = 4000;  // "disconnected" may heal by itself; after this it is lost
const RETRY_MAX_MS = 30000;

export class Softphone {
  constructor(audioElement, onChange, api) {
    this.audio = audioElement;
    this.onChange = onChange;
    this.api = api;
    this.pc = null;
    this.stream = null;
    this.wanted = false;
    this.retry = null;
    this.delay = 1000;
    this.lostTimer = null;
    this.starting = false;
  }

  get on() { return this.pc !== null; }
  get remembered() { return sessionStorage.getItem(REMEMBER) === "on"; }

  async switchOn() {
    this.wanted = true;
    sessionStorage.setItem(REMEMBER, "on");
    await this.start();
  }

  async switchOff() {
    this.wanted = false;
    sessionStorage.removeItem(REMEMBER);
    clearTimeout(this.retry); this.retry = null;
    clearTimeout(this.lostTimer);
    try { await this.api("DELETE", "/api/softphone"); } catch (_) { /* already gone */ }
    this.close();
    this.stream?.getTracks().forEach((t) => t.stop());
    this.stream = null;
    this.onChange?.("closed");
  }

  async start() {
    this.starting = true;
    try { await this.connect(); } finally { this.starting = false; }
  }

  async connect() {
    // The microphone is asked for once; a reconnection reuses it (no second prompt).
    this.stream ??= await navigator.mediaDevices.getUserMedia({ audio: { ...audioConstraints() }, video: false });
    this.close();
    const pc = new RTCPeerConnection({ iceServers: [] });
    this.pc = pc;
    try {
      for (const track of this.stream.getAudioTracks()) pc.addTrack(track, this.stream);
      pc.ontrack = (event) => { this.audio.srcObject = event.streams[0] || new MediaStream([event.track]); };
      pc.onconnectionstatechange = () => { if (this.pc === pc) this.changed(pc.connectionState); };
      await pc.setLocalDescription(await pc.createOffer());
      await waitForCandidates(pc);
      const answer = await this.api("POST", "/api/softphone", { sdp: pc.localDescription.sdp });
      await pc.setRemoteDescription({ type: "answer", sdp: answer.sdp });
    } catch (e) {
      if (this.pc === pc) this.close();
      throw e;
    }
    this.delay = 1000;
  }

  close() {
    clearTimeout(this.lostTimer);
    const pc = this.pc;
    this.pc = null;
    pc?.close();
  }

  changed(state) {
    clearTimeout(this.lostTimer);
    if (state === "failed") this.lost();
    else if (state === "disconnected") this.lostTimer = setTimeout(() => this.lost(), LOST_AFTER_MS);
    this.onChange?.(state);
  }

  // Gone while wanted: connect again after `delay`, doubling it after each failed try.
  lost() {
    if (!this.wanted || this.retry) return;
    this.close();
    this.onChange?.("reconnecting");
    this.retry = setTimeout(async () => {
      this.retry = null;
      if (!this.wanted) return;
      try { await this.start(); this.onChange?.(this.pc?.connectionState || "connecting"); }
      catch (e) {
        if (permanent(e)) { await this.switchOff(); this.onChange?.("closed", e); return; }
        this.delay = Math.min(this.delay * 2, RETRY_MAX_MS);
        this.lost();
      }
    }, this.delay);
  }

  // The live event stream came back: the server may have restarted and forgotten this phone
  // before the peer connection noticed (that takes up to 30 s).
  async check() {
    if (!this.wanted || this.retry || this.starting) return;  // a start under way will tell
    try {
      const status = await this.api("GET", "/api/softphone");
      if (!status.on && !this.starting) this.lost();
    } catch (_) { if (!this.starting) this.lost(); }
  }
}

// A refusal that trying again will not change: no microphone or no permission for it, or the
// server saying no (signed out, no extension); the network and the server's 5xx are passing.
export function permanent(error) {
  if (error?.name === "NotAllowedError" || error?.name === "NotFoundError") return true;
  return error?.status >= 400 && error.status < 500 && error.status !== 408 && error.status !== 429;
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
