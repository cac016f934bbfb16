// One image: a large view (← → to move through the list, Esc back to it),
// its metadata, its tags edited in place, download, share and delete.

import { ApiError, call, get, url, withQuery } from "../api.js";
import { blurhashCanvas } from "../blurhash.js";
import { announce, field, formatBytes, formatDate, h } from "../dom.js";
import { filterParams } from "./filters.js";
import { forgetListing, loadMore, useListing } from "./grid.js";
import { playground, signedLinkForm } from "./playground.js";

const VIEW_WIDTHS = [640, 1024, 1600, 2048, 3072];

let keyHandler = null;

function contentUrl(image, params) {
  return withQuery(image.links?.content ?? url("image_content", { image_id: image.id }), params);
}

function largeImage(image) {
  const picture = h("img", {
    alt: image.name,
    sizes: "(max-width: 999px) 100vw, 75vw",
    srcset: VIEW_WIDTHS.filter((width, index) => index === 0 || width <= image.width * 1.5)
      .map((width) => `${contentUrl(image, { width, height: width, fit: "inside", format: "auto" })} ${width}w`).join(", "),
    src: contentUrl(image, { width: 1024, height: 1024, fit: "inside", format: "auto" }),
    width: image.width,
    height: image.height,
  });
  const placeholder = blurhashCanvas(image.blurhash, image.width / image.height);
  picture.addEventListener("load", () => placeholder?.remove(), { once: true });
  return h("div", { class: "stage" }, placeholder, picture);
}

function metadataList(image, metadata) {
  const exif = metadata?.exif ?? {};
  const camera = [exif.make, exif.model].filter(Boolean).join(" ");
  const rows = [
    ["Name", image.name],
    ["Size", `${image.width} × ${image.height} px, ${formatBytes(image.size)}`],
    ["Format", image.format + (metadata?.pages > 1 ? `, ${metadata.pages} frames` : "")],
    ["Uploaded", formatDate(image.created_at)],
    ["Taken", exif.taken_at ? formatDate(exif.taken_at) : "—"],
    ["Camera", camera || "—"],
  ];
  if (exif.gps) rows.push(["Place", `${exif.gps.latitude.toFixed(5)}, ${exif.gps.longitude.toFixed(5)}`]);
  return h("dl", { class: "meta" }, ...rows.flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]));
}

function tagEditor(image) {
  const list = h("ul", { class: "tags", "aria-label": "Tags" });
  const message = h("p", { class: "message", role: "alert" });
  const render = (tags) => {
    image.tags = tags;
    list.replaceChildren(...tags.map((tag) => h("li", {}, tag,
      h("button", { type: "button", class: "secondary", "aria-label": `Remove tag ${tag}`, onclick: () => remove(tag) }, "×"))));
    if (!tags.length) list.append(h("li", {}, "No tags yet"));
  };
  const refresh = async () => render(await get(image.links?.tags ?? url("image_tags", { image_id: image.id })));
  const remove = async (tag) => {
    message.textContent = "";
    try {
      await call("DELETE", url("image_tag", { image_id: image.id, tag }));
      await refresh();
      announce(`Removed tag ${tag}.`);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      message.textContent = error.message;
    }
  };
  const input = h("input", { name: "tag", autocomplete: "off", required: true, maxlength: 64 });
  const form = h("form", { class: "inline-form", "aria-label": "Add a tag" }, field("New tag", input),
    h("p", {}, h("button", { type: "submit" }, "Add tag")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.textContent = "";
    const tag = input.value.trim();
    if (!tag) return;
    try {
      await call("PUT", url("image_tag", { image_id: image.id, tag }));
      input.value = "";
      await refresh();
      announce(`Added tag ${tag}.`);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      message.textContent = error.message;
    }
  });
  render(image.tags);
  return h("section", { "aria-labelledby": "tags-title" }, h("h2", { id: "tags-title" }, "Tags"), list, form, message);
}

