// Call history and recordings: search finished calls, page through them, play a recording.
import { api, toast, el, duration } from "./common.js";

const $ = (id) => document.getElementById(id);
const form = $("search");
const known = { agents: new Set(), queues: new Set(), dispositions: new Set() };
let nextCursor = null;
let shown = 0;

function query(cursor) {
  const params = new URLSearchParams();
  for (const name of ["number", "contact", "agent", "queue", "disposition", "outcome", "from", "to"]) {
    const value = form.elements[name].value.trim();
    if (value) params.set(name, value);
  }
  if (form.elements.long.checked) params.set("long", "true");
  if (form.elements.has_recording.checked) params.set("has_recording", "true");
  params.set("limit", "50");
  if (cursor) params.set("cursor", cursor);
  return `/api/history/calls?${params}`;
}

const when = (epoch) => new Date(epoch * 1000).toLocaleString([], { dateStyle: "short", timeStyle: "medium" });

function learn(call) {
  call.agents.forEach((a) => known.agents.add(a));
  call.queues.forEach((q) => known.queues.add(q));
  if (call.disposition) known.dispositions.add(call.disposition);
  for (const [id, set] of [["known-agents", known.agents], ["known-queues", known.queues], ["known-dispositions", known.dispositions]]) {
    $(id).replaceChildren(...[...set].sort().map((v) => el("option", { value: v })));
  }
}

function longCell(call) {
  if (call.long) return el("span", { class: "flag", title: `over ${duration(call.long_after_s)} for this queue and disposition` }, "long");
  if (call.long === null && call.talk_s > 0) return el("span", { class: "muted small", title: "too few comparable calls to judge" }, "—");
  return "";
}

function row(call) {
  const first = call.recordings.find((r) => r.kind === "call") || call.recordings[0];
  const caller = [
    el("span", { class: "number" }, call.caller || "withheld"),
    call.name ? el("span", {}, ` ${call.name}`) : null,
    call.vip ? el("span", { class: "badge vip" }, "VIP") : null,
    call.open_case ? el("span", { class: "badge" }, "open case") : null,
  ];
  return el("tr", { "data-call": call.call_id, "data-long": call.long ? "true" : null },
    el("td", {}, when(call.started_at)),
    el("td", {}, caller),
    el("td", {}, call.queue || "—"),
    el("td", {}, call.agents.join(", ") || "—"),
    el("td", { class: "num" }, duration(call.wait_s)),
    el("td", { class: "num" }, call.talk_s ? duration(call.talk_s) : "—"),
    el("td", {}, call.outcome, call.voicemail ? el("span", { class: "badge" }, "message") : null),
    el("td", {}, call.disposition || ""),
    el("td", {}, longCell(call)),
    el("td", {}, first
      ? el("button", { type: "button", class: "play", "aria-label": `Play the recording of the call from ${call.caller || "a withheld number"}`,
          onclick: () => play(call, first) }, `▶ ${duration(first.duration_s)}`)
      : el("span", { class: "muted" }, "none")),
  );
}

function play(call, recording) {
  const player = $("player");
  $("player-card").hidden = false;
  $("player-what").textContent = `${when(call.started_at)} — ${call.caller || "withheld"}${call.name ? ` (${call.name})` : ""}, ${call.agents.join(", ") || "no agent"}, ${recording.kind === "voicemail" ? "voicemail (mono)" : "conversation"}`;
  $("player-download").href = `${recording.url}?download=true`;
  player.src = recording.url;
  player.dataset.call = call.call_id;
  player.play().catch(() => { /* the user presses play */ });
  player.focus();
}

async function load(cursor) {
  try {
    const page = await api("GET", query(cursor));
    if (!cursor) { $("results").replaceChildren(); shown = 0; }
    page.calls.forEach((call) => { learn(call); $("results").append(row(call)); });
    shown += page.calls.length;
    nextCursor = page.next_cursor;
    $("more").hidden = !nextCursor;
    $("results-count").textContent = shown ? `${shown}${nextCursor ? "+" : ""} found` : "none found";
  } catch (e) {
    toast(e.message, "error");
  }
}

form.addEventListener("submit", (event) => { event.preventDefault(); load(null); });
form.addEventListener("reset", () => setTimeout(() => load(null), 0));
$("more").addEventListener("click", () => load(nextCursor));
load(null);
