// Planning: the Erlang calculator (with one more agent), staffing and cost charts, the
// staffing the stored calls needed, and a day's forecast with the agents it needs. Every
// figure comes from /api/planning (the CLI's maths).
import { api, el } from "./common.js";

const $ = (id) => document.getElementById(id);
const pct = (v) => (v == null ? "–" : `${(v * 100).toFixed(1)} %`);
const secs = (v) => (v == null ? "unbounded" : `${v.toFixed(1)} s`);
const FIGURES = [
  ["p_wait", "callers who wait", pct], ["p_abandon", "callers who give up", pct],
  ["p_block", "callers blocked", pct], ["asa_s", "ASA (mean wait of answered calls)", secs],
  ["mean_wait_s", "mean wait of all callers", secs], ["occupancy", "occupancy", pct],
];

function workload(form, names) {
  const p = new URLSearchParams();
  const f = form.elements;
  for (const name of names) if (f[name].value !== "") p.set(name, f[name].value);
  if (f.model.value !== "a") p.delete("patience_s");
  return p;
}

function change(key, a, b) {
  if (a == null || b == null) return "–";
  const d = b - a;
  const sign = d > 0 ? "+" : "";
  return key.endsWith("_s") ? `${sign}${d.toFixed(1)} s` : `${sign}${(d * 100).toFixed(1)} pts`;
}

function erlangTable(found) {
  const more = found.one_more_agent;
  $("erlang-n").textContent = `${found.agents} agents`;
  $("erlang-n1").textContent = `${more.agents} agents`;
  const rows = FIGURES.map(([key, name, fmt]) => [key, name, fmt, found[key], more[key]]);
  for (const [def, value] of Object.entries(found.service_level)) {
    rows.push([def, `service level: ${def.replaceAll("_", " ")}`, pct, value, more.service_level[def]]);
  }
  $("erlang-table").tBodies[0].replaceChildren(...rows.map(([key, name, fmt, a, b]) =>
    el("tr", { "data-figure": key }, el("td", {}, name), el("td", { class: "num" }, fmt(a)),
      el("td", { class: "num" }, fmt(b)), el("td", { class: "num" }, change(key, a, b)))));
  const load = found.load_erlangs.toFixed(2);
  $("erlang-summary").textContent = `Load ${load} Erlangs on ${found.agents} agents` +
    (found.stable ? "." : " — more load than agents: the queue grows without bound.");
}

async function compute(event) {
  event?.preventDefault();
  const form = $("erlang-form");
  $("erlang-error").textContent = "";
  const base = workload(form, ["model", "calls_per_hour", "aht_s", "patience_s", "target_s"]);
  const erlang = new URLSearchParams(base);
  erlang.set("agents", form.elements.agents.value);
  const staffing = new URLSearchParams(base);
  staffing.set("target_sl", String(Number(form.elements.target_sl.value) / 100));
  staffing.set("shrinkage", String(Number(form.elements.shrinkage.value || 0) / 100));
  const cost = new URLSearchParams(base);
  cost.delete("target_s");
  for (const name of ["agent_cost_per_hour", "lost_call_cost", "wait_cost_per_hour"]) {
    cost.set(name, form.elements[name].value || "0");
  }
  cost.set("shrinkage", staffing.get("shrinkage"));
  try {
    const [figures, staff, costs] = await Promise.all([
      api("GET", `/api/planning/erlang?${erlang}`),
      api("GET", `/api/planning/staffing?${staffing}`),
      api("GET", `/api/planning/cost?${cost}`),
    ]);
    erlangTable(figures);
    $("erlang-csv").href = `/api/planning/erlang?${erlang}&format=csv`;
    $("staffing-chart").src = `/api/planning/staffing/chart.svg?${staffing}`;
    $("staffing-chart").alt = `Service level and occupancy by agent count; ${staff.agents} agents needed`;
    $("staffing-summary").textContent = `${staff.agents} agents on the phones needed ` +
      `(${staff.scheduled_agents} scheduled with shrinkage), set by the ${staff.limited_by}.`;
    $("cost-chart").src = `/api/planning/cost/chart.svg?${cost}`;
    $("cost-chart").alt = `Cost per hour by agent count; least cost at ${costs.agents} agents`;
    $("cost-summary").textContent = `Least cost: ${costs.agents} agents, ` +
      `${costs.total_per_hour.toFixed(2)} per hour.`;
    $("cost-csv").href = `/api/planning/cost?${cost}&format=csv`;
    $("erlang-card").hidden = false;
  } catch (error) {
    $("erlang-error").textContent = error.message;
  }
}

const HISTORY_COLUMNS = [
  ["interval", "interval", String], ["offered", "offered", String],
  ["aht_s", "AHT", (v) => (v == null ? "–" : `${v.toFixed(0)} s`)],
  ["agents_seen", "agents seen", String], ["agents_needed", "agents needed", (v) => (v == null ? "–" : String(v))],
  ["service_level", "service level", pct], ["abandon_rate", "abandoned", pct],
  ["model_abandon", "model: abandoned", pct], ["model_abandon_one_more", "one more agent: abandoned", pct],
  ["abandons_saved", "callers kept", (v) => v.toFixed(1)],
];

