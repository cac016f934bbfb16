// Your usage as charts, your API keys (the secret shown once), and the key
// that signs your shared links.

import { ApiError, call, get, url } from "../api.js";
import { barChart } from "../charts.js";
import { announce, copyText, field, formatBytes, formatDate, h } from "../dom.js";

function figure(title, chart) {
  return h("figure", { class: "card" }, h("figcaption", {}, title), chart);
}

function shortDay(day) {
  return day.slice(5); // MM-DD: the year is in the heading
}

/** Every day of the report, with zeros where by_day (days with requests only) has none. */
function everyDay(usage) {
  const known = new Map(usage.by_day.map((day) => [day.day, day]));
  const days = [];
  for (let day = new Date(`${usage.from}T00:00:00Z`); day <= new Date(`${usage.to}T00:00:00Z`); day.setUTCDate(day.getUTCDate() + 1)) {
    const key = day.toISOString().slice(0, 10);
    days.push(known.get(key) ?? { day: key, requests: 0, bytes_in: 0, bytes_out: 0 });
  }
  return days;
}

/** Used against its limit: a labelled <meter>, or "no limit" (0 means none). */
function quotaMeter(id, title, used, limit, format = String) {
  if (!limit) return h("p", { class: "quota", id }, `${title}: ${format(used)}; no limit.`);
  return h("div", { class: "quota" },
    h("label", { for: id }, `${title}: ${format(used)} of ${format(limit)} (${Math.round((100 * used) / limit)}%)`),
    h("meter", { id, min: 0, max: limit, value: used, high: limit * 0.9 }));
}

function quotaSection(usage) {
  const { totals, quotas } = usage;
  if (!quotas) return null;
  return h("section", { "aria-labelledby": "quota-title", class: "card" },
    h("h2", { id: "quota-title", class: "card-title" }, "Your quota"),
    quotaMeter("quota-storage", "Storage", totals.storage_bytes, quotas.max_storage_bytes, formatBytes),
    quotaMeter("quota-images", "Images", totals.images, quotas.max_images),
    h("p", { class: "hint" }, quotas.max_uploads_per_day
      ? `At most ${quotas.max_uploads_per_day} uploads per UTC day.`
      : "No daily upload limit."));
}

/** Requests per API key, named from your keys (a revoked key has no name left). */
function keyPoints(usage, keys) {
  const names = new Map(keys.map((key) => [key.id, key.name]));
  return (usage.by_api_key ?? []).map((row) => ({
    label: row.api_key_id === null ? "sessions" : names.get(row.api_key_id) ?? "revoked key",
    value: row.requests,
  }));
}

function usageSection(usage, keys) {
  const totals = usage.totals;
  const stat = (term, value) => h("div", {}, h("dt", {}, term), h("dd", {}, value));
  const days = everyDay(usage);
  const routes = [...usage.by_route].sort((a, b) => b.requests - a.requests).slice(0, 8);
  return h("section", { "aria-labelledby": "usage-title" },
    h("h2", { id: "usage-title" }, `Usage from ${usage.from} to ${usage.to} (UTC)`),
    h("dl", { class: "stats" },
      stat("Images stored", totals.images),
      stat("Storage", formatBytes(totals.storage_bytes)),
      stat("Requests", totals.requests),
      stat("Downloaded", formatBytes(totals.bytes_out)),
      stat("Uploaded", formatBytes(totals.bytes_in)),
      stat("Transforms served", totals.derivatives_served)),
    h("div", { class: "charts" },
      figure("Requests per day", barChart("Requests per day", days.map((day) => ({ label: shortDay(day.day), value: day.requests })))),
      figure("Bytes sent per day", barChart("Bytes sent per day", days.map((day) => ({ label: shortDay(day.day), value: day.bytes_out })), formatBytes)),
      figure("Bytes received per day", barChart("Bytes received per day", days.map((day) => ({ label: shortDay(day.day), value: day.bytes_in })), formatBytes)),
      figure("Requests by API key", barChart("Requests by API key", keyPoints(usage, keys))),
      figure("Requests by route (top 8)", routeTable(routes))));
}

