// The admin page: the company-file editor with its history, users, API tokens and webhooks.
// Everything goes through /api/admin/...; the server checks every call again.
import { api, el, toast } from "/static/js/common.js";

const $ = (id) => document.getElementById(id);
const when = (seconds) => (seconds ? new Date(seconds * 1000).toLocaleString() : "—");
const choices = { teams: [], agents: [], event_kinds: [] };
const loaded = new Set();

// -- tabs (WAI-ARIA tabs pattern: arrow keys move between tabs, one tab stop) ---------------

const tabs = [...document.querySelectorAll('[role="tab"]')];
function selectTab(tab, focus = false) {
  for (const other of tabs) {
    const chosen = other === tab;
    other.setAttribute("aria-selected", String(chosen));
    other.tabIndex = chosen ? 0 : -1;
    $(other.getAttribute("aria-controls")).hidden = !chosen;
  }
  if (focus) tab.focus();
  const name = tab.id.replace("tab-", "");
  history.replaceState(null, "", `#${name}`);
  if (!loaded.has(name)) { loaded.add(name); loaders[name](); }
}
tabs.forEach((tab, i) => {
  tab.addEventListener("click", () => selectTab(tab));
  tab.addEventListener("keydown", (e) => {
    const step = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
    if (step) selectTab(tabs[(i + step + tabs.length) % tabs.length], true);
    else if (e.key === "Home") selectTab(tabs[0], true);
    else if (e.key === "End") selectTab(tabs[tabs.length - 1], true);
    else return;
    e.preventDefault();
  });
});

const send = api; // refusals keep their whole body (ApiError.body)

function fail(where, error) {
  const box = typeof where === "string" ? $(where) : where;
  if (box) box.textContent = error.message;
  else toast(error.message, "error");
}

function checks(fieldset, names, chosen = []) {
  fieldset.querySelectorAll(".check").forEach((n) => n.remove());
  for (const name of names) {
    const id = `${fieldset.id}-${name}`.replace(/[^A-Za-z0-9_-]/g, "_");
    fieldset.append(el("span", { class: "check inline" },
      el("input", { type: "checkbox", id, value: name, checked: chosen.includes(name) }),
      el("label", { for: id }, name)));
  }
}
const ticked = (fieldset) => [...fieldset.querySelectorAll("input:checked")].map((i) => i.value);

function secretBox(box, title, secret, note) {
  const field = el("input", { id: `${box.id}-value`, readonly: true, value: secret, class: "mono" });
  const copy = el("button", { type: "button", class: "primary", onclick: async () => {
    try { await navigator.clipboard.writeText(secret); }
    catch { field.select(); document.execCommand("copy"); }
    toast("Copied.");
  } }, "Copy");
  box.replaceChildren(el("h2", {}, title), el("p", {}, note),
    el("label", { for: field.id }, "Secret"), el("div", { class: "row tight" }, field, copy),
    el("div", { class: "row" }, el("button", { type: "button", onclick: () => { box.hidden = true; box.replaceChildren(); } }, "I have stored it")));
  box.hidden = false;
  field.focus();
  field.select();
}

// -- company file ---------------------------------------------------------------------------

const text = $("config-text");
const gutter = $("config-gutter");
let loadedSha = null;
let loadedText = "";
let editable = false;

function drawGutter() {
  const lines = text.value.split("\n").length;
  gutter.textContent = Array.from({ length: lines }, (_, i) => i + 1).join("\n");
  gutter.scrollTop = text.scrollTop;
  $("config-modified").hidden = text.value === loadedText;
}
text.addEventListener("input", drawGutter);
text.addEventListener("scroll", () => { gutter.scrollTop = text.scrollTop; });
// Tab is left to move the focus (no keyboard trap); Ctrl+Enter checks the text.
text.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); checkConfig(); }
});

function goToLine(line) {
  const lines = text.value.split("\n");
  const n = Math.min(Math.max(line, 1), lines.length);
  const start = lines.slice(0, n - 1).reduce((sum, l) => sum + l.length + 1, 0);
  text.focus();
  text.setSelectionRange(start, start + lines[n - 1].length);
  const height = parseFloat(getComputedStyle(text).lineHeight) || 20;
  text.scrollTop = Math.max(0, (n - 1) * height - text.clientHeight / 3);
  gutter.scrollTop = text.scrollTop;
}

