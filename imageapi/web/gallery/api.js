// The API, as this page may use it: the same routes and cookie as any client.
// URL templates come from the page (the server's route table), never spelled here.

const ROUTES = JSON.parse(document.getElementById("api-routes").textContent);

/** Fill a route's {fields} and add a query (an object or URLSearchParams). */
export function url(name, fields = {}, query = undefined) {
  const template = ROUTES[name];
  if (!template) throw new Error(`unknown route ${name}`);
  const path = template.replace(/\{(\w+)\}/g, (_, field) => encodeURIComponent(fields[field]));
  return withQuery(path, query);
}

export function withQuery(path, query) {
  if (!query) return path;
  const params = query instanceof URLSearchParams ? query : toParams(query);
  const text = params.toString();
  return text ? `${path}${path.includes("?") ? "&" : "?"}${text}` : path;
}

export function toParams(object) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(object)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item !== undefined && item !== null && item !== "") params.append(key, String(item));
    }
  }
  return params;
}

/** An answer other than 2xx: the API's {"title", "description"} and the status. */
export class ApiError extends Error {
  constructor(status, title, description, retryAfter = null) {
    super(description || title || `HTTP ${status}`);
    this.status = status;
    this.title = title;
    this.retryAfter = retryAfter;
  }
}

async function errorFrom(response) {
  let body = {};
  try {
    body = await response.json();
  } catch {
    // Not JSON (a proxy's page): the status alone must do.
  }
  return new ApiError(response.status, body.title, body.description, response.headers.get("Retry-After"));
}

/** fetch with the session cookie; JSON in and out; throws ApiError. */
export async function call(method, href, body = undefined) {
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(href, init);
  } catch {
    throw new ApiError(0, "Network error", "The server could not be reached. Check your connection.");
  }
  if (!response.ok) throw await errorFrom(response);
  if (response.status === 204) return null;
  const type = response.headers.get("Content-Type") || "";
  return type.includes("json") ? response.json() : null;
}

export const get = (href) => call("GET", href);

/**
 * Upload one file with XMLHttpRequest, the one browser API that reports
 * upload progress. Resolves with the stored image; rejects with ApiError.
 */
export function upload(file, tags, onProgress) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    form.append("image", file, file.name);
    for (const tag of tags) form.append("tags", tag);
    const request = new XMLHttpRequest();
    request.open("POST", url("images"));
    request.withCredentials = true;
    request.setRequestHeader("Accept", "application/json");
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    request.addEventListener("load", () => {
      let body = {};
      try {
        body = JSON.parse(request.responseText);
      } catch {
        // An empty or non-JSON answer: described by its status below.
      }
      if (request.status === 201) resolve(body);
      else reject(new ApiError(request.status, body.title, body.description, request.getResponseHeader("Retry-After")));
    });
    request.addEventListener("error", () => reject(new ApiError(0, "Network error", "The upload was interrupted.")));
    request.send(form);
  });
}

/** Words for a failed upload, by status. */
export function uploadProblem(error) {
  const detail = error.message ? ` ${error.message}` : "";
  switch (error.status) {
    case 413: return `Too large for this server.${detail}`;
    case 415: return `Not an image this server reads.${detail}`;
    case 403: return `Quota reached.${detail}`;
    case 422: return `Refused:${detail}`;
    case 429: return `Too many requests; try again in ${error.retryAfter || "a few"} seconds.`;
    case 0: return error.message;
    default: return `Failed (${error.status}).${detail}`;
  }
}

let documentPromise = null;

/** The OpenAPI document (once per page). */
export function apiDocument() {
  documentPromise ??= get(url("openapi_document"));
  return documentPromise;
}