function nextDay(day) {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

async function history(event) {
  event?.preventDefault();
  const f = $("history-form").elements;
  $("history-error").textContent = "";
  const p = new URLSearchParams();
  if (f.from.value) p.set("from", f.from.value);
  if (f.to.value) p.set("to", nextDay(f.to.value));
  for (const o of f.queue.selectedOptions) p.append("queue", o.value);
  p.set("interval", f.interval.value);
  p.set("target_sl", String(Number(f.target_sl.value) / 100));
  p.set("target_s", f.target_s.value || "20");
  if (f.tz.value.trim()) p.set("tz", f.tz.value.trim());
  try {
    const found = await api("GET", `/api/planning/history?${p}`);
    const t = found.totals;
    $("history-summary").textContent = `${t.offered.toLocaleString()} calls offered in ` +
      `${t.intervals} intervals, ${t.abandoned.toLocaleString()} gave up. With one more agent ` +
      `in every interval, Erlang A (mean patience ${found.patience_s.toFixed(0)} s from these ` +
      `calls) says about ${Math.round(t.abandons_saved).toLocaleString()} of them would have been answered.`;
    $("history-chart").src = `/api/planning/history/chart.svg?${p}`;
    $("history-chart").alt = "Agents needed and agents seen per interval; abandonment with one more agent";
    $("history-csv").href = `/api/planning/history?${p}&format=csv`;
    const table = $("history-table");
    table.tHead.replaceChildren(el("tr", {}, ...HISTORY_COLUMNS.map(([, name], i) =>
      el("th", { scope: "col", class: i ? "num" : null }, name))));
    table.tBodies[0].replaceChildren(...found.rows.map((row) => el("tr", {},
      ...HISTORY_COLUMNS.map(([key, , fmt], i) => el("td", { class: i ? "num" : null }, fmt(row[key]))))));
    $("history-card").hidden = false;
  } catch (error) {
    $("history-error").textContent = error.message;
  }
}

const count = (v) => (v == null ? "–" : v.toFixed(1));
const FORECAST_COLUMNS = [
  ["interval", "interval", String], ["calls", "calls expected", count],
  ["actual_calls", "calls that came", (v) => (v == null ? "–" : String(v))],
  ["aht_s", "AHT", (v) => `${v.toFixed(0)} s`], ["agents", "agents needed", String],
  ["scheduled_agents", "scheduled", String], ["service_level", "service level", pct],
  ["abandon", "abandoned", pct],
];

function forecastSummary(found) {
  const h = found.history;
  const t = found.totals;
  const model = found.model === "a"
    ? `Erlang A (mean patience ${found.patience.mean_s.toFixed(0)} s from the same weeks)`
    : "Erlang C";
  const came = t.actual_calls == null ? "" : ` ${t.actual_calls.toLocaleString()} came.`;
  $("forecast-summary").textContent = `${Math.round(t.calls).toLocaleString()} calls expected on ${found.date}` +
    ` (the same weekday over ${h.weeks} week${h.weeks === 1 ? "" : "s"} before ${h.cut},` +
    ` scaled by ${h.level.toFixed(2)} to the latest week).${came} ${model}: up to` +
    ` ${t.peak_agents} agents, ${t.agent_hours.toFixed(1)} agent-hours.`;
  const b = found.backtest;
  $("forecast-error-measure").textContent = b == null
    ? "Not enough history to measure the forecast's error on a held-out week."
    : `Error on the held-out week from ${b.held_out_from} (forecast from the weeks before it):` +
      ` ${pct(b.wape)} of the calls per interval (WAPE), ${pct(b.daily_wape)} per day;` +
      ` the same interval a week earlier would have been off by ${pct(b.same_interval_last_week_wape)}.`;
}

async function forecast(event) {
  event?.preventDefault();
  const f = $("forecast-form").elements;
  $("forecast-error").textContent = "";
  const p = new URLSearchParams();
  p.set("date", f.date.value);
  p.set("weeks", f.weeks.value || "4");
  for (const o of f.queue.selectedOptions) p.append("queue", o.value);
  p.set("interval", f.interval.value);
  p.set("model", f.model.value);
  p.set("target_sl", String(Number(f.target_sl.value) / 100));
  p.set("target_s", f.target_s.value || "20");
  if (f.tz.value.trim()) p.set("tz", f.tz.value.trim());
  try {
    const found = await api("GET", `/api/planning/forecast?${p}`);
    forecastSummary(found);
    $("forecast-chart").src = `/api/planning/forecast/chart.svg?${p}`;
    $("forecast-chart").alt = `Calls expected and agents needed per interval on ${found.date}`;
    $("forecast-csv").href = `/api/planning/forecast?${p}&format=csv`;
    const table = $("forecast-table");
    table.tHead.replaceChildren(el("tr", {}, ...FORECAST_COLUMNS.map(([, name], i) =>
      el("th", { scope: "col", class: i ? "num" : null }, name))));
    table.tBodies[0].replaceChildren(...found.rows.map((row) => el("tr", {},
      ...FORECAST_COLUMNS.map(([key, , fmt], i) => el("td", { class: i ? "num" : null }, fmt(row[key]))))));
    $("forecast-card").hidden = false;
  } catch (error) {
    $("forecast-error").textContent = error.message;
  }
}

$("erlang-form").addEventListener("submit", compute);
$("history-form").addEventListener("submit", history);
$("forecast-form").addEventListener("submit", forecast);