function showProblems(problems, summary) {
  const list = $("config-problems");
  list.replaceChildren(...problems.map((p) => el("li", { "data-severity": p.severity },
    el("button", { type: "button", class: "link", onclick: () => goToLine(p.line),
                   title: `Go to line ${p.line}` },
      `Line ${p.line}`), " ",
    el("span", { class: "badge" }, p.severity), " ", p.message)));
  $("config-status").textContent = summary;
}

function summarise(problems) {
  const errors = problems.filter((p) => p.severity === "error").length;
  const warnings = problems.length - errors;
  if (!problems.length) return "No problems: this text can be applied.";
  return `${errors} error(s), ${warnings} warning(s)` +
    (errors ? ": fix the errors before applying (click a problem to go to its line)." : ".");
}

async function loadConfig() {
  try {
    const now = await api("GET", "/api/admin/config");
    editable = now.editable;
    loadedSha = now.sha256;
    loadedText = text.value = now.text;
    text.readOnly = !editable;
    $("config-where").textContent = `${now.path}` + (now.version_id ? ` · version ${now.version_id}` : "");
    $("config-readonly").hidden = editable;
    $("config-readonly").textContent = now.reason || "";
    for (const id of ["config-apply", "config-message"]) $(id).disabled = !editable;
    showProblems([], "");
    drawGutter();
  } catch (e) { fail("config-status", e); }
  loadVersions();
}

async function checkConfig() {
  try {
    const found = await api("POST", "/api/admin/config/validate", { text: text.value });
    showProblems(found.problems, summarise(found.problems));
  } catch (e) { fail("config-status", e); }
}

async function applyConfig() {
  const button = $("config-apply");
  button.disabled = true;
  try {
    const done = await send("PUT", "/api/admin/config",
      { text: text.value, expected_sha: loadedSha, message: $("config-message").value });
    loadedSha = done.sha256;
    loadedText = text.value;
    $("config-message").value = "";
    showProblems(done.warnings, `Applied as version ${done.version.id}; the server takes it within a second.` +
      (done.warnings.length ? ` ${done.warnings.length} warning(s):` : ""));
    $("config-where").textContent = $("config-where").textContent.replace(/ · version \d+$/, "") + ` · version ${done.version.id}`;
    drawGutter();
    toast(`Version ${done.version.id} applied.`);
    loadVersions();
  } catch (e) {
    if (e.errorId === "invalid_company") {
      showProblems(e.body.problems, `Not applied. ${summarise(e.body.problems)}`);
    } else if (e.errorId === "stale_edit") {
      $("config-status").textContent = `${e.message} Your text is still in the editor: copy it before reloading.`;
    } else fail("config-status", e);
  } finally { button.disabled = !editable; }
}

$("config-check").addEventListener("click", checkConfig);
$("config-apply").addEventListener("click", applyConfig);
$("config-reload").addEventListener("click", () => {
  if (text.value === loadedText || confirm("Discard your edits and load the file as it is on the server?")) loadConfig();
});
window.addEventListener("beforeunload", (e) => { if (editable && text.value !== loadedText) e.preventDefault(); });

function showVersionText(title, body, isDiff = false) {
  $("version-view").hidden = false;
  $("version-view-title").textContent = title;
  const pre = $("version-view-text");
  if (!isDiff) { pre.textContent = body; return; }
  pre.replaceChildren(...(body || "(no difference)\n").split("\n").map((line) =>
    el("span", { class: line.startsWith("+") && !line.startsWith("+++") ? "add"
                 : line.startsWith("-") && !line.startsWith("---") ? "del" : "" }, line + "\n")));
}

async function loadVersions() {
  const body = $("versions").tBodies[0];
  try {
    const { versions, current_version: current } = await api("GET", "/api/admin/config/versions");
    body.replaceChildren(...versions.map((v) => el("tr", { "data-version": v.id },
      el("td", {}, `${v.id}`, v.id === current ? el("span", { class: "badge" }, "in force") : null),
      el("td", {}, when(v.at)), el("td", {}, v.author || "—"),
      el("td", {}, v.kind + (v.rollback_of ? ` of ${v.rollback_of}` : "")), el("td", {}, v.message),
      el("td", { class: "actions" },
        el("button", { type: "button", onclick: async () => {
          const got = await api("GET", `/api/admin/config/versions/${v.id}`);
          showVersionText(`Version ${v.id}`, got.text);
        } }, "View"),
        v.id > 1 ? el("button", { type: "button", onclick: async () => {
          const got = await api("GET", `/api/admin/config/diff?a=${v.id - 1}&b=${v.id}`);
          showVersionText(`Changes from version ${v.id - 1} to ${v.id}`, got.diff, true);
        } }, "Diff") : null,
        v.id !== current ? el("button", { type: "button", onclick: () => rollback(v.id) }, "Roll back to this") : null))));
    if (!versions.length) body.replaceChildren(el("tr", {}, el("td", { colspan: 6, class: "muted" },
      editable ? "No version recorded yet: the first apply records the file as it is now." : "No history for the built-in demo.")));
  } catch (e) { toast(e.message, "error"); }
}

