// The pages: each takes its argument from the address (#/kind/arg) and answers {title, trail, body}.

import { describeAll, groupFilters, groupTrackers, listAll, personalize, read } from "./api.js";
import { tryPanel } from "./tryit.js";
import { details, html, link, metricsChart, options, section, status, table, tail, when } from "./view.js";

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

export const PAGE_SIZE = 25;

export function rowsView(page) {
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

export const PAGES = { "": groupsPage, group: groupPage, dataset: datasetPage, solution: solutionPage, campaign: campaignPage, recommender: recommenderPage, s3: s3Page };
