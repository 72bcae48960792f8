// HTML from templates whose values are escaped, and the pieces pages are made of: tables, live statuses, the metrics chart.

export class Html {
  constructor(text) { this.text = text; }
}
export const escape = (value) =>
  value instanceof Html ? value.text
    : Array.isArray(value) ? value.map(escape).join("")
    : String(value ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
// A template whose values are escaped unless they are Html themselves.
export const html = (strings, ...values) => new Html(strings.reduce((out, s, i) => out + escape(values[i - 1]) + s));

export const tail = (arn) => arn.split("/").pop();
export const when = (seconds) => (seconds ? new Date(seconds * 1000).toLocaleString() : "");
export const link = (kind, arn, text) => html`<a href="#/${kind}/${encodeURIComponent(arn)}">${text ?? tail(arn)}</a>`;
export const moving = (status) => /PENDING|IN_PROGRESS|STOPPING/.test(status ?? "");

export function table(columns, rows, empty = "None yet.") {
  if (!rows.length) return html`<p class="muted">${empty}</p>`;
  return html`<table>
    <thead><tr>${columns.map(([header]) => html`<th>${header}</th>`)}</tr></thead>
    <tbody>${rows.map((row) => html`<tr>${columns.map(([, cell, cls]) => html`<td class="${cls ?? ""}">${cell(row)}</td>`)}</tr>`)}</tbody>
  </table>`;
}

// A status; while it moves, the poller describes it again through [operation, params, member path].
export function status(value, describe) {
  const live = moving(value) && describe ? html` data-live="${JSON.stringify(describe)}"` : "";
  return html`<span class="status ${value ?? ""} ${moving(value) ? "moving" : ""}"${live}>${value ?? ""}</span>`;
}

export const details = (pairs) => html`<dl>${pairs.filter(([, v]) => v !== undefined && v !== null && v !== "").map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>`;
export const section = (title, body, id = "") => html`<section id="${id}"><h2>${title}</h2>${body}</section>`;
export const options = (pairs, selected) => pairs.map(([value, text]) => html`<option value="${value}" ${value === selected ? "selected" : ""}>${text}</option>`);

// ---- Metrics chart -------------------------------------------------------------------------------

const COLORS = ["#0972d3", "#e07941", "#037f0c", "#8456ce", "#c33d69", "#2ea597", "#962249", "#7d8998"];
const shortMetric = (name) =>
  name.replace("normalized_discounted_cumulative_gain_at_", "NDCG@").replace("mean_reciprocal_rank_at_", "MRR@")
    .replace("precision_at_", "precision@").replace(/_at_(\d+)/, "@$1").replace(/_/g, " ");

// Bars per metric, one per series ({label, values: {metric: number}}), and the figures in a table.
export function metricsChart(series) {
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
