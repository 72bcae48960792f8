// The console's pages. Each reads the service's own API on this server (unsigned, like any SDK
// pointed at it) and a few console reads under api/ for what no AWS API answers, then renders HTML.
"use strict";

// ---- The API ---------------------------------------------------------------------------------

class ApiError extends Error {}

async function call(path, headers, body) {
  const response = await fetch(path, { method: "POST", headers, body: JSON.stringify(body) });
  const text = await response.text();
  const data = text ? JSON.parse(text) : {};
  if (!response.ok) throw new ApiError(`${data.__type || response.status}: ${data.message || text}`);
  return data;
}

const personalize = (operation, body = {}) =>
  call("/", { "X-Amz-Target": `AmazonPersonalize.${operation}`, "Content-Type": "application/x-amz-json-1.1" }, body);
const runtime = (path, body) => call(path, { "Content-Type": "application/json" }, body);

// The console's own reads: params as an object or as [name, value] pairs (for repeated names).
async function read(name, params) {
  const response = await fetch(`api/${name}?${new URLSearchParams(params)}`);
  const data = await response.json();
  if (!response.ok) throw new ApiError(`${data.__type}: ${data.message}`);
  return data;
}

async function listAll(operation, params, member) {
  const all = [];
  let nextToken;
  do {
    const page = await personalize(operation, { ...params, maxResults: 100, ...(nextToken && { nextToken }) });
    all.push(...page[member]);
    nextToken = page.nextToken;
  } while (nextToken);
  return all;
}

const describeAll = (items, operation, key, member) =>
  Promise.all(items.map((item) => personalize(operation, { [key]: item[key] }).then((r) => r[member])));

// ---- HTML --------------------------------------------------------------------------------------

