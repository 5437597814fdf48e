// Shared by every page: API calls with the CSRF token, the live event stream, messages.

const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || `HTTP ${status}`);
    this.status = status;
    this.errorId = body?.error_id || "http_error";
    this.body = body || {}; // the whole refusal (e.g. an invalid company file's problems)
  }
}

export async function api(method, path, body) {
  const init = { method, headers: { "X-CSRF-Token": csrf() }, credentials: "same-origin" };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (_) { data = null; }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export function toast(message, kind = "info") {
  const box = document.getElementById("toast");
  if (!box) return;
  box.textContent = message;
  box.className = `show ${kind}`;
  clearTimeout(box._timer);
  box._timer = setTimeout(() => (box.className = ""), 5000);
}

// The live event stream: reconnects with back-off; `onEvent` gets each event, `onOpen` runs
// after every (re)connection so the page can reload what it shows.
export function liveEvents(path, onEvent, onOpen) {
  let delay = 500;
  const connect = () => {
    const url = new URL(path, location.href);
    url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(url);
    socket.onopen = () => { delay = 500; onOpen?.(); };
    // each message is a batch: the events that were waiting when the server sent it
    socket.onmessage = (message) => JSON.parse(message.data).forEach(onEvent);
    socket.onclose = () => { setTimeout(connect, delay); delay = Math.min(delay * 2, 10000); };
  };
  connect();
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === false || value == null) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child == null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function duration(seconds) {
  if (seconds == null) return "";
  const s = Math.max(0, Math.round(seconds));
  const m = Math.floor(s / 60);
  return m >= 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}` : `${m}:${String(s % 60).padStart(2, "0")}`;
}

document.getElementById("logout")?.addEventListener("click", async () => {
  try { await api("DELETE", "/api/session"); } finally { location.href = "/login"; }
});

// Microphone settings: the browser's echo cancellation, noise suppression and gain control
// stay on unless this browser was told otherwise (localStorage "frontdesk.audio", JSON, e.g.
// {"noiseSuppression": false} for a headset that does its own processing).
export function audioConstraints() {
  try {
    return { ...JSON.parse(localStorage.getItem("frontdesk.audio") || "{}") };
  } catch (_) {
    return {};
  }
}
