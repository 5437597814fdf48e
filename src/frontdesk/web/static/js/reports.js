// Reports: choose a report and its window, see its chart (SVG from the server) and its table,
// download both. The chart and the CSV are the same report as the table: same parameters.
import { api, el } from "./common.js";
import { cell } from "./report_cells.js";

const $ = (id) => document.getElementById(id);
const form = $("report-form");

function nextDay(day) {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

function params() {
  const p = new URLSearchParams();
  const f = form.elements;
  if (f.from.value) p.set("from", f.from.value);
  if (f.to.value) p.set("to", nextDay(f.to.value)); // the page's "to" day is included
  if (f.queue) for (const o of f.queue.selectedOptions) p.append("queue", o.value);
  if (f.by?.value) p.set("by", f.by.value);
  if (f.interval) p.set("interval", f.interval.value);
  if (f.target_s?.value) p.set("target_s", f.target_s.value);
  if (f.definition) p.set("definition", f.definition.value);
  if (f.tz.value.trim()) p.set("tz", f.tz.value.trim());
  return p;
}

function flatten(row) {
  const out = {};
  for (const [k, v] of Object.entries(row)) {
    if (v && typeof v === "object") for (const [kk, vv] of Object.entries(v)) out[`${k}.${kk}`] = vv;
    else out[k] = v;
  }
  return out;
}

function showTable(report) {
  const rows = report.rows.map(flatten);
  const columns = rows.length ? Object.keys(rows[0]) : [];
  const numeric = (c) => rows.some((r) => typeof r[c] === "number");
  const shares = new Set(report.shares || []);
  const table = $("report-table");
  table.tHead.replaceChildren(el("tr", {}, ...columns.map((c) =>
    el("th", { scope: "col", class: numeric(c) ? "num" : null }, c.replaceAll("_", " ")))));
  table.tBodies[0].replaceChildren(...rows.map((r) => el("tr", {}, ...columns.map((c) =>
    el("td", { class: numeric(c) ? "num" : null }, cell(r[c], shares.has(c)))))));
  $("table-count").textContent = `${rows.length} row${rows.length === 1 ? "" : "s"}`;
  $("table-card").hidden = false;
}

function showChart(kind, query, report) {
  const chart = new URLSearchParams(query);
  const goal = form.elements.target_sl?.value;
  if (goal) chart.set("target_sl", String(Number(goal) / 100));
  const url = `/api/reports/${kind}/chart.svg?${chart}`;
  const img = $("chart");
  img.alt = `${form.elements.kind.selectedOptions[0].textContent}: chart of the table below`;
  img.src = url;
  $("chart-download").href = url;
  $("chart-notes").textContent = (report.notes || []).join(" · ");
  $("chart-card").hidden = false;
}

async function show(event) {
  event?.preventDefault();
  $("report-error").textContent = "";
  const kind = form.elements.kind.value;
  const query = params();
  try {
    const report = await api("GET", `/api/reports/${kind}?${query}`);
    const csv = new URLSearchParams(query);
    csv.set("format", "csv");
    $("csv-download").href = `/api/reports/${kind}?${csv}`;
    $("csv-download").setAttribute("download", `${kind}.csv`);
    showTable(report);
    showChart(kind, query, report);
  } catch (error) {
    $("report-error").textContent = error.message;
    $("chart-card").hidden = true;
    $("table-card").hidden = true;
  }
}

$("chart").addEventListener("error", () => {
  $("report-error").textContent = "The chart could not be drawn for this choice.";
});
form.addEventListener("submit", show);