async function rollback(id) {
  const lost = text.value !== loadedText ? " Your edits in the editor, not applied, are discarded." : "";
  if (!confirm(`Apply the text of version ${id} again (as a new version)?${lost}`)) return;
  try {
    const done = await send("POST", `/api/admin/config/versions/${id}/rollback`, { expected_sha: loadedSha });
    toast(`Version ${id} is back, as version ${done.version.id}.`);
    loadConfig();
  } catch (e) {
    if (e.errorId === "invalid_company") showProblems(e.body.problems, `Not rolled back. ${summarise(e.body.problems)}`);
    else toast(e.message, "error");
  }
}

// -- users ----------------------------------------------------------------------------------

let users = [];
let editing = null; // the username being edited; null while adding

async function loadUsers() {
  try {
    users = (await api("GET", "/api/admin/users")).users;
  } catch (e) { toast(e.message, "error"); return; }
  $("users").tBodies[0].replaceChildren(...users.map((u) => el("tr", { "data-user": u.username },
    el("th", { scope: "row" }, u.username), el("td", {}, u.display_name), el("td", {}, u.role),
    el("td", {}, u.teams.join(", ") || "—"), el("td", {}, u.agent_id || "—"),
    el("td", {}, u.disabled ? el("span", { class: "badge off" }, "disabled") : "active",
       u.has_password ? "" : [" ", el("span", { class: "badge" }, "tokens only")]),
    el("td", {}, when(u.last_login_at)),
    el("td", { class: "actions" },
      el("button", { type: "button", onclick: () => openUserForm(u) }, "Edit"),
      el("button", { type: "button", onclick: () => setDisabled(u, !u.disabled) }, u.disabled ? "Enable" : "Disable"),
      el("button", { type: "button", onclick: () => openPasswordForm(u) }, "Set password")))));
  $("token-user").replaceChildren(...users.filter((u) => !u.disabled).map((u) =>
    el("option", { value: u.username }, `${u.username} (${u.role})`)));
  loadFailures();
}

function openUserForm(user) {
  editing = user ? user.username : null;
  $("password-form").hidden = true;
  $("user-form-title").textContent = user ? `Edit ${user.username}` : "Add a user";
  $("user-username").value = user ? user.username : "";
  $("user-username").readOnly = Boolean(user);
  $("user-display").value = user ? user.display_name : "";
  $("user-role").value = user ? user.role : "agent";
  $("user-agent").replaceChildren(el("option", { value: "" }, "(none)"),
    ...choices.agents.map((a) => el("option", { value: a.id }, `${a.id} — ${a.name}`)));
  $("user-agent").value = user?.agent_id || "";
  checks($("user-teams"), choices.teams, user ? user.teams : []);
  $("user-password-field").hidden = Boolean(user);
  $("user-password").value = "";
  $("user-disabled-field").hidden = !user;
  $("user-disabled").checked = Boolean(user?.disabled);
  $("user-error").textContent = "";
  $("user-form").hidden = false;
  (user ? $("user-display") : $("user-username")).focus();
}

$("user-new").addEventListener("click", () => openUserForm(null));
$("user-cancel").addEventListener("click", () => { $("user-form").hidden = true; $("user-new").focus(); });
$("user-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const fields = { display_name: $("user-display").value, role: $("user-role").value,
                   teams: ticked($("user-teams")), agent_id: $("user-agent").value || null };
  try {
    if (editing) {
      await api("PATCH", `/api/admin/users/${encodeURIComponent(editing)}`,
        { ...fields, disabled: $("user-disabled").checked });
      toast(`${editing} saved.`);
    } else {
      const body = { ...fields, username: $("user-username").value };
      if ($("user-password").value) body.password = $("user-password").value;
      const made = await api("POST", "/api/admin/users", body);
      toast(`${made.username} added.`);
    }
    $("user-form").hidden = true;
    loadUsers();
  } catch (err) { fail("user-error", err); }
});

