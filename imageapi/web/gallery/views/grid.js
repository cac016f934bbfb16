// The grid: filters, uploads, and thumbnails over keyset pages, fetched as
// the end of the list scrolls into view.

import { ApiError, get, upload, uploadProblem, url, withQuery } from "../api.js";
import { blurhashCanvas } from "../blurhash.js";
import { announce, field, h } from "../dom.js";
import { filterParams, listQuery } from "./filters.js";

const PAGE_SIZE = 60;
// Thumbnail widths offered in srcset: a phone picks the small ones, a 4K
// screen the large ones.
const THUMB_WIDTHS = [160, 320, 480, 720];
const SIZES = "(max-width: 699px) 34vw, (max-width: 1400px) 20vw, 12vw";
const FORMATS = ["jpeg", "png", "webp", "gif", "tiff", "avif", "heic"];
const PARALLEL_UPLOADS = 2;

/** The images loaded for the current filter, for the viewer's ← and →. A new
 * filter gets a new object, so a page still arriving for the old one lands
 * in the old one. */
let listing = emptyListing(null);

function emptyListing(key) {
  return { key, images: [], next: null, done: false };
}

export function useListing(key) {
  if (listing.key !== key) listing = emptyListing(key);
  return listing;
}

/** Drop the loaded list, so the next grid asks the server again (after a
 * delete, the grid shows what the server holds, not an edited copy). */
export function forgetListing() {
  listing = emptyListing(null);
}

function thumbnailUrl(image, width) {
  const params = { width, height: width, fit: "cover", format: "auto" };
  return withQuery(image.links?.content ?? url("image_content", { image_id: image.id }), params);
}

function tile(image, filter) {
  const picture = h("img", {
    alt: image.name,
    loading: "lazy",
    decoding: "async",
    sizes: SIZES,
    srcset: THUMB_WIDTHS.map((width) => `${thumbnailUrl(image, width)} ${width}w`).join(", "),
    src: thumbnailUrl(image, THUMB_WIDTHS[1]),
  });
  picture.addEventListener("load", () => picture.classList.add("loaded"), { once: true });
  const query = filter.toString();
  const link = h("a", { href: `#/images/${encodeURIComponent(image.id)}${query ? `?${query}` : ""}` },
    blurhashCanvas(image.blurhash, image.width / image.height), picture,
    h("span", { class: "caption", "aria-hidden": "true" }, image.name));
  return h("li", { class: "tile", "data-id": image.id }, link);
}

/** The next page of the listing `state` (from useListing) for `filter`. */
export async function loadMore(state, filter) {
  if (state.done) return [];
  const query = listQuery(filter);
  query.set("limit", String(PAGE_SIZE));
  if (state.next) query.set("cursor", state.next);
  const page = await get(url("images", {}, query));
  state.images.push(...page.items);
  state.next = page.next_cursor;
  state.done = !page.next_cursor;
  return page.items;
}

function filterForm(filter, tagNames) {
  const tags = h("input", { name: "tags", value: filter.getAll("tag").join(", "), list: "tag-names", autocomplete: "off" });
  const mode = h("select", { name: "tag_mode" }, h("option", { value: "all" }, "all of them"), h("option", { value: "any" }, "any of them"));
  mode.value = filter.get("tag_mode") === "any" ? "any" : "all";
  const name = h("input", { name: "name", type: "search", value: filter.get("name") ?? "" });
  const format = h("select", { name: "format" }, h("option", { value: "" }, "any"), ...FORMATS.map((value) => h("option", { value }, value)));
  format.value = filter.get("format") ?? "";
  const day = (key) => h("input", { type: "date", name: key, value: filter.get(key) ?? "" });
  const form = h("form", { class: "filters", role: "search", "aria-label": "Filter images" },
    field("Tags", tags, "comma-separated"),
    field("Match", mode),
    field("Name contains", name),
    field("Format", format),
    field("Uploaded from", day("from")),
    field("Uploaded to", day("to")),
    field("Taken from", day("taken_from")),
    field("Taken to", day("taken_to")),
    h("p", { class: "actions" }, h("button", { type: "submit" }, "Filter"),
      h("button", { type: "reset", class: "secondary" }, "Clear")),
    h("datalist", { id: "tag-names" }, ...tagNames.map((tag) => h("option", { value: tag.tag }))),
  );
  const go = (params) => { location.hash = `#/${params.toString() ? `?${params}` : ""}`; };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const params = new URLSearchParams();
    for (const tag of tags.value.split(",").map((text) => text.trim()).filter(Boolean)) params.append("tag", tag);
    if (mode.value === "any") params.set("tag_mode", "any");
    for (const control of [name, format, ...form.querySelectorAll("input[type=date]")]) {
      if (control.value) params.set(control.name, control.value);
    }
    go(params);
  });
  form.addEventListener("reset", (event) => { event.preventDefault(); go(new URLSearchParams()); });
  // Folded away until used: the images come first, above the fold.
  return h("details", { class: "card", open: Boolean(filter.toString()) },
    h("summary", {}, filter.toString() ? "Filter (active)" : "Filter"), form);
}

