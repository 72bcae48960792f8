// Try it: recommendations for a user or an item, with a filter and its values, and clicks recorded through the group's event tracker.

import { groupFilters, groupTrackers, read, runtime } from "./api.js";
import { escape, html, options, section, table } from "./view.js";

const SESSION = `console-${Date.now()}`;
const parametersOf = (expression) => [...new Set([...expression.matchAll(/\$([A-Za-z0-9_]+)/g)].map((m) => m[1]))];

export async function tryPanel(target, groupArn) {
  const [filters, trackers] = await Promise.all([groupFilters(groupArn), groupTrackers(groupArn)]);
  const usable = filters.filter((f) => f.status === "ACTIVE");
  const tracker = trackers.find((t) => t.status === "ACTIVE");
  return section("Try it", html`
    <form data-action="recommend" data-target="${JSON.stringify(target)}" data-group="${groupArn}" data-tracking="${tracker?.trackingId ?? ""}">
      <label>user ID<input name="userId" placeholder="user"></label>
      <label>or item ID<input name="itemId" placeholder="for related items"></label>
      <label>results<input name="numResults" type="number" min="1" max="500" value="10"></label>
      <label>filter<select name="filterArn">${options([["", "none"], ...usable.map((f) => [f.filterArn, f.name])], "")}</select></label>
      ${usable.map((f) => html`<span data-filter="${f.filterArn}" hidden>${parametersOf(f.filterExpression).map((p) =>
        html`<label>$${p}<input name="${p}" placeholder='"value1","value2"'></label>`)}</span>`)}
      <label>event type<input name="eventType" value="click"></label>
      <button>Get recommendations</button><p class="note"></p>
    </form>
    ${tracker ? "" : html`<p class="muted">Recording clicks needs an event tracker in this group.
      <button type="button" class="secondary" data-action="createTracker" data-group="${groupArn}">Create event tracker</button></p>`}
    <div id="recommendations"></div>`, "try");
}

export async function recommend(form) {
  const fields = new FormData(form);
  const body = { ...JSON.parse(form.dataset.target), numResults: Number(fields.get("numResults") || 10) };
  for (const name of ["userId", "itemId", "filterArn"]) if (fields.get(name)) body[name] = fields.get(name);
  if (body.filterArn) {
    const inputs = form.querySelectorAll(`[data-filter="${CSS.escape(body.filterArn)}"] input`);
    const values = Object.fromEntries([...inputs].filter((i) => i.value).map((i) => [i.name, i.value]));
    if (Object.keys(values).length) body.filterValues = values;
  }
  const answer = await runtime("/recommendations", body);
  const items = answer.itemList ?? [];
  const records = await read("items", [["datasetGroupArn", form.dataset.group], ...items.map((i) => ["itemId", i.itemId])]);
  const canClick = Boolean(form.dataset.tracking && body.userId);
  const results = form.parentElement.querySelector("#recommendations");
  results.dataset.recommendationId = answer.recommendationId ?? "";
  results.innerHTML = escape(table([
    ["#", (i) => items.indexOf(i) + 1, "num"], ["item", (i) => html`<span class="item-id">${i.itemId}</span>`],
    ["score", (i) => i.score?.toFixed(4), "num"],
    ...records.columns.map((c) => [c, (i) => records.items[i.itemId]?.[c]]),
    ["reason", (i) => (i.reason ?? []).join(", ")],
    ...(canClick ? [["", (i) => html`<button type="button" class="secondary" data-action="click" data-item="${i.itemId}">Record ${fields.get("eventType")}</button>`]] : []),
  ], items, "No recommendations."));
}

export async function recordClick(button) {
  const form = button.closest("section").querySelector("form[data-action=recommend]");
  const fields = new FormData(form);
  const recommendationId = form.parentElement.querySelector("#recommendations").dataset.recommendationId;
  await runtime("/events", {
    trackingId: form.dataset.tracking, userId: fields.get("userId"), sessionId: SESSION,
    eventList: [{ eventType: fields.get("eventType") || "click", itemId: button.dataset.item, sentAt: Date.now() / 1000, ...(recommendationId && { recommendationId }) }],
  });
  await recommend(form);
  form.querySelector(".note").textContent = `Recorded ${fields.get("eventType")} on ${button.dataset.item} for ${fields.get("userId")}.`;
}