async function setDisabled(user, disabled) {
  if (disabled && !confirm(`Disable ${user.username}? Their sessions end and their API tokens stop working.`)) return;
  try {
    await api("PATCH", `/api/admin/users/${encodeURIComponent(user.username)}`, { disabled });
    toast(`${user.username} ${disabled ? "disabled" : "enabled"}.`);
    loadUsers();
  } catch (e) { toast(e.message, "error"); }
}

function openPasswordForm(user) {
  editing = user.username;
  $("user-form").hidden = true;
  $("password-form-title").textContent = `Set a new password for ${user.username}`;
  $("password-new").value = "";
  $("password-username").value = user.username;
  $("password-error").textContent = "";
  $("password-form").hidden = false;
  $("password-new").focus();
}
$("password-cancel").addEventListener("click", () => { $("password-form").hidden = true; });
$("password-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  try {
    await api("PUT", `/api/admin/users/${encodeURIComponent(editing)}/password`, { password: $("password-new").value });
    $("password-form").hidden = true;
    toast(`Password of ${editing} set; their sessions have ended.`);
    loadUsers();
  } catch (err) { fail("password-error", err); }
});

async function loadFailures() {
  try {
    const { failures } = await api("GET", "/api/admin/login-failures?limit=20");
    $("failures").tBodies[0].replaceChildren(...(failures.length ? failures.map((f) => el("tr", {},
      el("td", {}, when(f.at)), el("td", {}, f.username), el("td", {}, f.address || "—"), el("td", {}, f.reason)))
      : [el("tr", {}, el("td", { colspan: 4, class: "muted" }, "None."))]));
  } catch (e) { toast(e.message, "error"); }
}

// -- API tokens -----------------------------------------------------------------------------

async function loadTokens() {
  if (!users.length) await loadUsers();
  try {
    const { tokens } = await api("GET", "/api/admin/tokens");
    $("tokens").tBodies[0].replaceChildren(...tokens.map((t) => el("tr", { "data-token": t.id },
      el("th", { scope: "row" }, t.name), el("td", {}, t.username), el("td", { class: "mono" }, t.hint),
      el("td", {}, when(t.created_at), t.created_by ? ` by ${t.created_by}` : ""), el("td", {}, when(t.expires_at)),
      el("td", {}, when(t.last_used_at)), el("td", {}, t.state),
      el("td", { class: "actions" }, t.state === "active" ? el("button", { type: "button", class: "danger",
        onclick: () => revokeToken(t) }, "Revoke") : null))));
  } catch (e) { toast(e.message, "error"); }
}

$("token-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  $("token-error").textContent = "";
  const days = $("token-expiry").value;
  try {
    const made = await api("POST", "/api/admin/tokens", { username: $("token-user").value,
      name: $("token-name").value, expires_in_days: days ? Number(days) : null });
    $("token-name").value = "";
    secretBox($("token-secret"), `Token “${made.token.name}” for ${made.token.username}`, made.secret,
      "Copy it now: it is not stored and will not be shown again. Send it as “Authorization: Bearer …”.");
    loadTokens();
  } catch (err) { fail("token-error", err); }
});

async function revokeToken(token) {
  if (!confirm(`Revoke the token “${token.name}” of ${token.username}? Whatever uses it stops working.`)) return;
  try { await api("DELETE", `/api/admin/tokens/${token.id}`); toast("Token revoked."); loadTokens(); }
  catch (e) { toast(e.message, "error"); }
}

// -- webhooks -------------------------------------------------------------------------------

let watched = null; // the webhook whose deliveries are shown

async function loadWebhooks() {
  let hooks;
  try { hooks = (await api("GET", "/api/admin/webhooks")).webhooks; }
  catch (e) {
    $("webhooks-off").hidden = false;
    $("webhooks-off").textContent = e.message;
    $("webhook-form").hidden = true;
    return;
  }
  checks($("webhook-teams"), choices.teams, ticked($("webhook-teams")));
  $("event-kinds").replaceChildren(...choices.event_kinds.map((k) => el("option", { value: k })));
  $("webhooks").tBodies[0].replaceChildren(...hooks.map((h) => el("tr", { "data-webhook": h.id },
    el("td", { class: "url" }, h.url, h.description ? el("div", { class: "muted small" }, h.description) : null),
    el("td", {}, h.kinds.join(", ") || "every event"), el("td", {}, h.teams.join(", ") || "all"),
    el("td", {}, h.enabled ? "enabled" : `disabled${h.disabled_reason ? ` (${h.disabled_reason})` : ""}`),
    el("td", { class: "actions" },
      el("button", { type: "button", onclick: () => showDeliveries(h) }, "Deliveries"),
      el("button", { type: "button", onclick: () => changeWebhook(h, { enabled: !h.enabled }) }, h.enabled ? "Disable" : "Enable"),
      el("button", { type: "button", onclick: () => rotate(h) }, "New secret"),
      el("button", { type: "button", class: "danger", onclick: () => deleteWebhook(h) }, "Delete")))));
  if (!hooks.length) $("webhooks").tBodies[0].replaceChildren(el("tr", {}, el("td", { colspan: 5, class: "muted" }, "No webhook yet.")));
}

