// The transform playground: one control per transform parameter of the
// content route, read from the OpenAPI document (so new parameters appear by
// themselves), a live preview, and the URL to copy, plain or signed.

import { ApiError, apiDocument, call, toParams, url, withQuery } from "../api.js";
import { announce, copyText, field, formatDate, h } from "../dom.js";

// Parameters of the content route that are not transforms.
const NOT_TRANSFORMS = new Set(["image_id", "download"]);
const SWITCH_VALUES = ["true", "false", "1", "0", ""];
const EXPIRIES = [["3600", "1 hour"], ["86400", "1 day"], ["604800", "7 days"]];
const PREVIEW_DELAY_MS = 350;

function transformParameters(document) {
  for (const item of Object.values(document.paths)) {
    const operation = item.get;
    if (operation?.operationId === "getImageContent") {
      return operation.parameters.filter((parameter) => parameter.in === "query" && !NOT_TRANSFORMS.has(parameter.name));
    }
  }
  return [];
}

/** "… Default: `inside`." -> ["…", "inside"]: a short hint and the default. */
function describe(parameter) {
  const text = (parameter.description ?? "").replace(/`/g, "");
  const match = text.match(/\s*Default: ([^.]+)\.?$/);
  const hint = match ? text.slice(0, match.index) : text;
  return [hint.split(/(?<=[.;:]) /)[0], match?.[1]];
}

function control(parameter, fallback) {
  const schema = parameter.schema ?? {};
  const name = parameter.name;
  if (schema.enum && SWITCH_VALUES.every((value) => schema.enum.includes(value))) {
    return h("input", { type: "checkbox", name, "data-switch": "true" });
  }
  if (schema.enum) {
    return h("select", { name }, h("option", { value: "" }, fallback ? `(default: ${fallback})` : "(none)"), ...schema.enum.map((value) => h("option", { value }, value)));
  }
  if (schema.type === "integer" || schema.type === "number") {
    return h("input", { type: "number", name, min: schema.minimum, max: schema.maximum, step: schema.type === "integer" ? 1 : "any", inputmode: "decimal" });
  }
  return h("input", { name, pattern: schema.pattern?.replace(/^\^|\$$/g, ""), autocomplete: "off", spellcheck: "false" });
}

function label(name) {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/** The form's chosen parameters, as the content route takes them. */
function chosen(form) {
  const params = {};
  for (const element of form.elements) {
    if (!element.name) continue;
    if (element.dataset.switch) {
      if (element.checked) params[element.name] = "true";
    } else if (element.value !== "" && element.checkValidity()) {
      params[element.name] = element.value;
    }
  }
  return params;
}

/** A form that asks the server for a signed link to the content with params(). */
export function signedLinkForm(image, params) {
  const expiry = h("select", { name: "expires_in" }, ...EXPIRIES.map(([value, text]) => h("option", { value }, text)));
  const output = h("input", { readonly: true, class: "signed-url", "aria-label": "Signed link" });
  const copy = h("button", { type: "button", class: "secondary", onclick: () => copyText(output.value, output) }, "Copy");
  const result = h("div", { hidden: true }, h("div", { class: "url-row" }, output, copy), h("p", { class: "hint" }));
  const message = h("p", { class: "message", role: "alert" });
  const form = h("form", { class: "inline-form signed-link" }, field("Expires in", expiry),
    h("p", {}, h("button", { type: "submit" }, "Create signed link")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.textContent = "";
    try {
      const link = await call("POST", url("signed_urls", { image_id: image.id }), {
        params: params(),
        expires_in: Number(expiry.value),
      });
      output.value = new URL(link.url, location.href).href;
      result.querySelector(".hint").textContent = `Works without logging in until ${formatDate(link.expires_at)}.`;
      result.hidden = false;
      announce("Signed link created.");
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      result.hidden = true;
      message.textContent = error.message;
    }
  });
  return h("div", {}, form, result, message);
}

export function playground(image) {
  const section = h("section", { class: "card", "aria-labelledby": "playground-title", id: "playground" },
    h("h2", { id: "playground-title" }, "Transform playground"));
  const form = h("form", { class: "params", "aria-label": "Transform parameters" });
  const preview = h("img", { alt: `${image.name}, transformed`, id: "preview-image" });
  const problem = h("p", { class: "message", role: "alert" });
  const address = h("input", { readonly: true, id: "content-url" });
  const copy = h("button", { type: "button", class: "secondary", onclick: () => copyText(address.value, address) }, "Copy URL");
  const base = image.links?.content ?? url("image_content", { image_id: image.id });
  let timer = null;

  const update = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const href = withQuery(base, toParams(chosen(form)));
      address.value = new URL(href, location.href).href;
      problem.textContent = "";
      // Ask first, so a refused combination shows the server's words
      // (a 400 naming the parameter) instead of a broken image.
      const answer = await fetch(href, { credentials: "same-origin" });
      if (answer.ok) {
        const blob = await answer.blob();
        if (preview.src.startsWith("blob:")) URL.revokeObjectURL(preview.src);
        preview.src = URL.createObjectURL(blob);
        preview.dataset.url = href;
      } else {
        const body = await answer.json().catch(() => ({}));
        problem.textContent = body.description ?? `The server answered ${answer.status}.`;
      }
    }, PREVIEW_DELAY_MS);
  };

  apiDocument().then((document) => {
    for (const parameter of transformParameters(document)) {
      const [hint, fallback] = describe(parameter);
      form.append(field(label(parameter.name), control(parameter, fallback), hint));
    }
    form.elements.width && (form.elements.width.value = "600");
    update();
  }).catch((error) => { problem.textContent = `The parameter list could not be read: ${error.message}`; });
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  form.addEventListener("submit", (event) => event.preventDefault());

  section.append(
    h("div", { class: "playground" },
      form,
      h("div", {},
        h("div", { class: "preview" }, preview),
        problem,
        h("p", {}, h("label", { for: "content-url" }, "Content URL (needs your session or an API key)")),
        h("div", { class: "url-row" }, address, copy),
        h("h3", {}, "Signed URL for these parameters"),
        signedLinkForm(image, () => chosen(form)))));
  return section;
}