function routeTable(routes) {
  if (!routes.length) return h("p", {}, "No requests in this period.");
  return h("div", { class: "table-scroll", tabindex: "0", role: "region", "aria-label": "Requests by route" },
    h("table", {},
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Route"), h("th", { scope: "col" }, "Requests"), h("th", { scope: "col" }, "Sent"))),
      h("tbody", {}, ...routes.map((route) => h("tr", {}, h("td", {}, route.route), h("td", {}, route.requests), h("td", {}, formatBytes(route.bytes_out)))))));
}

function keysSection() {
  const list = h("tbody");
  const table = h("div", { class: "table-scroll", tabindex: "0", role: "region", "aria-label": "Your API keys" },
    h("table", {},
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Name"), h("th", { scope: "col" }, "Created"), h("th", { scope: "col" }, "Last used"), h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Actions")))),
      list));
  const message = h("p", { class: "message", role: "alert" });
  const secret = h("div", { hidden: true, class: "card" });
  const refresh = async () => {
    const keys = await get(url("api_keys"));
    list.replaceChildren(...keys.map((key) => h("tr", {},
      h("td", {}, key.name), h("td", {}, formatDate(key.created_at)), h("td", {}, key.last_used_at ? formatDate(key.last_used_at) : "never"),
      h("td", {}, h("button", { type: "button", class: "danger", "aria-label": `Revoke key ${key.name}`, onclick: () => revoke(key) }, "Revoke")))));
    if (!keys.length) list.append(h("tr", {}, h("td", { colspan: "4" }, "No API keys.")));
  };
  const revoke = async (key) => {
    if (!window.confirm(`Revoke “${key.name}”? Scripts using it stop working at once.`)) return;
    await call("DELETE", url("api_key", { key_id: key.id }));
    announce(`Revoked ${key.name}.`);
    await refresh();
  };
  const name = h("input", { name: "name", required: true, maxlength: 100, autocomplete: "off" });
  const form = h("form", { class: "inline-form", "aria-label": "Create an API key" }, field("Key name", name),
    h("p", {}, h("button", { type: "submit" }, "Create key")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.textContent = "";
    try {
      const issued = await call("POST", url("api_keys"), { name: name.value });
      const value = h("input", { readonly: true, value: issued.key, class: "secret", id: "new-key", "aria-describedby": "new-key-hint" });
      secret.replaceChildren(
        h("p", {}, h("label", { for: "new-key" }, `The key “${issued.name}”`)),
        h("div", { class: "url-row" }, value, h("button", { type: "button", class: "secondary", onclick: () => copyText(issued.key, value) }, "Copy")),
        h("p", { class: "hint", id: "new-key-hint" }, "Shown only now: it is stored hashed. Send it as the X-API-Key header."));
      secret.hidden = false;
      name.value = "";
      await refresh();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      message.textContent = error.message;
    }
  });
  refresh();
  return h("section", { "aria-labelledby": "keys-title" }, h("h2", { id: "keys-title" }, "API keys"), form, message, secret, table);
}

function signingSection() {
  const message = h("p", { class: "message", role: "status" });
  const button = h("button", { type: "button", class: "danger" }, "Revoke all shared links");
  button.addEventListener("click", async () => {
    if (!window.confirm("Every signed link you shared stops working. Go on?")) return;
    try {
      await call("POST", url("signing_key"));
      message.className = "message ok";
      message.textContent = "Done: links shared before now no longer work.";
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      message.className = "message";
      message.textContent = error.message;
    }
  });
  return h("section", { "aria-labelledby": "signing-title" }, h("h2", { id: "signing-title" }, "Shared links"),
    h("p", {}, "Signed links open an image without logging in until they expire. Rotating your signing key revokes them all."),
    button, message);
}

export async function showAccount(view, user) {
  document.title = "Usage & keys · imageapi gallery";
  const [usage, keys] = await Promise.all([get(url("usage")), get(url("api_keys"))]);
  view.replaceChildren(
    h("h1", {}, "Usage & keys"),
    h("p", {}, `Logged in as ${user.email} (${user.role}).`),
    quotaSection(usage),
    usageSection(usage, keys),
    keysSection(),
    signingSection());
}
