// The agent desktop: presence, the screen pop, call controls, after-call work, lists.
import { api, toast, liveEvents, el, duration } from "./common.js";
import { Softphone, permanent } from "./softphone.js";

const me = document.querySelector(".desk").dataset.agent;
const $ = (id) => document.getElementById(id);
const view = { phase: "idle", callId: null, stateSince: Date.now(), wrapStarted: null, ringing: false, consult: null, recording: null };
const phone = new Softphone($("remote-audio"), phoneChanged, api);

function phoneChanged(state, error) {
  if (error) toast(`Browser phone: ${error.message}`, "error");
  const on = phone.wanted;  // switched on, also while it reconnects
  $("phone-toggle").textContent = on ? "Turn off" : "Turn on";
  $("phone-toggle").setAttribute("aria-pressed", String(on));
  $("phone-status").textContent = !on ? "off — calls ring your desk phone"
    : state === "reconnecting" ? "connection lost — reconnecting…" : `on (${state})`;
  render();
}

function render() {
  const talking = view.phase === "talking";
  $("answer").disabled = !(view.phase === "ringing" && phone.on && view.ringing);
  $("hangup").disabled = !(talking || (view.phase === "ringing" && phone.on && view.ringing));
  for (const id of ["mute", "hold"]) $(id).disabled = !(talking && phone.on);
  document.querySelectorAll(".key").forEach((b) => (b.disabled = !(talking && phone.on)));
  document.querySelector("#transfer button").disabled = !talking || !!view.consult;
  // Attended transfer: Consult holds the caller and rings a colleague; Complete hands over.
  const consult = view.consult;
  $("consult").disabled = !talking || !!consult;
  $("consulting").hidden = !consult;
  $("consult-complete").disabled = !(consult && consult.state === "talking");
  $("consult-status").textContent = consult
    ? `${consult.name}: ${consult.state === "talking" ? "talking — the caller hears music" : "ringing…"}`
    : "";
  // Recording: what the company's policy lets the agent do (telephony/recording_control.py).
  const rec = talking ? view.recording : null;
  $("recording").hidden = !rec || (rec.policy === "none");
  if (rec) {
    $("recording-status").textContent = { off: "Not recorded", recording: "● Recording", paused: "Recording paused" }[rec.state];
    $("rec-start").hidden = !(rec.policy === "on-demand" && rec.state === "off");
    $("rec-pause").hidden = rec.state !== "recording";
    $("rec-resume").hidden = rec.state !== "paused";
    $("rec-stop").hidden = !(rec.policy === "on-demand" && rec.state !== "off");
  }
  $("wrap").hidden = view.phase !== "wrapup";
  $("call-title").textContent = {
    idle: "No call", ringing: "Incoming call", talking: "On a call", wrapup: "Call ended",
  }[view.phase];
  document.querySelector(".call").dataset.phase = view.phase;
}

function renderPop(pop) {
  const box = $("pop");
  box.replaceChildren();
  if (!pop) return;
  const badges = [
    pop.vip && el("span", { class: "badge vip" }, "VIP"),
    pop.tier && !(pop.vip && pop.tier === "vip") && el("span", { class: "badge" }, pop.tier),
    pop.language && el("span", { class: "badge" }, pop.language.toUpperCase()),
    pop.country && el("span", { class: "badge" }, pop.country),
    pop.callback && el("span", { class: "badge" }, "Callback"),
  ];
  box.append(...[
    el("p", { class: "caller" }, el("strong", { id: "pop-name" }, pop.name), " ", el("span", { class: "muted" }, pop.number)),
    el("p", {}, ...badges),
    pop.account && el("p", {}, "Account: ", el("strong", { id: "pop-account" }, pop.account), pop.owner ? ` · owner ${pop.owner}` : ""),
    el("p", { class: "whisper" }, el("span", { class: "label" }, "Whisper "), pop.whisper),
    pop.why && el("details", {}, el("summary", {}, "Why this call came to you"), el("pre", {}, pop.why)),
    el("h3", {}, "Open cases"),
    pop.open_cases.length
      ? el("ul", { id: "pop-cases" }, pop.open_cases.map((c) => el("li", {}, `${c.topic} — ${c.status} (since ${c.opened})`)))
      : el("p", { class: "muted" }, "None"),
    el("h3", {}, "Last interactions"),
    pop.recent.length
      ? el("ul", {}, pop.recent.map((i) => el("li", {}, `${(i.at || "").replace("T", " ")} ${i.outcome || ""} ${i.agent ? "· " + i.agent : ""} ${i.notes ? "— " + i.notes : ""}`)))
      : el("p", { class: "muted" }, "None"),
  ].filter(Boolean));
}