function deleteButton(image, back) {
  const dialog = h("dialog", { "aria-labelledby": "delete-title" },
    h("h2", { id: "delete-title" }, "Delete this image?"),
    h("p", {}, `“${image.name}” and every copy made from it are removed for good.`),
    h("form", { method: "dialog", class: "actions" },
      h("button", { value: "cancel", class: "secondary", autofocus: true }, "Cancel"),
      h("button", { value: "delete", class: "danger", id: "confirm-delete" }, "Delete")));
  dialog.addEventListener("close", async () => {
    if (dialog.returnValue !== "delete") return;
    await call("DELETE", image.links?.self ?? url("image", { image_id: image.id }));
    forgetListing();
    announce(`Deleted ${image.name}.`);
    location.hash = back;
  });
  const button = h("button", { type: "button", class: "danger", onclick: () => dialog.showModal() }, "Delete…");
  return [button, dialog];
}

function shareButton(image) {
  const dialog = h("dialog", { "aria-labelledby": "share-title" },
    h("h2", { id: "share-title" }, "Share a link"),
    h("p", {}, "A signed link opens the original without logging in, until it expires."),
    signedLinkForm(image, () => ({})),
    h("form", { method: "dialog", class: "actions" }, h("button", { class: "secondary" }, "Close")));
  return [h("button", { type: "button", class: "secondary", onclick: () => dialog.showModal() }, "Share…"), dialog];
}

async function neighbours(id, filter) {
  const state = useListing(filter.toString());
  if (!state.images.length) await loadMore(state, filter);
  let index = state.images.findIndex((item) => item.id === id);
  if (index === state.images.length - 1 && !state.done) {
    await loadMore(state, filter);
    index = state.images.findIndex((item) => item.id === id);
  }
  if (index < 0) return [null, null];
  return [state.images[index - 1] ?? null, state.images[index + 1] ?? null];
}

export async function showImage(view, id, params) {
  const filter = filterParams(params);
  const query = filter.toString() ? `?${filter}` : "";
  const back = `#/${query}`;
  const image = await get(url("image", { image_id: id }));
  const metadata = await get(image.links?.metadata ?? url("image_metadata", { image_id: id })).catch(() => null);
  const [previous, next] = await neighbours(id, filter).catch(() => [null, null]);
  const linkTo = (other) => `#/images/${encodeURIComponent(other.id)}${query}`;
  document.title = `${image.name} · imageapi gallery`;

  const navigation = h("nav", { class: "viewer-nav", "aria-label": "Image navigation" },
    h("a", { href: back, id: "back-to-grid" }, "← Back to the grid (Esc)"),
    h("span", { class: "actions" },
      previous ? h("a", { href: linkTo(previous), rel: "prev" }, "Previous (←)") : null,
      next ? h("a", { href: linkTo(next), rel: "next" }, "Next (→)") : null));
  const download = h("a", { href: contentUrl(image, { download: "true" }), download: image.name, class: "button-link" }, "Download original");
  view.replaceChildren(
    h("h1", {}, image.name),
    navigation,
    h("div", { class: "viewer" },
      largeImage(image),
      h("aside", { "aria-label": "About this image" },
        h("h2", {}, "Details"), metadataList(image, metadata),
        tagEditor(image),
        h("p", { class: "actions" }, download, ...shareButton(image), ...deleteButton(image, back)))),
    playground(image));

  if (keyHandler) document.removeEventListener("keydown", keyHandler);
  keyHandler = (event) => {
    if (!location.hash.startsWith("#/images/")) return;
    if (event.target.closest("input, select, textarea, dialog") || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === "ArrowLeft" && previous) location.hash = linkTo(previous);
    else if (event.key === "ArrowRight" && next) location.hash = linkTo(next);
    else if (event.key === "Escape") location.hash = back;
  };
  document.addEventListener("keydown", keyHandler);
  document.getElementById("main").focus();
}
