// A tiny element builder: h("p", {class: "hint"}, "text", child...).
// Attributes starting with "on" are listeners, never inline handlers.

export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name === "class") {
      element.className = value;
    } else if (name in element && typeof value !== "string") {
      element[name] = value;
    } else {
      element.setAttribute(name, value === true ? "" : value);
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
}

let counter = 0;

/** A labelled control: <p><label for=id>text</label> control hint</p>. */
export function field(labelText, control, hint = undefined) {
  control.id ||= `field-${++counter}`;
  const parts = [h("label", { for: control.id }, labelText), control];
  if (hint) {
    const hintElement = h("span", { class: "hint", id: `${control.id}-hint` }, hint);
    control.setAttribute("aria-describedby", hintElement.id);
    parts.push(hintElement);
  }
  return h("p", {}, ...parts);
}

/** Say something to screen readers (and keep it for tests to read). */
export function announce(text) {
  const status = document.getElementById("status");
  status.textContent = "";
  requestAnimationFrame(() => { status.textContent = text; });
}

export function formatBytes(bytes) {
  if (bytes === null || bytes === undefined) return "—";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 || value >= 100 ? 0 : 1)} ${units[unit]}`;
}

export function formatDate(iso) {
  if (!iso) return "—";
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** Copy text; falls back to selecting it where the clipboard API is refused. */
export async function copyText(text, input) {
  try {
    await navigator.clipboard.writeText(text);
    announce("Copied to the clipboard.");
  } catch {
    input?.select();
    announce("Selected: press Ctrl+C to copy.");
  }
}
