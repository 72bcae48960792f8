// The console: the page's actions (forms and buttons by data-action), rendering by the address, and statuses moving live.

import { personalize, read } from "./api.js";
import { PAGES, PAGE_SIZE, rowsView } from "./pages.js";
import { recommend, recordClick } from "./tryit.js";
import { escape, html, moving, tail } from "./view.js";

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
  click: recordClick,
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
    view = await (PAGES[kind] ?? PAGES[""])(decodeURIComponent(arg));
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
