// The filter lives in the page URL ("#/?tag=a&tag_mode=any&from=2024-01-01"),
// so a filtered view can be bookmarked; here it becomes the list's query.

export const FILTER_KEYS = ["tag", "tag_mode", "name", "format", "from", "to", "taken_from", "taken_to"];

function startOfDay(day) {
  return `${day}T00:00:00Z`;
}

function nextDay(day) {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString().replace(".000Z", "Z");
}

/** Page URL parameters -> the list route's query (dates are whole UTC days). */
export function listQuery(params) {
  const query = new URLSearchParams();
  for (const tag of params.getAll("tag")) query.append("tag", tag);
  if (params.getAll("tag").length > 1 && params.get("tag_mode") === "any") query.set("tag_mode", "any");
  for (const key of ["name", "format"]) if (params.get(key)) query.set(key, params.get(key));
  // The API's bounds are exclusive: a day "from" starts a second before it.
  const bounds = [["from", "created_after"], ["to", "created_before"], ["taken_from", "taken_after"], ["taken_to", "taken_before"]];
  for (const [key, apiKey] of bounds) {
    const day = params.get(key);
    if (!day || !/^\d{4}-\d{2}-\d{2}$/.test(day)) continue;
    if (apiKey.endsWith("after")) query.set(apiKey, String(Date.parse(startOfDay(day)) / 1000 - 1));
    else query.set(apiKey, nextDay(day));
  }
  return query;
}

/** Only the filter's parameters, in a stable order (the grid's cache key). */
export function filterParams(params) {
  const kept = new URLSearchParams();
  for (const key of FILTER_KEYS) for (const value of params.getAll(key)) if (value) kept.append(key, value);
  return kept;
}