async function loadPop(callId) {
  view.callId = callId;
  try { renderPop(await api("GET", `/api/calls/${encodeURIComponent(callId)}/pop`)); }
  catch (e) { toast(e.message, "error"); }
}

function setState(state, sinceS) {
  $("state").textContent = state;
  $("state").dataset.state = state;
  view.stateSince = Date.now() - (sinceS || 0) * 1000;
  const sel = $("presence");
  if (state === "available") sel.value = "available";
  // Logged in means a registered phone (telephony/contact_centre.py): until then there is no
  // status to choose.
  sel.disabled = state === "logged-out";
  $("state-hint").hidden = state !== "logged-out";
}

async function loadDesk() {
  const desk = await api("GET", "/api/desk");
  setState(desk.agent.state, desk.agent.since_s);
  if (desk.agent.reason && desk.agent.state === "on-break") $("presence").value = `break:${desk.agent.reason}`;
  // The after-call form stays until saved or dismissed, even when the routing engine had no
  // wrap-up time and already says idle.
  if (!(view.phase === "wrapup" && desk.phase === "idle")) view.phase = desk.phase;
  view.ringing = desk.softphone.ringing;
  view.consult = desk.consult;
  view.timezone = desk.timezone;
  view.recording = desk.recording;
  if (desk.pop) { view.callId = desk.pop.call_id; renderPop(desk.pop); }
  else if (desk.phase === "idle") renderPop(null);
  if (desk.phase === "wrapup" && !view.wrapStarted) { view.callId = desk.wrap_call_id; view.wrapStarted = Date.now(); }
  renderLists(desk);
  render();
}

const TASK_KINDS = { voicemail: "voicemail", missed_call: "missed call", callback: "asked for a callback" };

// A time today as hours and minutes; another day's with its date. On the company's clocks:
// "due 5 pm" is what the team promised the caller, wherever the agent's browser is; an agent
// in another zone sees the zone's name.
function when(seconds) {
  const timeZone = view.timezone || undefined;
  const away = timeZone && timeZone !== Intl.DateTimeFormat().resolvedOptions().timeZone;
  const at = new Date(seconds * 1000);
  const time = at.toLocaleTimeString([], { hour: "numeric", minute: "2-digit", timeZone, ...(away ? { timeZoneName: "short" } : {}) });
  const day = (d) => d.toLocaleDateString("en-CA", { timeZone });
  return day(at) === day(new Date())
    ? time : `${at.toLocaleDateString([], { day: "numeric", month: "short", timeZone })} ${time}`;
}

// A voicemail task's message plays in the list, so the agent hears it before calling back.
// The player outlives the list's re-renders (every task event redraws it).
let player = null;  // { task, audio }

function listen(button, task) {
  if (player) {
    const same = player.task === task;
    player.audio.pause(); player.audio.remove(); player = null;
    document.querySelectorAll("button.listen").forEach((b) => { b.textContent = "Listen"; });
    if (same) return;
  }
  const audio = el("audio", { controls: "", autoplay: "", preload: "auto", class: "voicemail",
    src: `/api/desk/tasks/${task}/voicemail.wav` });
  audio.addEventListener("error", () => toast("The message cannot be played", "error"));
  player = { task, audio };
  button.closest("li").append(audio);
  button.textContent = "Close";
}

function keepPlayer() {
  if (!player) return;
  const li = document.querySelector(`#callbacks li[data-task="${player.task}"]`);
  if (!li) { player.audio.pause(); player = null; return; }  // the task was closed
  li.append(player.audio);
  li.querySelector("button.listen").textContent = "Close";
}

// A task named by the CRM shows its caller's number beside the name.
const numberOf = (task) => (task.name ? `${task.caller} · ` : "");

