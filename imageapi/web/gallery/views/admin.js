// For administrators: every account with its role, state and quotas, and the
// service's usage by account.

import { ApiError, call, get, url } from "../api.js";
import { barChart } from "../charts.js";
import { announce, formatBytes, h } from "../dom.js";

const QUOTAS = [["max_storage_bytes", "Storage (bytes)"], ["max_images", "Images"], ["max_uploads_per_day", "Uploads per day"]];

function userRow(user, me) {
  const message = h("span", { class: "message", role: "status" });
  const role = h("select", { "aria-label": `Role of ${user.email}`, disabled: user.id === me.id },
    h("option", { value: "user" }, "user"), h("option", { value: "admin" }, "admin"));
  role.value = user.role;
  const disabled = h("input", { type: "checkbox", "aria-label": `${user.email} disabled`, checked: user.disabled, disabled: user.id === me.id });
  const quotas = QUOTAS.map(([key, text]) => h("input", {
    type: "number", min: 0, step: 1, value: user.quotas[key] ?? "",
    placeholder: String(user.effective_quotas[key]),
    "aria-label": `${text} quota of ${user.email} (empty: the default, ${user.effective_quotas[key]})`,
    "data-quota": key,
  }));
  const save = h("button", { type: "button", "aria-label": `Save ${user.email}` }, "Save");
  save.addEventListener("click", async () => {
    message.textContent = "";
    const patch = {};
    if (user.id !== me.id) {
      patch.role = role.value;
      patch.disabled = disabled.checked;
    }
    for (const input of quotas) patch[input.dataset.quota] = input.value === "" ? null : Number(input.value);
    try {
      await call("PATCH", url("admin_user", { user_id: user.id }), patch);
      message.className = "message ok";
      message.textContent = "Saved";
      announce(`Saved ${user.email}.`);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      message.className = "message";
      message.textContent = error.message;
    }
  });
  return h("tr", {}, h("th", { scope: "row" }, user.email), h("td", {}, role), h("td", {}, disabled),
    ...quotas.map((input) => h("td", {}, input)), h("td", {}, save, " ", message));
}

export async function showAdmin(view, me) {
  document.title = "Admin · imageapi gallery";
  const [users, usage] = await Promise.all([get(url("admin_users", {}, { limit: 500 })), get(url("admin_usage"))]);
  const byUser = [...usage.users].sort((a, b) => b.requests - a.requests).slice(0, 20);
  view.replaceChildren(
    h("h1", {}, "Admin"),
    h("section", { "aria-labelledby": "accounts-title" },
      h("h2", { id: "accounts-title" }, "Accounts"),
      h("p", { class: "hint" }, "An empty quota uses the server's default, shown greyed."),
      h("div", { class: "table-scroll", tabindex: "0", role: "region", "aria-label": "Accounts" },
        h("table", {},
          h("thead", {}, h("tr", {}, ...["Email", "Role", "Disabled", ...QUOTAS.map(([, text]) => text), "Save"].map((text) => h("th", { scope: "col" }, text)))),
          h("tbody", {}, ...users.items.map((user) => userRow(user, me)))))),
    h("section", { "aria-labelledby": "service-title" },
      h("h2", { id: "service-title" }, `Service usage from ${usage.from} to ${usage.to}`),
      h("div", { class: "charts" },
        h("figure", { class: "card" }, h("figcaption", {}, "Requests by account"),
          barChart("Requests by account", byUser.map((row) => ({ label: row.email.split("@")[0], value: row.requests })))),
        h("figure", { class: "card" }, h("figcaption", {}, "Storage by account"),
          barChart("Storage by account", byUser.map((row) => ({ label: row.email.split("@")[0], value: row.storage_bytes })), formatBytes)))));
}
