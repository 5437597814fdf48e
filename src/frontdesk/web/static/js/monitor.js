// Listen / whisper / barge from the supervisor's browser. Any element with a data-monitor
// attribute (a live call's id) gets the three buttons; one call at a time per supervisor.
import { api, toast, el, audioConstraints } from "./common.js";

const MODES = ["listen", "whisper", "barge"];
let session = null; // { callId, mode, pc, stream, audio }

function bar() {
  let box = document.getElementById("monitor-bar");
  if (!box) {
    box = el("div", { id: "monitor-bar", class: "card", role: "region", "aria-label": "Monitoring", hidden: true });
    document.body.append(box);
  }
  return box;
}

function pressed() {
  document.querySelectorAll("[data-monitor] button[data-mode]").forEach((b) => {
    const mine = session && session.callId === b.closest("[data-monitor]").dataset.monitor;
    b.setAttribute("aria-pressed", String(Boolean(mine && session.mode === b.dataset.mode)));
  });
}

function render() {
  const box = bar();
  pressed();
  if (!session) { box.hidden = true; return; }
  box.hidden = false;
  box.replaceChildren(
    el("strong", {}, `${session.mode[0].toUpperCase()}${session.mode.slice(1)}ing`), " ",
    el("span", { class: "muted" }, session.callId), " ",
    ...MODES.filter((m) => m !== session.mode).map((m) => el("button", { type: "button", onclick: () => join(session.callId, m) }, m)),
    el("button", { type: "button", class: "danger", onclick: leave }, "Leave"),
  );
}

async function connect(callId, mode) {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: { ...audioConstraints() }, video: false });
  const pc = new RTCPeerConnection({ iceServers: [] });
  stream.getAudioTracks().forEach((t) => pc.addTrack(t, stream));
  const audio = document.getElementById("monitor-audio") || el("audio", { id: "monitor-audio", autoplay: true });
  if (!audio.isConnected) document.body.append(audio);
  pc.ontrack = (e) => { audio.srcObject = e.streams[0] || new MediaStream([e.track]); };
  pc.onconnectionstatechange = () => {
    if (["failed", "closed"].includes(pc.connectionState) && session?.pc === pc) { teardown(); render(); }
  };
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((resolve) => {
    if (pc.iceGatheringState === "complete") return resolve();
    pc.addEventListener("icegatheringstatechange", () => pc.iceGatheringState === "complete" && resolve());
    setTimeout(resolve, 2000);
  });
  const answer = await api("POST", "/api/monitor", { call_id: callId, mode, sdp: pc.localDescription.sdp });
  await pc.setRemoteDescription({ type: "answer", sdp: answer.sdp });
  return { callId, mode, pc, stream, audio };
}

function teardown() {
  session?.pc.close();
  session?.stream.getTracks().forEach((t) => t.stop());
  session = null;
}

export async function join(callId, mode) {
  try {
    if (session && session.callId === callId) {
      await api("PUT", "/api/monitor", { mode });
      session.mode = mode;
    } else {
      if (session) await leave();
      session = await connect(callId, mode);
    }
    toast(`${mode} — ${callId}`);
  } catch (e) {
    toast(e.message, "error");
    if (session && session.callId !== callId) teardown();
  }
  render();
}

export async function leave() {
  try { await api("DELETE", "/api/monitor"); } catch (_) { /* gone already */ }
  teardown();
  render();
}

// A cell marked data-no-agent is a call with no agent on the line (still in the menu or queue,
// or in a survey after the agent): the server would refuse to join it, so the buttons say so.
function enable(cell) {
  const off = cell.hasAttribute("data-no-agent");
  cell.querySelectorAll("button[data-mode]").forEach((b) => {
    b.disabled = off;
    b.title = off ? "No agent is talking with this caller now" : "";
  });
}

function decorate(cell) {
  if (cell.dataset.monitorReady) return;
  cell.dataset.monitorReady = "1";
  cell.append(...MODES.map((mode) => el("button", {
    type: "button", "data-mode": mode, "aria-pressed": "false",
    onclick: () => join(cell.dataset.monitor, mode),
  }, mode[0].toUpperCase() + mode.slice(1))));
  enable(cell);
}

// New rows get their buttons; only undecorated cells are touched, and the buttons' own
// attributes are not watched, so the observer never reacts to its own changes.
const observer = new MutationObserver((changes) => {
  const fresh = [...document.querySelectorAll("[data-monitor]:not([data-monitor-ready])")];
  fresh.forEach(decorate);
  if (fresh.length) pressed();
  changes.filter((c) => c.type === "attributes" && c.target.dataset.monitorReady).forEach((c) => enable(c.target));
});
observer.observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ["data-no-agent"] });
document.querySelectorAll("[data-monitor]").forEach(decorate);