function renderLists(desk) {
  const item = (label, sub, number, task, message) => el("li", { "data-task": task }, el("span", {}, el("strong", {}, label), " ", el("span", { class: "muted" }, sub)),
    el("span", { class: "actions" },
      message && el("button", { type: "button", class: "listen", "aria-label": `Listen: ${label}`, onclick: (e) => listen(e.currentTarget, task) }, "Listen"),
      el("button", { type: "button", class: "dial", "data-number": number, onclick: () => dial(number) }, "Call"),
      task && el("button", { type: "button", class: "task-done", "aria-label": `Done: ${label}`, onclick: () => closeTask(task, "done") }, "Done"),
      task && el("button", { type: "button", class: "task-cancel", "aria-label": `Cancel: ${label}`, onclick: () => closeTask(task, "cancel") }, "Cancel")));
  const cbs = [...desk.next_actions.map((a) => item(a.name || a.number, `you promised ${when(a.next_action_at)}`, a.number)),
    ...desk.callbacks.map((t) => item(t.name || t.caller, `${numberOf(t)}${TASK_KINDS[t.kind] || t.kind} · due ${when(t.due_at)}`, t.caller, t.id, t.recording))];
  $("callbacks").replaceChildren(...(cbs.length ? cbs : [el("li", { class: "muted" }, "None")]));
  keepPlayer();
  const calls = (n) => `${n} call${n === 1 ? "" : "s"}`;
  const missed = desk.missed.map((m) => item(m.name || m.caller, `${numberOf(m)}${calls(m.unanswered_calls)}, last ${when(m.updated_at)} · due ${when(m.due_at)}`, m.caller, m.id));
  $("missed").replaceChildren(...(missed.length ? missed : [el("li", { class: "muted" }, "None")]));
}

// Closing a task by hand also takes its callback out of the queue (the team no longer owes the
// call); cancelling asks why, for the event log and the supervisor.
async function closeTask(id, how) {
  let body = { note: "" };
  if (how === "cancel") {
    const reason = window.prompt("Why is this callback no longer needed?");
    if (!reason || !reason.trim()) return;
    body = { reason: reason.trim() };
  }
  try { await api("POST", `/api/desk/tasks/${id}/${how}`, body); toast(how === "done" ? "Marked done" : "Cancelled"); await loadDesk(); }
  catch (e) { toast(e.message, "error"); }
}

async function dial(number) {
  try { await api("POST", "/api/desk/dial", { number }); toast(`Calling you first, then ${number}`); }
  catch (e) { toast(e.message, "error"); }
}

function onEvent(event) {
  const d = event.data || {};
  if (event.kind === "acd.agent_state" && d.agent_id === me) setState(d.new, 0);
  else if (event.kind === "acd.offered" && (d.agent_ids || []).includes(me)) {
    view.phase = "ringing"; view.wrapStarted = null; loadPop(d.contact_id);
  } else if ((event.kind === "acd.offer_cancelled" || event.kind === "acd.offer_missed") && d.agent_id === me) {
    if (view.phase === "ringing") { view.phase = "idle"; view.ringing = false; renderPop(null); }
  } else if (event.kind === "acd.answered" && d.agent_id === me) {
    view.phase = "talking"; view.ringing = false; loadDesk().catch(() => {});  // the recording's state
  }
  else if (event.kind === "acd.call_ended" && d.agent_id === me) {
    view.phase = "wrapup"; view.callId = d.contact_id; view.wrapStarted = Date.now(); $("notes").focus();
  } else if (event.kind === "softphone.incoming" && d.agent_id === me) { view.ringing = true; }
  else if (event.kind === "softphone.ended" && d.agent_id === me) { view.ringing = false; }
  else if (event.kind === "call.consult_ended" && d.agent === me) view.consult = null;
  else if (event.kind.startsWith("call.consult_") && d.agent === me) loadDesk().catch(() => {});
  else if (event.kind.startsWith("task.")) loadDesk().catch(() => {});
  else if (event.kind === "presence.set" && d.agent_id === me) {  // a supervisor's change
    toast(d.ready ? `${d.by} made you ready for calls` : `${d.by} put you on a break (${d.reason})`);
    loadDesk().catch(() => {});
  }
  else if (event.kind.startsWith("call.recording_") && d.agent === me) loadDesk().catch(() => {});
  render();
}

