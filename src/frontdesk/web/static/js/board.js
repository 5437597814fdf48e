// The wallboard: one snapshot pushed over a WebSocket whenever something changes.
import { api, toast, el, duration } from "./common.js";

const root = document.querySelector(".board");
const share = root.dataset.share;
const $ = (id) => document.getElementById(id);
const pct = (x) => (x == null ? "—" : `${Math.round(x * 100)}%`);
const secs = (x) => (x == null ? "—" : duration(x));

function figure(name, value, opts = {}) {
  return el("div", { class: `figure ${opts.cls || ""}`, "data-figure": opts.key || name },
    el("div", { class: "value" }, value), el("div", { class: "name" }, name));
}

function slClass(sl, target = 0.8) {
  if (sl == null) return "";
  return sl >= target ? "good" : "alert";
}

// What the teams owe callers (follow-up tasks): voicemails and missed calls to return, and how
// many of all tasks are past the time promised.
function owedFigures(owed) {
  if (!owed) return [];
  const late = owed.overdue;
  return [
    figure("Voicemails to return", owed.voicemail, { key: "owed-voicemail" }),
    figure("Missed calls to return", owed.missed_call, { key: "owed-missed" }),
    figure("Overdue call-backs", late, { key: "owed-overdue", cls: late ? "alert" : "" }),
  ];
}

function render(board) {
  $("board-day").textContent = board.day?.date || "";
  $("board-updated").textContent = `updated ${new Date(board.at * 1000).toLocaleTimeString()}`;
  const t = board.totals;
  const today = t.today || {};
  $("totals").replaceChildren(
    figure("Waiting", t.waiting, { key: "waiting", cls: t.waiting ? "alert" : "" }),
    figure("Longest wait", secs(t.longest_current_wait_s), { key: "longest" }),
    figure(`Service level (${board.settings.target_s}s)`, pct(today.service_level), { key: "sl", cls: slClass(today.service_level) }),
    figure("Offered", today.offered ?? 0, { key: "offered" }),
    figure("Answered", today.answered ?? 0, { key: "answered" }),
    figure("Abandoned", today.abandoned ?? 0, { key: "abandoned" }),
    figure("Callbacks pending", t.callbacks_pending, { key: "callbacks" }),
    figure("Promises at risk", t.callbacks_at_risk, { key: "at-risk", cls: t.callbacks_at_risk ? "alert" : "" }),
    figure("VIP waiting", t.vip_waiting, { key: "vip", cls: t.vip_waiting ? "alert" : "" }),
    figure("Long calls", t.long_calls, { key: "long" }),
    ...owedFigures(board.followups?.total),
  );
  $("tiles").replaceChildren(...Object.entries(board.queues).map(([name, q]) => {
    const d = q.today || {};
    const waiting = [...q.vip_waiting.callers.map((c) => ({ ...c, vip: true })), ...q.open_case_waiting.callers];
    return el("article", { class: "card tile", "data-queue": name },
      el("h2", {}, el("span", {}, name), el("span", { class: "muted small" }, q.team || "")),
      el("div", { class: "figures" },
        figure("Waiting", q.waiting, { key: "waiting", cls: q.waiting ? "alert" : "" }),
        figure("Longest wait", secs(q.longest_current_wait_s), { key: "longest" }),
        figure(`SL ${q.target_s}s`, pct(d.service_level), { key: "sl", cls: slClass(d.service_level) }),
        figure("Offered", d.offered ?? 0, { key: "offered" }),
        figure("Answered", d.answered ?? 0, { key: "answered" }),
        figure("Abandoned", d.abandoned ?? 0, { key: "abandoned" }),
        figure("ASA", secs(d.asa_s), { key: "asa" }),
        figure("Callbacks", q.callbacks_pending, { key: "callbacks" }),
        figure("At risk", q.callbacks_at_risk.length, { key: "at-risk", cls: q.callbacks_at_risk.length ? "alert" : "" }),
        figure("Agents free", q.agents.available, { key: "free" }),
      ),
      waiting.length ? el("ul", { class: "items small" }, waiting.map((c) =>
        el("li", {}, `${c.vip ? "VIP " : "Open case "}${c.name || c.number || "caller"}`, el("span", {}, secs(c.wait_s))))) : null,
    );
  }));
  presenceChoices(board.agents);
  $("agents").replaceChildren(...Object.entries(board.agents).map(([id, a]) => {
    const call = a.current_call;
    return el("tr", { "data-agent": id },
      el("th", { scope: "row" }, a.name),
      el("td", {}, el("span", { class: "chip", "data-state": a.state }, a.state + (a.break_reason ? ` — ${a.break_reason}` : ""))),
      el("td", { class: "num" }, secs(a.time_in_state_s)),
      el("td", { class: "num" }, a.handled_today),
      el("td", { class: "num" }, secs(a.aht_s_today)),
      el("td", {}, call ? [`${call.queue || ""} · ${secs(call.talking_s)}`,
        call.caller?.name ? ` · ${call.caller.name}` : "",
        call.long ? el("span", { class: "flag" }, " long call") : null] : (a.ringing ? `ringing · ${a.ringing.queue || ""}` : "")),
    );
  }));
}

// Put an agent on a break or make them ready (their teams' agents; api/routes/board_agents.py).
// The list follows the board, keeping the choice the supervisor is making.
function presenceChoices(agents) {
  const pick = $("presence-agent");
  if (!pick) return;  // a shared screen: read-only
  const ids = Object.keys(agents);
  if (ids.join() === pick.dataset.ids) return;
  const chosen = pick.value;
  pick.replaceChildren(...ids.map((id) => el("option", { value: id }, agents[id].name)));
  if (ids.includes(chosen)) pick.value = chosen;
  pick.dataset.ids = ids.join();
}

$("presence-form")?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const agent = $("presence-agent").value;
  const to = $("presence-to").value;
  const body = to === "ready" ? { ready: true } : { ready: false, reason: to.slice("break:".length) };
  try {
    const answer = await api("PUT", `/api/board/agents/${encodeURIComponent(agent)}/presence`, body);
    toast(`${$("presence-agent").selectedOptions[0].textContent}: ${answer.state}`);
  } catch (e) { toast(e.message, "error"); }
});

function connect() {
  const url = new URL("/api/board/stream", location.href);
  url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  if (share) url.searchParams.set("share", share);
  const socket = new WebSocket(url);
  socket.onmessage = (m) => render(JSON.parse(m.data).board);
  socket.onclose = () => setTimeout(connect, 1000);
}

$("share")?.addEventListener("click", async () => {
  const name = prompt("Name of the screen (e.g. 'Office TV')", "Office screen");
  if (!name) return;
  try {
    const me = await api("GET", "/api/session");
    const link = await api("POST", "/api/board/shares", { name, teams: me.role === "admin" ? [] : me.teams });
    prompt("Read-only link (shown once):", new URL(link.url, location.href).href);
  } catch (e) { toast(e.message, "error"); }
});

connect();