class Html {
  constructor(text) { this.text = text; }
}
const escape = (value) =>
  value instanceof Html ? value.text
    : Array.isArray(value) ? value.map(escape).join("")
    : String(value ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
// A template whose values are escaped unless they are Html themselves.
const html = (strings, ...values) => new Html(strings.reduce((out, s, i) => out + escape(values[i - 1]) + s));

const tail = (arn) => arn.split("/").pop();
const when = (seconds) => (seconds ? new Date(seconds * 1000).toLocaleString() : "");
const link = (kind, arn, text) => html`<a href="#/${kind}/${encodeURIComponent(arn)}">${text ?? tail(arn)}</a>`;
const moving = (status) => /PENDING|IN_PROGRESS|STOPPING/.test(status ?? "");

function table(columns, rows, empty = "None yet.") {
  if (!rows.length) return html`<p class="muted">${empty}</p>`;
  return html`<table>
    <thead><tr>${columns.map(([header]) => html`<th>${header}</th>`)}</tr></thead>
    <tbody>${rows.map((row) => html`<tr>${columns.map(([, cell, cls]) => html`<td class="${cls ?? ""}">${cell(row)}</td>`)}</tr>`)}</tbody>
  </table>`;
}

// A status; while it moves, the poller describes it again through [operation, params, member path].
function status(value, describe) {
  const live = moving(value) && describe ? html` data-live="${JSON.stringify(describe)}"` : "";
  return html`<span class="status ${value ?? ""} ${moving(value) ? "moving" : ""}"${live}>${value ?? ""}</span>`;
}

const details = (pairs) => html`<dl>${pairs.filter(([, v]) => v !== undefined && v !== null && v !== "").map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>`;
const section = (title, body, id = "") => html`<section id="${id}"><h2>${title}</h2>${body}</section>`;
const options = (pairs, selected) => pairs.map(([value, text]) => html`<option value="${value}" ${value === selected ? "selected" : ""}>${text}</option>`);

// ---- Metrics chart -------------------------------------------------------------------------------

const COLORS = ["#0972d3", "#e07941", "#037f0c", "#8456ce", "#c33d69", "#2ea597", "#962249", "#7d8998"];
const shortMetric = (name) =>
  name.replace("normalized_discounted_cumulative_gain_at_", "NDCG@").replace("mean_reciprocal_rank_at_", "MRR@")
    .replace("precision_at_", "precision@").replace(/_at_(\d+)/, "@$1").replace(/_/g, " ");

// Bars per metric, one per series ({label, values: {metric: number}}), and the figures in a table.
function metricsChart(series) {
  const names = [...new Set(series.flatMap((s) => Object.keys(s.values)))].sort();
  if (!names.length) return html`<p class="muted">No metrics yet.</p>`;
  const bar = 20, group = series.length * bar + 24, height = 200, top = 12, left = 40;
  const max = Math.max(1e-9, ...series.flatMap((s) => names.map((n) => s.values[n] ?? 0)));
  const y = (v) => top + height - (v / max) * height;
  const width = left + names.length * group + 10;
  const bars = names.map((name, i) => series.map((s, j) => {
    const v = s.values[name] ?? 0;
    return html`<rect x="${left + i * group + 9 + j * bar}" y="${y(v)}" width="${bar - 2}" height="${top + height - y(v)}" fill="${COLORS[j % COLORS.length]}"><title>${s.label} ${name}: ${v}</title></rect>`;
  }));
  const labels = names.map((name, i) => {
    const x = left + i * group + group / 2;
    return html`<text x="${x}" y="${top + height + 12}" text-anchor="end" transform="rotate(-35 ${x} ${top + height + 12})">${shortMetric(name)}</text>`;
  });
  return html`
    <div class="legend">${series.map((s, j) => html`<span><span class="swatch" style="background:${COLORS[j % COLORS.length]}"></span>${s.label}</span>`)}</div>
    <svg class="chart" width="${width}" height="${top + height + 90}" role="img" aria-label="metrics by version">
      <line x1="${left}" x2="${width}" y1="${top + height}" y2="${top + height}" stroke="#aab7b8"/>
      <text x="${left - 6}" y="${top + 4}" text-anchor="end">${max.toFixed(2)}</text>
      <text x="${left - 6}" y="${top + height}" text-anchor="end">0</text>
      ${bars}${labels}
    </svg>
    ${table([["metric", (n) => n], ...series.map((s) => [s.label, (n) => s.values[n]?.toFixed(4) ?? "", "num"])], names)}`;
}

// ---- Pages -------------------------------------------------------------------------------------
// Each takes its argument from the address (#/kind/arg) and answers {title, trail, body}.

async function groupsPage() {
  const groups = await listAll("ListDatasetGroups", {}, "datasetGroups");
  return {
    title: "Dataset groups",
    body: section("Dataset groups", table([
      ["name", (g) => link("group", g.datasetGroupArn, g.name)],
      ["domain", (g) => g.domain ?? "custom"],
      ["status", (g) => status(g.status, ["DescribeDatasetGroup", { datasetGroupArn: g.datasetGroupArn }, "datasetGroup.status"])],
      ["created", (g) => when(g.creationDateTime)],
    ], groups, "No dataset groups yet: create one with any SDK pointed at this server.")),
  };
}

const trailOfGroup = (arn) => [[`#/group/${encodeURIComponent(arn)}`, tail(arn)]];
const solutionOfVersion = (versionArn) => versionArn.split("/").slice(0, -1).join("/");

async function groupFilters(groupArn) {
  return describeAll(await listAll("ListFilters", { datasetGroupArn: groupArn }, "Filters"), "DescribeFilter", "filterArn", "filter");
}

async function groupTrackers(groupArn) {
  const trackers = await listAll("ListEventTrackers", { datasetGroupArn: groupArn }, "eventTrackers");
  return describeAll(trackers, "DescribeEventTracker", "eventTrackerArn", "eventTracker");
}

// Batch jobs of the group's solutions, described for their output paths.
async function batchJobs(solutions) {
  const ours = (job) => solutions.some((s) => job.solutionVersionArn?.startsWith(`${s.solutionArn}/`));
  const [inference, segment] = await Promise.all([
    listAll("ListBatchInferenceJobs", {}, "batchInferenceJobs"),
    listAll("ListBatchSegmentJobs", {}, "batchSegmentJobs"),
  ]);
  const described = await Promise.all([
    describeAll(inference.filter(ours), "DescribeBatchInferenceJob", "batchInferenceJobArn", "batchInferenceJob"),
    describeAll(segment.filter(ours), "DescribeBatchSegmentJob", "batchSegmentJobArn", "batchSegmentJob"),
  ]);
  return [
    ...described[0].map((j) => ({ ...j, kind: "inference", describe: ["DescribeBatchInferenceJob", { batchInferenceJobArn: j.batchInferenceJobArn }, "batchInferenceJob.status"] })),
    ...described[1].map((j) => ({ ...j, kind: "segment", describe: ["DescribeBatchSegmentJob", { batchSegmentJobArn: j.batchSegmentJobArn }, "batchSegmentJob.status"] })),
  ];
}

const s3Link = (path) => (path ? html`<a href="#/s3/${encodeURIComponent(path)}">${path}</a>` : "");

async function groupPage(arn) {
  const [{ datasetGroup: group }, datasets, solutions, filters, trackers, recommenders] = await Promise.all([
    personalize("DescribeDatasetGroup", { datasetGroupArn: arn }),
    listAll("ListDatasets", { datasetGroupArn: arn }, "datasets"),
    listAll("ListSolutions", { datasetGroupArn: arn }, "solutions"),
    groupFilters(arn),
    groupTrackers(arn),
    listAll("ListRecommenders", { datasetGroupArn: arn }, "recommenders"),
  ]);
  const [counts, campaigns, jobs] = await Promise.all([
    Promise.all(datasets.map((d) => read("dataset-rows", { datasetArn: d.datasetArn, limit: 0 }).then((r) => r.rowCount))),
    Promise.all(solutions.map((s) => listAll("ListCampaigns", { solutionArn: s.solutionArn }, "campaigns"))).then((c) => c.flat()),
    batchJobs(solutions),
  ]);
  datasets.forEach((d, i) => { d.rowCount = counts[i]; });
  return {
    title: group.name,
    trail: trailOfGroup(arn),
    body: html`
      ${section(`Dataset group ${group.name}`, details([
        ["status", status(group.status, ["DescribeDatasetGroup", { datasetGroupArn: arn }, "datasetGroup.status"])],
        ["domain", group.domain ?? "custom"], ["ARN", arn], ["created", when(group.creationDateTime)],
        ["failure", group.failureReason],
      ]))}
      ${section("Datasets", table([
        ["name", (d) => link("dataset", d.datasetArn, d.name)], ["type", (d) => d.datasetType],
        ["rows", (d) => d.rowCount.toLocaleString("en-US"), "num"],
        ["status", (d) => status(d.status, ["DescribeDataset", { datasetArn: d.datasetArn }, "dataset.status"])],
        ["updated", (d) => when(d.lastUpdatedDateTime)],
      ], datasets), "datasets")}
      ${section("Solutions", table([
        ["name", (s) => link("solution", s.solutionArn, s.name)], ["recipe", (s) => tail(s.recipeArn ?? "")],
        ["status", (s) => status(s.status, ["DescribeSolution", { solutionArn: s.solutionArn }, "solution.status"])],
        ["created", (s) => when(s.creationDateTime)],
      ], solutions), "solutions")}
      ${section("Campaigns", table([
        ["name", (c) => link("campaign", c.campaignArn, c.name)],
        ["status", (c) => status(c.status, ["DescribeCampaign", { campaignArn: c.campaignArn }, "campaign.status"])],
        ["failure", (c) => c.failureReason, "failure"], ["created", (c) => when(c.creationDateTime)],
      ], campaigns, "No campaigns yet: deploy a version from its solution's page."), "campaigns")}
      ${section("Recommenders", table([
        ["name", (r) => link("recommender", r.recommenderArn, r.name)], ["use case", (r) => tail(r.recipeArn)],
        ["status", (r) => status(r.status, ["DescribeRecommender", { recommenderArn: r.recommenderArn }, "recommender.status"])],
        ["created", (r) => when(r.creationDateTime)],
      ], recommenders), "recommenders")}
      ${section("Filters", table([
        ["name", (f) => f.name], ["expression", (f) => html`<code>${f.filterExpression}</code>`],
        ["status", (f) => status(f.status, ["DescribeFilter", { filterArn: f.filterArn }, "filter.status"])],
        ["failure", (f) => f.failureReason, "failure"],
      ], filters), "filters")}
      ${section("Event trackers", table([
        ["name", (t) => t.name], ["tracking ID", (t) => html`<code>${t.trackingId}</code>`],
        ["status", (t) => status(t.status, ["DescribeEventTracker", { eventTrackerArn: t.eventTrackerArn }, "eventTracker.status"])],
      ], trackers), "trackers")}
      ${section("Batch jobs", table([
        ["name", (j) => j.jobName], ["kind", (j) => j.kind],
        ["version", (j) => link("solution", solutionOfVersion(j.solutionVersionArn), tail(solutionOfVersion(j.solutionVersionArn)) + "/" + tail(j.solutionVersionArn))],
        ["status", (j) => status(j.status, j.describe)],
        ["output", (j) => s3Link(j.jobOutput?.s3DataDestination?.path)], ["failure", (j) => j.failureReason, "failure"],
      ], jobs), "batch-jobs")}`,
  };
}

const PAGE_SIZE = 25;

function rowsView(page) {
  const last = Math.min(page.offset + page.rows.length, page.rowCount);
  const pager = html`<p>
    <button type="button" class="secondary" data-action="rows" data-offset="${Math.max(0, page.offset - PAGE_SIZE)}" ${page.offset ? "" : "disabled"}>Previous</button>
    <span class="muted">rows ${page.rows.length ? page.offset + 1 : 0}–${last} of <span class="row-count">${page.rowCount.toLocaleString("en-US")}</span></span>
    <button type="button" class="secondary" data-action="rows" data-offset="${page.offset + PAGE_SIZE}" ${last < page.rowCount ? "" : "disabled"}>Next</button></p>`;
  return html`${pager}${table(page.columns.map((c, i) => [c, (row) => row[i] ?? html`<span class="muted">null</span>`]), page.rows, "No rows.")}`;
}

function schemaFields(schema) {
  const fields = JSON.parse(schema.schema).fields;
  const type = (t) => (Array.isArray(t) ? t.map(type).join(" | ") : typeof t === "object" ? t.type : t);
  return table([
    ["field", (f) => f.name], ["type", (f) => type(f.type)],
    ["", (f) => [f.categorical && "categorical", f.textual && "textual"].filter(Boolean).join(", ")],
  ], fields);
}

async function datasetPage(arn) {
  const { dataset } = await personalize("DescribeDataset", { datasetArn: arn });
  const [{ schema }, rows, imports, exports] = await Promise.all([
    personalize("DescribeSchema", { schemaArn: dataset.schemaArn }),
    read("dataset-rows", { datasetArn: arn, offset: 0, limit: PAGE_SIZE }),
    listAll("ListDatasetImportJobs", { datasetArn: arn }, "datasetImportJobs")
      .then((jobs) => describeAll(jobs, "DescribeDatasetImportJob", "datasetImportJobArn", "datasetImportJob")),
    listAll("ListDatasetExportJobs", { datasetArn: arn }, "datasetExportJobs")
      .then((jobs) => describeAll(jobs, "DescribeDatasetExportJob", "datasetExportJobArn", "datasetExportJob")),
  ]);
  return {
    title: dataset.name,
    trail: [...trailOfGroup(dataset.datasetGroupArn), [location.hash, dataset.name]],
    body: html`
      <div class="cols">
        ${section(`Dataset ${dataset.name}`, details([
          ["type", dataset.datasetType],
          ["status", status(dataset.status, ["DescribeDataset", { datasetArn: arn }, "dataset.status"])],
          ["rows", html`<span class="row-count">${rows.rowCount.toLocaleString("en-US")}</span>`],
          ["tracking ID", dataset.trackingId], ["ARN", arn], ["schema", schema.name], ["updated", when(dataset.lastUpdatedDateTime)],
        ]))}
        ${section("Schema", schemaFields(schema), "schema")}
      </div>
      ${section("Rows", html`<div data-dataset="${arn}">${rowsView(rows)}</div>`, "rows")}
      ${section("Import jobs", table([
        ["name", (j) => j.jobName], ["mode", (j) => j.importMode], ["from", (j) => j.dataSource?.dataLocation],
        ["status", (j) => status(j.status, ["DescribeDatasetImportJob", { datasetImportJobArn: j.datasetImportJobArn }, "datasetImportJob.status"])],
        ["failure reason", (j) => j.failureReason, "failure"], ["created", (j) => when(j.creationDateTime)],
      ], imports), "imports")}
      ${section("Export jobs", table([
        ["name", (j) => j.jobName], ["ingestion", (j) => j.ingestionMode],
        ["status", (j) => status(j.status, ["DescribeDatasetExportJob", { datasetExportJobArn: j.datasetExportJobArn }, "datasetExportJob.status"])],
        ["output", (j) => s3Link(j.jobOutput?.s3DataDestination?.path)], ["failure reason", (j) => j.failureReason, "failure"],
      ], exports), "exports")}`,
  };
}

async function solutionPage(arn) {
  const [{ solution }, versions, campaigns] = await Promise.all([
    personalize("DescribeSolution", { solutionArn: arn }),
    listAll("ListSolutionVersions", { solutionArn: arn }, "solutionVersions"),
    listAll("ListCampaigns", { solutionArn: arn }, "campaigns"),
  ]);
  const active = versions.filter((v) => v.status === "ACTIVE");
  const metrics = await Promise.all([...active].reverse().map((v) =>
    personalize("GetSolutionMetrics", { solutionVersionArn: v.solutionVersionArn }).then((m) => ({ label: tail(v.solutionVersionArn), values: m.metrics ?? {} }))));
  const versionStatus = (v) => status(v.status, ["DescribeSolutionVersion", { solutionVersionArn: v.solutionVersionArn }, "solutionVersion.status"]);
  return {
    title: solution.name,
    trail: [...trailOfGroup(solution.datasetGroupArn), [location.hash, solution.name]],
    body: html`
      ${section(`Solution ${solution.name}`, details([
        ["recipe", tail(solution.recipeArn ?? "")], ["status", status(solution.status, ["DescribeSolution", { solutionArn: arn }, "solution.status"])],
        ["event type", solution.eventType], ["automatic training", solution.performAutoTraining ? "on" : "off"], ["ARN", arn],
      ]))}
      ${section("Versions", html`
        ${table([
          ["version", (v) => tail(v.solutionVersionArn)], ["training", (v) => `${v.trainingMode ?? ""} ${v.trainingType ?? ""}`],
          ["status", versionStatus], ["failure reason", (v) => v.failureReason, "failure"], ["created", (v) => when(v.creationDateTime)],
        ], versions)}
        <form data-action="createVersion" data-solution="${arn}">
          <label>training mode<select name="trainingMode">${options([["FULL", "FULL"], ["UPDATE", "UPDATE"]], "FULL")}</select></label>
          <button>Create solution version</button><p class="note"></p>
        </form>`, "versions")}
      ${section("Metrics by version", metricsChart(metrics), "metrics")}
      ${section("Campaigns", html`
        ${table([
          ["name", (c) => link("campaign", c.campaignArn, c.name)],
          ["status", (c) => status(c.status, ["DescribeCampaign", { campaignArn: c.campaignArn }, "campaign.status"])],
          ["created", (c) => when(c.creationDateTime)],
        ], campaigns)}
        <form data-action="createCampaign">
          <label>name<input name="name" required placeholder="my-campaign"></label>
          <label>version<select name="solutionVersionArn">${options(active.map((v) => [v.solutionVersionArn, tail(v.solutionVersionArn)]))}</select></label>
          <label>min provisioned TPS<input name="minProvisionedTPS" type="number" min="1" value="1"></label>
          <button ${active.length ? "" : "disabled"}>Deploy campaign</button><p class="note"></p>
        </form>`, "deploy")}`,
  };
}

async function campaignPage(arn) {
  const { campaign } = await personalize("DescribeCampaign", { campaignArn: arn });
  const solutionArn = solutionOfVersion(campaign.solutionVersionArn);
  const [{ solution }, versions] = await Promise.all([
    personalize("DescribeSolution", { solutionArn }),
    listAll("ListSolutionVersions", { solutionArn }, "solutionVersions"),
  ]);
  const update = campaign.latestCampaignUpdate;
  const live = (member) => ["DescribeCampaign", { campaignArn: arn }, member];
  return {
    title: campaign.name,
    trail: [...trailOfGroup(solution.datasetGroupArn), [`#/solution/${encodeURIComponent(solutionArn)}`, solution.name], [location.hash, campaign.name]],
    body: html`
      ${section(`Campaign ${campaign.name}`, details([
        ["status", status(campaign.status, live("campaign.status"))], ["failure reason", campaign.failureReason],
        ["version", link("solution", solutionArn, `${solution.name}/${tail(campaign.solutionVersionArn)}`)],
        ["min provisioned TPS", campaign.minProvisionedTPS], ["ARN", arn],
        ["latest update", update && html`${status(update.status, live("campaign.latestCampaignUpdate.status"))} to ${tail(update.solutionVersionArn ?? "")} ${update.failureReason ?? ""}`],
      ]))}
      ${section("Update", html`
        <form data-action="updateCampaign" data-campaign="${arn}">
          <label>version<select name="solutionVersionArn">${options(versions.filter((v) => v.status === "ACTIVE").map((v) => [v.solutionVersionArn, tail(v.solutionVersionArn)]), campaign.solutionVersionArn)}</select></label>
          <label>min provisioned TPS<input name="minProvisionedTPS" type="number" min="1" value="${campaign.minProvisionedTPS}"></label>
          <button ${campaign.status === "ACTIVE" ? "" : "disabled"}>Update campaign</button><p class="note"></p>
        </form>`, "update")}
      ${campaign.status === "ACTIVE" ? await tryPanel({ campaignArn: arn }, solution.datasetGroupArn) : ""}`,
  };
}

async function recommenderPage(arn) {
  const { recommender } = await personalize("DescribeRecommender", { recommenderArn: arn });
  return {
    title: recommender.name,
    trail: [...trailOfGroup(recommender.datasetGroupArn), [location.hash, recommender.name]],
    body: html`
      ${section(`Recommender ${recommender.name}`, details([
        ["use case", tail(recommender.recipeArn)],
        ["status", status(recommender.status, ["DescribeRecommender", { recommenderArn: arn }, "recommender.status"])],
        ["failure reason", recommender.failureReason], ["ARN", arn],
      ]))}
      ${section("Metrics", metricsChart([{ label: recommender.name, values: recommender.modelMetrics ?? {} }]), "metrics")}
      ${recommender.status === "ACTIVE" ? await tryPanel({ recommenderArn: arn }, recommender.datasetGroupArn) : ""}`,
  };
}

async function s3Page(path) {
  const { objects } = await read("s3-objects", { location: path });
  return {
    title: path,
    body: section(`Objects under ${path}`, table([
      ["object", (o) => html`<a href="api/s3-object?${new URLSearchParams({ location: o.location })}" target="_blank">${o.location}</a>`],
      ["bytes", (o) => o.size.toLocaleString("en-US"), "num"],
    ], objects), "objects"),
  };
}

// ---- Try it: recommendations, a filter and its values, and clicks recorded -------------------------

const SESSION = `console-${Date.now()}`;
const parametersOf = (expression) => [...new Set([...expression.matchAll(/\$([A-Za-z0-9_]+)/g)].map((m) => m[1]))];

async function tryPanel(target, groupArn) {
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

async function recommend(form) {
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

// ---- Actions: forms and buttons by data-action ------------------------------------------------------

const ACTIONS = {
  async createVersion(form, fields) {
    await personalize("CreateSolutionVersion", { solutionArn: form.dataset.solution, trainingMode: fields.get("trainingMode") });
    await render();
  },
  async createCampaign(form, fields) {
    const { campaignArn } = await personalize("CreateCampaign", {
      name: fields.get("name"), solutionVersionArn: fields.get("solutionVersionArn"), minProvisionedTPS: Number(fields.get("minProvisionedTPS")),
    });
    location.hash = `#/campaign/${encodeURIComponent(campaignArn)}`;
  },
  async updateCampaign(form, fields) {
    await personalize("UpdateCampaign", {
      campaignArn: form.dataset.campaign, solutionVersionArn: fields.get("solutionVersionArn"), minProvisionedTPS: Number(fields.get("minProvisionedTPS")),
    });
    await render();
  },
  recommend,
  async click(button) {
    const form = button.closest("section").querySelector("form[data-action=recommend]");
    const fields = new FormData(form);
    const recommendationId = form.parentElement.querySelector("#recommendations").dataset.recommendationId;
    await runtime("/events", {
      trackingId: form.dataset.tracking, userId: fields.get("userId"), sessionId: SESSION,
      eventList: [{ eventType: fields.get("eventType") || "click", itemId: button.dataset.item, sentAt: Date.now() / 1000, ...(recommendationId && { recommendationId }) }],
    });
    await recommend(form);
    form.querySelector(".note").textContent = `Recorded ${fields.get("eventType")} on ${button.dataset.item} for ${fields.get("userId")}.`;
  },
  async createTracker(button) {
    const group = button.dataset.group;
    await personalize("CreateEventTracker", { name: `${tail(group)}-console`, datasetGroupArn: group });
    await render();
  },
  async rows(button) {
    const holder = button.closest("[data-dataset]");
    holder.innerHTML = escape(rowsView(await read("dataset-rows", { datasetArn: holder.dataset.dataset, offset: button.dataset.offset, limit: PAGE_SIZE })));
  },
};

async function perform(action, element, note, ...args) {
  const buttons = element.tagName === "FORM" ? [...element.querySelectorAll("button")] : [element];
  buttons.forEach((b) => { b.disabled = true; });
  if (note) { note.textContent = ""; note.classList.remove("error"); }
  try {
    await action(element, ...args);
  } catch (error) {
    if (!note) throw error;
    note.textContent = error.message;
    note.classList.add("error");
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
}

document.addEventListener("submit", (event) => {
  const action = ACTIONS[event.target.dataset.action];
  if (!action) return;
  event.preventDefault();
  perform(action, event.target, event.target.querySelector(".note"), new FormData(event.target));
});

document.addEventListener("click", (event) => {
  const button = event.target.closest("button[type=button][data-action]");
  if (button) perform(ACTIONS[button.dataset.action], button, button.closest("section")?.querySelector(".note"));
});

// A filter's parameters show when it is chosen.
document.addEventListener("change", (event) => {
  if (event.target.name !== "filterArn") return;
  event.target.form.querySelectorAll("[data-filter]").forEach((group) => { group.hidden = group.dataset.filter !== event.target.value; });
});

// ---- Rendering, and statuses moving live ---------------------------------------------------------

const PAGES = { "": groupsPage, group: groupPage, dataset: datasetPage, solution: solutionPage, campaign: campaignPage, recommender: recommenderPage, s3: s3Page };
let renders = 0;
let rendered = "";

async function render() {
  const [, kind = "", arg = ""] = location.hash.match(/^#\/([^/]*)\/?(.*)$/) ?? [];
  const page = document.getElementById("page");
  const token = ++renders;
  // What was typed survives a re-render of the same page (a status that settles re-renders it).
  const typed = rendered === location.hash
    ? [...page.querySelectorAll("input[name], select[name]")].map((i) => [`${i.form?.dataset.action}/${i.name}`, i.value]) : [];
  let view;
  try {
    view = await (PAGES[kind] ?? groupsPage)(decodeURIComponent(arg));
  } catch (error) {
    view = { title: "Error", body: html`<p class="error">${error.message}</p>` };
  }
  if (token !== renders) return;  // a newer render is on its way
  document.title = `${view.title} · personalize-local`;
  document.getElementById("trail").innerHTML = escape([["#/", "Dataset groups"], ...(view.trail ?? [])].map(([href, text]) => html`<a href="${href}">${text}</a>`));
  page.innerHTML = escape(view.body);
  rendered = location.hash;
  const values = new Map(typed);
  page.querySelectorAll("input[name], select[name]").forEach((input) => {
    const key = `${input.form?.dataset.action}/${input.name}`;
    if (values.has(key)) input.value = values.get(key);
    if (input.name === "filterArn") input.dispatchEvent(new Event("change", { bubbles: true }));
  });
}

async function poll() {
  try {
    await pollOnce();
  } finally {
    setTimeout(poll, 1000);
  }
}

async function pollOnce() {
  let settled = false;
  for (const span of document.querySelectorAll("[data-live]")) {
    const [operation, params, member] = JSON.parse(span.dataset.live);
    try {
      const value = member.split(".").reduce((object, key) => object?.[key], await personalize(operation, params));
      span.textContent = value ?? "";
      span.className = `status ${value ?? ""} ${moving(value) ? "moving" : ""}`;
      if (!moving(value)) { span.removeAttribute("data-live"); settled = true; }
    } catch (error) {
      span.textContent = error.message;
      span.removeAttribute("data-live");
    }
  }
  if (settled) await render();  // what depends on it (metrics, Try it) shows now
}

window.addEventListener("hashchange", render);
render().then(poll);
