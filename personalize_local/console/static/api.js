// The service's own API on this server (unsigned, as any SDK pointed at it calls it), and the console's reads under api/.

class ApiError extends Error {}

async function call(path, headers, body) {
  const response = await fetch(path, { method: "POST", headers, body: JSON.stringify(body) });
  const text = await response.text();
  const data = text ? JSON.parse(text) : {};
  if (!response.ok) throw new ApiError(`${data.__type || response.status}: ${data.message || text}`);
  return data;
}

export const personalize = (operation, body = {}) =>
  call("/", { "X-Amz-Target": `AmazonPersonalize.${operation}`, "Content-Type": "application/x-amz-json-1.1" }, body);
export const runtime = (path, body) => call(path, { "Content-Type": "application/json" }, body);

// The console's own reads: params as an object or as [name, value] pairs (for repeated names).
export async function read(name, params) {
  const response = await fetch(`api/${name}?${new URLSearchParams(params)}`);
  const data = await response.json();
  if (!response.ok) throw new ApiError(`${data.__type}: ${data.message}`);
  return data;
}

export async function listAll(operation, params, member) {
  const all = [];
  let nextToken;
  do {
    const page = await personalize(operation, { ...params, maxResults: 100, ...(nextToken && { nextToken }) });
    all.push(...page[member]);
    nextToken = page.nextToken;
  } while (nextToken);
  return all;
}

export const describeAll = (items, operation, key, member) =>
  Promise.all(items.map((item) => personalize(operation, { [key]: item[key] }).then((r) => r[member])));

export async function groupFilters(groupArn) {
  return describeAll(await listAll("ListFilters", { datasetGroupArn: groupArn }, "Filters"), "DescribeFilter", "filterArn", "filter");
}

export async function groupTrackers(groupArn) {
  const trackers = await listAll("ListEventTrackers", { datasetGroupArn: groupArn }, "eventTrackers");
  return describeAll(trackers, "DescribeEventTracker", "eventTrackerArn", "eventTracker");
}