async function act(path, body) {
  try { return await api("POST", path, body); } catch (e) { toast(e.message, "error"); return null; }
}

$("answer").onclick = () => act("/api/softphone/answer");
$("hangup").onclick = () => act("/api/desk/hangup");
$("mute").onclick = async () => {
  const on = $("mute").getAttribute("aria-pressed") !== "true";
  if (await act("/api/softphone/mute", { on })) $("mute").setAttribute("aria-pressed", String(on));
};
$("hold").onclick = async () => {
  const on = $("hold").getAttribute("aria-pressed") !== "true";
  if (await act("/api/softphone/hold", { on })) $("hold").setAttribute("aria-pressed", String(on));
};
document.querySelectorAll(".key").forEach((b) => (b.onclick = () => act("/api/softphone/dtmf", { digit: b.dataset.key })));
$("transfer").onsubmit = (e) => { e.preventDefault(); act("/api/desk/transfer", { to: $("transfer-to").value }); };
$("consult").onclick = async () => {
  if (await act("/api/desk/consult", { to: $("transfer-to").value })) loadDesk().catch(() => {});
};
$("consult-complete").onclick = async () => {
  if (await act("/api/desk/consult/complete")) { view.consult = null; render(); }
};
$("consult-cancel").onclick = async () => {
  if (await act("/api/desk/consult/cancel")) { view.consult = null; render(); }
};
for (const action of ["start", "pause", "resume", "stop"]) {
  $(`rec-${action}`).onclick = async () => {
    const answer = await act("/api/desk/recording", { action });
    if (answer && view.recording) { view.recording.state = answer.state; render(); }
  };
}
$("presence").onchange = async () => {
  const value = $("presence").value;
  const body = value === "available" ? { ready: true } : { ready: false, reason: value.slice(6) };
  try { await api("PUT", "/api/desk/presence", body); } catch (e) { toast(e.message, "error"); loadDesk(); }
};
$("ready").onclick = async () => {
  try { await api("PUT", "/api/desk/presence", { ready: true }); view.phase = "idle"; renderPop(null); render(); }
  catch (e) { toast(e.message, "error"); }
};
$("wrap-form").onsubmit = async (e) => {
  e.preventDefault();
  const at = $("next-action").value;
  try {
    await api("POST", `/api/calls/${encodeURIComponent(view.callId)}/wrapup`, {
      disposition: $("disposition").value, notes: $("notes").value,
      next_action_at: at ? new Date(at).getTime() / 1000 : null,
    });
    toast("Saved");
    $("notes").value = ""; $("next-action").value = "";
    if (view.phase === "wrapup") { view.phase = "idle"; view.wrapStarted = null; }
    loadDesk();
  } catch (err) { toast(err.message, "error"); }
};
async function switchPhone(on) {
  try { on ? await phone.switchOn() : await phone.switchOff(); }
  catch (e) {
    if (!permanent(e)) { phone.lost(); return; }  // the server is restarting, the network is down
    toast(`Browser phone: ${e.message}`, "error");
    await phone.switchOff();
  }
  phoneChanged(phone.pc?.connectionState || "closed");
}
$("phone-toggle").onclick = () => switchPhone(!phone.wanted);
if (phone.remembered) switchPhone(true);  // a reload: the phone was on in this tab

document.addEventListener("keydown", (e) => {
  if (e.ctrlKey && e.key === "Enter" && !$("wrap").hidden) { $("wrap-form").requestSubmit(); return; }
  if (e.target.closest("input, textarea, select") || e.ctrlKey || e.metaKey || e.altKey) return;
  const button = { a: "answer", h: "hangup", m: "mute", o: "hold", r: "ready" }[e.key.toLowerCase()];
  if (button && !$(button).disabled && ($(button).offsetParent !== null)) { e.preventDefault(); $(button).click(); }
});

setInterval(() => {
  $("state-time").textContent = duration((Date.now() - view.stateSince) / 1000);
  if (view.wrapStarted) $("wrap-timer").textContent = duration((Date.now() - view.wrapStarted) / 1000);
}, 1000);

liveEvents("/api/events", onEvent, () => {
  loadDesk().catch((e) => toast(e.message, "error"));
  phone.check();
});
render();