function uploader(onUploaded) {
  const picker = h("input", { type: "file", id: "upload-files", multiple: true, accept: "image/*" });
  const tags = h("input", { id: "upload-tags", autocomplete: "off", list: "tag-names" });
  const progressList = h("ul", { class: "uploads", "aria-label": "Uploads" });
  const zone = h("div", { class: "drop-zone" },
    h("p", {}, "Drop images here, or choose them:"),
    field("Images", picker),
    field("Tags for this batch", tags, "comma-separated, applied to every file"));
  const queue = [];
  let running = 0;

  function pump() {
    while (running < PARALLEL_UPLOADS && queue.length) {
      const job = queue.shift();
      running += 1;
      job().finally(() => { running -= 1; pump(); });
    }
  }

  function enqueue(files) {
    const batchTags = tags.value.split(",").map((text) => text.trim()).filter(Boolean);
    for (const file of files) {
      const bar = h("progress", { max: 1, value: 0, "aria-label": `Upload of ${file.name}` });
      const state = h("span", { class: "state" }, "waiting");
      progressList.append(h("li", {}, h("span", {}, file.name), bar, state));
      queue.push(async () => {
        state.textContent = "uploading";
        try {
          const image = await upload(file, batchTags, (fraction) => { bar.value = fraction; });
          bar.value = 1;
          state.textContent = "uploaded";
          state.className = "state done";
          onUploaded(image);
        } catch (error) {
          if (!(error instanceof ApiError)) throw error;
          state.textContent = uploadProblem(error);
          state.className = "state error";
        }
      });
    }
    announce(`${files.length} file(s) queued for upload.`);
    pump();
  }

  picker.addEventListener("change", () => { enqueue([...picker.files]); picker.value = ""; });
  zone.addEventListener("dragover", (event) => { event.preventDefault(); zone.classList.add("dragging"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("dragging");
    enqueue([...event.dataTransfer.files]);
  });
  return h("section", { class: "card", "aria-labelledby": "upload-title" },
    h("h2", { id: "upload-title", class: "card-title" }, "Upload"), zone, progressList);
}

let observer = null;

export async function showGrid(view, params) {
  const filter = filterParams(params);
  document.title = "Images · imageapi gallery";
  const key = filter.toString();
  const state = useListing(key);
  const tagNames = await get(url("tags")).catch(() => []);
  const grid = h("ul", { class: "grid", id: "grid", "aria-label": "Images" });
  const end = h("p", { class: "grid-end", id: "grid-end" }, "Loading…");
  const summary = key ? `Images matching ${[...filter.entries()].map(([k, v]) => `${k} ${v}`).join(", ")}` : "All your images";

  const added = (image) => {
    if (!key) {
      state.images.unshift(image);
      grid.prepend(tile(image, filter));
      if (state.done) end.textContent = `${state.images.length} image(s).`;
    }
  };
  view.replaceChildren(
    h("h1", {}, "Your images"),
    h("div", { class: "toolbar" }, filterForm(filter, tagNames), uploader(added)),
    h("h2", { id: "grid-title" }, summary),
    grid, end);
  grid.append(...state.images.map((image) => tile(image, filter)));

  let busy = false;
  const more = async () => {
    if (busy || state.done) return;
    busy = true;
    try {
      const items = await loadMore(state, filter);
      grid.append(...items.map((image) => tile(image, filter)));
    } catch (error) {
      end.textContent = error.message;
      busy = false;
      throw error;
    }
    busy = false;
    end.textContent = state.done
      ? (state.images.length ? `${state.images.length} image(s).` : "No images here yet: upload some above.")
      : "Loading more as you scroll…";
    // Still on screen (a tall window, a short page): load on.
    if (!state.done && end.isConnected && end.getBoundingClientRect().top < innerHeight * 2) more();
  };
  observer?.disconnect();
  observer = new IntersectionObserver((entries) => {
    if (entries.some((entry) => entry.isIntersecting)) more();
  }, { rootMargin: "800px 0px" });
  observer.observe(end);
  if (state.done) end.textContent = state.images.length ? `${state.images.length} image(s).` : "No images here yet: upload some above.";
  else await more();
}