$("webhook-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  $("webhook-error").textContent = "";
  const kinds = $("webhook-kinds").value.split(",").map((k) => k.trim()).filter(Boolean);
  try {
    const made = await api("POST", "/api/admin/webhooks", { url: $("webhook-url").value, kinds,
      teams: ticked($("webhook-teams")), description: $("webhook-description").value });
    for (const id of ["webhook-url", "webhook-kinds", "webhook-description"]) $(id).value = "";
    secretBox($("webhook-secret"), `Signing secret of webhook ${made.id}`, made.secret,
      "Give it to the receiver now, to check the Frontdesk-Signature header: it is not shown again.");
    loadWebhooks();
  } catch (err) { fail("webhook-error", err); }
});

async function changeWebhook(hook, change) {
  try { await api("PATCH", `/api/admin/webhooks/${hook.id}`, change); loadWebhooks(); }
  catch (e) { toast(e.message, "error"); }
}

async function rotate(hook) {
  if (!confirm(`Make a new signing secret for ${hook.url}? The old one stops working at once.`)) return;
  try {
    const changed = await api("PATCH", `/api/admin/webhooks/${hook.id}`, { rotate_secret: true });
    secretBox($("webhook-secret"), `New signing secret of webhook ${hook.id}`, changed.secret,
      "Give it to the receiver now: it is not shown again.");
  } catch (e) { toast(e.message, "error"); }
}

async function deleteWebhook(hook) {
  if (!confirm(`Delete the webhook to ${hook.url} with its deliveries?`)) return;
  try {
    await api("DELETE", `/api/admin/webhooks/${hook.id}`);
    if (watched?.id === hook.id) { watched = null; $("deliveries-card").hidden = true; }
    loadWebhooks();
  } catch (e) { toast(e.message, "error"); }
}

async function showDeliveries(hook) {
  watched = hook;
  $("deliveries-card").hidden = false;
  $("deliveries-title").textContent = `Deliveries to ${hook.url}`;
  try {
    const { deliveries } = await api("GET", `/api/admin/webhooks/${hook.id}/deliveries`);
    $("deliveries").tBodies[0].replaceChildren(...(deliveries.length ? deliveries.map((d) => el("tr", { "data-delivery": d.id },
      el("td", {}, when(d.created_at)), el("td", {}, d.kind, el("div", { class: "muted small" }, `event ${d.event_seq}`)),
      el("td", {}, el("span", { class: `badge status-${d.status}` }, d.status)), el("td", { class: "num" }, d.attempts),
      el("td", {}, d.last_http_status ? `HTTP ${d.last_http_status}` : "", d.last_error ? el("div", { class: "small" }, d.last_error) : ""),
      el("td", {}, d.status === "pending" ? when(d.next_attempt_at) : "—"),
      el("td", { class: "actions" }, el("button", { type: "button", onclick: () => redeliver(d) }, "Redeliver"))))
      : [el("tr", {}, el("td", { colspan: 7, class: "muted" }, "Nothing sent yet: events from the webhook's creation on are delivered."))]));
  } catch (e) { toast(e.message, "error"); }
}
$("deliveries-refresh").addEventListener("click", () => watched && showDeliveries(watched));

async function redeliver(delivery) {
  try {
    const again = await api("POST", `/api/admin/deliveries/${delivery.id}/redeliver`);
    toast(`Queued again as ${again.id}.`);
    showDeliveries(watched);
  } catch (e) { toast(e.message, "error"); }
}

// -- start ----------------------------------------------------------------------------------

const loaders = { config: loadConfig, users: loadUsers, tokens: loadTokens, webhooks: loadWebhooks };
try { Object.assign(choices, await api("GET", "/api/admin/choices")); }
catch (e) { toast(e.message, "error"); }
const tabOfHash = () => tabs.find((t) => t.id === `tab-${location.hash.slice(1)}`);
selectTab(tabOfHash() || tabs[0]);
window.addEventListener("hashchange", () => { const tab = tabOfHash(); if (tab) selectTab(tab); });
