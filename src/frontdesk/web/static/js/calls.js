// Live calls for supervisors: GET /api/calls/live, reloaded when the event stream says a call
// changed (at most every 300 ms), times counted on in the page each second. Rows are kept
// and updated in place, so the monitor cell of a row (data-monitor) keeps its buttons.
import { api, toast, liveEvents, el, duration } from "./common.js";

const $ = (id) => document.getElementById(id);
const STATES = { starting: "answering", flow: "in the menu", queued: "waiting", connected: "talking", after_agent: "after the agent", voicemail: "voicemail" };
let calls = [];
let loadedAt = Date.now();
let pending = null;

function callerCell(call) {
  return [
    el("span", { class: "number" }, call.number || "withheld"),
    call.name ? ` ${call.name}` : null,
    call.account ? el("span", { class: "muted small" }, ` · ${call.account}`) : null,
    call.vip ? el("span", { class: "badge vip" }, "VIP") : null,
    call.open_case ? el("span", { class: "badge" }, "open case") : null,
  ];
}

function cells(row, call) {
  const [state, caller, queue, agent, time] = row.children;
  state.replaceChildren(el("span", { class: "chip", "data-state": call.state === "connected" ? "on-call" : call.state }, STATES[call.state] || call.state));
  caller.replaceChildren(...callerCell(call).filter(Boolean));
  queue.textContent = call.queue || "—";
  const who = call.agent_name || call.agent;
  agent.textContent = call.agent ? (call.state === "after_agent" ? `${who} (hung up)` : who) : "—";
  time.dataset.since = String(call.since_s);
  // Before an agent answers and after the agent has left (a survey), there is no conversation
  // to join: monitor.js disables the buttons of a cell so marked.
  row.lastElementChild.toggleAttribute("data-no-agent", !call.agent_leg);
}

function newRow(call) {
  return el("tr", { "data-call": call.call_id },
    el("td", {}), el("td", {}), el("td", {}), el("td", {}), el("td", { class: "num time" }),
    // Left empty on purpose: the Listen / Whisper / Barge buttons go in this cell.
    el("td", { "data-monitor": call.call_id }),
  );
}

function render() {
  const body = $("live-calls");
  const rows = new Map([...body.children].map((r) => [r.dataset.call, r]));
  const order = calls.map((call) => {
    const row = rows.get(call.call_id) || newRow(call);
    rows.delete(call.call_id);
    cells(row, call);
    return row;
  });
  rows.forEach((r) => r.remove());
  order.forEach((r) => body.append(r)); // append moves rows already there into order
  $("live-empty").hidden = calls.length > 0;
  $("live-count").textContent = calls.length ? `(${calls.length})` : "";
  tick();
}

function tick() {
  const extra = (Date.now() - loadedAt) / 1000;
  document.querySelectorAll("#live-calls td.time").forEach((td) => {
    td.textContent = duration(Number(td.dataset.since) + extra);
  });
}

async function load() {
  pending = null;
  try {
    calls = await api("GET", "/api/calls/live");
    loadedAt = Date.now();
    render();
  } catch (e) {
    toast(e.message, "error");
  }
}

function soon() {
  if (!pending) pending = setTimeout(load, 300);
}

liveEvents("/api/events", (event) => {
  if (event.call_id && /^(call|acd|leg)\./.test(event.kind)) soon();
}, load);
setInterval(tick, 1000);
load();
