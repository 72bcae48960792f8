"""The console, in headless Chromium against the server: what each page shows is what the API says, and
versions, campaigns, recommendations and clicks made on the page reach the service."""
from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Iterator
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from personalize_local.console import CONSOLE_PATH

from .batch import create_job, put_lines
from .browser import PATIENCE_MS
from .conftest import ITEMS_SCHEMA, Clients, make_clients, moto_api
from .datagen import TASTES, to_csv, video_events, video_items
from .helpers import active_version, domain_group, recommender, small_rows
from .workflow import SIMS, create_group, deploy, import_csv, wait

GENRE_FILTER = 'INCLUDE ItemID WHERE Items.GENRES IN ($GENRE) | EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("click")'


@dataclass
class World:
    endpoint: str
    clients: Clients
    rows: list[dict[str, object]]
    group_arn: str
    interactions_arn: str
    items_arn: str
    solution_arn: str
    version_arn: str
    filter_arn: str
    failed_import: dict[str, Any]
    batch_output: str

    def url(self, route: str = "") -> str:
        return f"{self.endpoint}{CONSOLE_PATH}#/{route}"


def item_rows() -> list[dict[str, object]]:
    return [{"ITEM_ID": item, "GENRES": taste.name} for taste in TASTES for item in taste.items]


@pytest.fixture(scope="module")
def world(endpoint: str) -> Iterator[World]:
    """One dataset group made through boto3: interactions and items, a failed import, a trained version,
    a filter with a parameter, an event tracker and a batch inference job."""
    moto_api(endpoint, "reset")
    # Module-wide, so before the per-test credentials fixture: the keys are given here.
    c = make_clients(endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing")
    p = c.personalize
    rows = small_rows()
    group = create_group(c, "shop")
    assert import_csv(c, group.dataset_arn, to_csv(rows), key="shop.csv", job="shop-import")["status"] == "ACTIVE"
    failed = import_csv(c, group.dataset_arn, to_csv(rows, ["USER_ID", "ITEM_ID"]), key="bad.csv", job="bad-import")
    assert failed["status"] == "CREATE FAILED"
    schema = p.create_schema(name="shop-items", schema=ITEMS_SCHEMA)["schemaArn"]
    items_arn = p.create_dataset(name="shop-items", schemaArn=schema, datasetGroupArn=group.dataset_group_arn, datasetType="Items")["datasetArn"]
    wait(lambda: p.describe_dataset(datasetArn=items_arn)["dataset"])
    assert import_csv(c, items_arn, to_csv(item_rows()), key="items.csv", job="items-import")["status"] == "ACTIVE"
    version = active_version(c, group.dataset_group_arn, name="popular")
    filter_arn = p.create_filter(name="genre-unclicked", datasetGroupArn=group.dataset_group_arn, filterExpression=GENRE_FILTER)["filterArn"]
    wait(lambda: p.describe_filter(filterArn=filter_arn)["filter"])
    tracker = p.create_event_tracker(name="shop-tracker", datasetGroupArn=group.dataset_group_arn)["eventTrackerArn"]
    wait(lambda: p.describe_event_tracker(eventTrackerArn=tracker)["eventTracker"])
    job = create_job(c, version, put_lines(c, "in/users.json", [{"userId": "user-1"}, {"userId": "user-2"}]), name="nightly")
    assert wait(lambda: p.describe_batch_inference_job(batchInferenceJobArn=job)["batchInferenceJob"])["status"] == "ACTIVE"
    solution_arn = p.describe_solution_version(solutionVersionArn=version)["solutionVersion"]["solutionArn"]
    yield World(
        endpoint, c, rows, group.dataset_group_arn, group.dataset_arn, items_arn, solution_arn, version, filter_arn,
        failed, "s3://batch-data/out/",
    )
    assert c.shape_errors == [], "\n".join(c.shape_errors)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(PATIENCE_MS)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def cells(page: Page, section: str, column: int) -> list[str]:
    """The texts of one column of the table in the page's section ``section``."""
    return page.locator(f"#{section} tbody tr").evaluate_all(f"rows => rows.map(r => r.cells[{column}].innerText.trim())")


def row_of(page: Page, section: str, text: str) -> Locator:
    return page.locator(f"#{section} tbody tr", has_text=text)


def test_the_command_prints_where_the_console_is() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "personalize_local", "server", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        printed = [server.stdout.readline().strip() for _ in range(2)]
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert printed[1] == f"console: http://127.0.0.1:{port}{CONSOLE_PATH}"


# Browsing ----------------------------------------------------------------------------------------


def test_the_server_serves_the_console_and_its_reads(world: World) -> None:
    with urllib.request.urlopen(f"{world.endpoint}{CONSOLE_PATH}") as response:
        assert "console.js" in response.read().decode()
    query = f"datasetArn={quote(world.interactions_arn)}&offset=0&limit=2"
    with urllib.request.urlopen(f"{world.endpoint}{CONSOLE_PATH}api/dataset-rows?{query}") as response:
        rows = json.load(response)
    assert rows["rowCount"] == len(world.rows)
    assert rows["rows"] == [list(row.values()) for row in world.rows[:2]]
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        urllib.request.urlopen(f"{world.endpoint}{CONSOLE_PATH}api/dataset-rows?datasetArn={quote(world.interactions_arn)}&limit=many")
    assert excinfo.value.code == 400
    assert json.load(excinfo.value)["message"].startswith("Value 'many' at 'limit'")


def test_dataset_groups_and_a_group_with_all_it_holds(world: World, page: Page) -> None:
    page.goto(world.url())
    page.get_by_role("link", name="shop", exact=True).click()
    expect(page.locator("#datasets")).to_contain_text("shop-interactions")
    # Row counts, as imported.
    assert dict(zip(cells(page, "datasets", 0), cells(page, "datasets", 2))) == {
        "shop-interactions": f"{len(world.rows):,}",
        "shop-items": f"{len(item_rows()):,}",
    }
    assert cells(page, "solutions", 0) == ["popular"]
    assert cells(page, "solutions", 1) == ["aws-popularity-count"]
    assert cells(page, "filters", 1) == [GENRE_FILTER]
    tracker = world.clients.personalize.list_event_trackers(datasetGroupArn=world.group_arn)["eventTrackers"][0]
    tracking_id = world.clients.personalize.describe_event_tracker(eventTrackerArn=tracker["eventTrackerArn"])["eventTracker"]["trackingId"]
    assert cells(page, "trackers", 1) == [tracking_id]
    # A batch job links to its output in S3, whose objects open.
    assert cells(page, "batch-jobs", 0) == ["nightly"]
    page.locator("#batch-jobs").get_by_role("link", name=world.batch_output).click()
    expect(page.locator("#objects")).to_contain_text("users.json.out")
    with page.expect_popup() as popup:
        page.locator("#objects").get_by_role("link", name=re.compile(r"users\.json\.out$")).click()
    body = popup.value.locator("body").inner_text()
    assert [json.loads(line)["input"]["userId"] for line in body.splitlines()] == ["user-1", "user-2"]


def test_a_dataset_with_its_schema_rows_and_import_jobs(world: World, page: Page) -> None:
    page.goto(world.url(f"dataset/{quote(world.interactions_arn, safe='')}"))
    expect(page.locator("#rows")).to_contain_text(f"of {len(world.rows):,}")
    assert cells(page, "schema", 0) == ["USER_ID", "ITEM_ID", "EVENT_TYPE", "TIMESTAMP"]
    assert cells(page, "schema", 1) == ["string", "string", "string", "long"]
    shown = lambda: [cells(page, "rows", k) for k in range(4)]  # noqa: E731
    first = [[str(row[c]) for row in world.rows[:25]] for c in ("USER_ID", "ITEM_ID", "EVENT_TYPE", "TIMESTAMP")]
    assert shown() == first
    page.locator("#rows").get_by_role("button", name="Next").click()
    expect(page.locator("#rows")).to_contain_text(f"rows 26–50 of {len(world.rows):,}")
    assert cells(page, "rows", 1) == [str(row["ITEM_ID"]) for row in world.rows[25:50]]
    # Import jobs with their failure reasons, as DescribeDatasetImportJob gives them.
    expect(row_of(page, "imports", "bad-import")).to_contain_text("CREATE FAILED")
    expect(row_of(page, "imports", "bad-import")).to_contain_text(world.failed_import["failureReason"])
    expect(row_of(page, "imports", "shop-import")).to_contain_text("ACTIVE")


# Training and deploying ----------------------------------------------------------------------------


def test_a_version_made_on_the_page_trains_and_its_metrics_are_charted(world: World, page: Page) -> None:
    p = world.clients.personalize
    page.goto(world.url(f"solution/{quote(world.solution_arn, safe='')}"))
    expect(page.locator("#versions tbody tr")).to_have_count(1)
    page.get_by_role("button", name="Create solution version").click()
    expect(page.locator("#versions tbody tr")).to_have_count(2)
    versions = p.list_solution_versions(solutionArn=world.solution_arn)["solutionVersions"]
    new = next(v["solutionVersionArn"] for v in versions if v["solutionVersionArn"] != world.version_arn)
    expect(row_of(page, "versions", new.split("/")[-1])).to_contain_text("ACTIVE", timeout=PATIENCE_MS)
    # The chart compares both versions, oldest first, each bar a metric of GetSolutionMetrics.
    expect(page.locator("#metrics .legend > span")).to_have_count(2)
    metrics = [p.get_solution_metrics(solutionVersionArn=arn)["metrics"] for arn in (world.version_arn, new)]
    assert page.locator("#metrics svg rect").count() == 2 * len(metrics[0])
    names = cells(page, "metrics", 0)
    assert names == sorted(metrics[0])
    for column, figures in enumerate(metrics, start=1):
        assert cells(page, "metrics", column) == [f"{figures[name]:.4f}" for name in names]


def test_a_campaign_deployed_on_the_page_goes_active_live_and_updates(world: World, page: Page) -> None:
    p = world.clients.personalize
    page.add_init_script(SEEN_STATUSES)
    page.goto(world.url(f"solution/{quote(world.solution_arn, safe='')}"))
    # Statuses move only as describes watch them: the page's own polling must carry it to ACTIVE.
    model = "personalize::campaign"
    moto_api(world.endpoint, "state-manager/set-transition", {"model_name": model, "transition": {"progression": "manual", "times": 2}})
    try:
        deploy = page.locator("#deploy form")
        deploy.get_by_label("name").fill("from-the-page")
        deploy.get_by_label("version").select_option(world.version_arn)
        deploy.get_by_role("button", name="Deploy campaign").click()
        expect(page.locator("h2", has_text="Campaign from-the-page")).to_be_visible()
        expect(page.locator("section", has_text="Campaign from-the-page").locator(".status").first).to_have_text("ACTIVE")
    finally:
        moto_api(world.endpoint, "state-manager/unset-transition", {"model_name": model})
    assert {"CREATE PENDING", "CREATE IN_PROGRESS"} <= set(page.evaluate("window.seenStatuses"))
    campaign = next(c for c in p.list_campaigns(solutionArn=world.solution_arn)["campaigns"] if c["name"] == "from-the-page")
    described = p.describe_campaign(campaignArn=campaign["campaignArn"])["campaign"]
    assert (described["status"], described["solutionVersionArn"]) == ("ACTIVE", world.version_arn)
    # Update it to the newest version from its page.
    newest = p.list_solution_versions(solutionArn=world.solution_arn)["solutionVersions"][0]["solutionVersionArn"]
    update = page.locator("#update form")
    update.get_by_label("version").select_option(newest)
    update.get_by_role("button", name="Update campaign").click()
    expect(page.locator("dd", has_text=f"to {newest.split('/')[-1]}").locator(".status")).to_have_text("ACTIVE")
    assert p.describe_campaign(campaignArn=campaign["campaignArn"])["campaign"]["solutionVersionArn"] == newest


# Every status a live status element shows, from the first render on.
SEEN_STATUSES = """
window.seenStatuses = [];
new MutationObserver(() => document.querySelectorAll('.status').forEach(s => {
  if (!window.seenStatuses.includes(s.textContent)) window.seenStatuses.push(s.textContent);
})).observe(document, {subtree: true, childList: true, characterData: true});
"""


# Trying it -------------------------------------------------------------------------------------


def test_recommendations_with_a_filter_show_metadata_and_a_click_changes_them(world: World, page: Page) -> None:
    p, runtime = world.clients.personalize, world.clients.runtime
    campaign = p.create_campaign(name="try-it", solutionVersionArn=world.version_arn)["campaignArn"]
    wait(lambda: p.describe_campaign(campaignArn=campaign)["campaign"])
    page.goto(world.url(f"campaign/{quote(campaign, safe='')}"))
    form = page.locator("#try form")
    form.get_by_label("user ID").fill("user-0")
    form.get_by_label("filter").select_option(label="genre-unclicked")
    form.get_by_label("$GENRE").fill('"horror"')
    form.get_by_role("button", name="Get recommendations").click()
    expect(page.locator("#recommendations tbody tr")).to_have_count(10)
    request = dict(campaignArn=campaign, userId="user-0", filterArn=world.filter_arn, filterValues={"GENRE": '"horror"'}, numResults=10)
    expected = [i["itemId"] for i in runtime.get_recommendations(**request)["itemList"]]
    shown = cells(page, "recommendations", 1)
    assert shown == expected
    assert cells(page, "recommendations", 3) == ["horror"] * 10  # the items' GENRES, from the Items dataset
    # A click recorded on the page: the filter now keeps the clicked item out.
    clicked = shown[0]
    page.locator("#recommendations tbody tr").first.get_by_role("button", name="Record click").click()
    expect(page.locator("#try .note")).to_have_text(f"Recorded click on {clicked} for user-0.")
    after = cells(page, "recommendations", 1)
    assert clicked not in after and after == [i["itemId"] for i in runtime.get_recommendations(**request)["itemList"]]


def test_related_items_for_an_item(world: World, page: Page) -> None:
    runtime = world.clients.runtime
    campaign = deploy(world.clients, active_version(world.clients, world.group_arn, name="related", recipe=SIMS), name="related")
    page.goto(world.url(f"campaign/{quote(campaign, safe='')}"))
    form = page.locator("#try form")
    form.get_by_label("or item ID").fill("comedy-0")
    form.get_by_role("button", name="Get recommendations").click()
    expect(page.locator("#recommendations tbody tr")).to_have_count(10)
    expected = runtime.get_recommendations(campaignArn=campaign, itemId="comedy-0", numResults=10)["itemList"]
    assert cells(page, "recommendations", 1) == [i["itemId"] for i in expected]
    # No user, nothing to record a click for.
    expect(page.locator("#recommendations button")).to_have_count(0)


def test_a_recommender_with_its_metrics_answers_on_its_page(world: World, page: Page) -> None:
    c = world.clients
    group = domain_group(c, "VIDEO_ON_DEMAND", video_events(), video_items(), name="videos")
    made = recommender(c, group, "aws-vod-most-popular")
    assert made["status"] == "ACTIVE", made.get("failureReason")
    arn = made["recommenderArn"]
    page.goto(world.url(f"group/{quote(group, safe='')}"))
    page.locator("#recommenders").get_by_role("link", name="aws-vod-most-popular").click()
    expect(page.locator("section", has_text="Recommender aws-vod-most-popular").locator(".status")).to_have_text("ACTIVE")
    metrics = c.personalize.describe_recommender(recommenderArn=arn)["recommender"]["modelMetrics"]
    assert cells(page, "metrics", 1) == [f"{metrics[name]:.4f}" for name in cells(page, "metrics", 0)]
    assert set(cells(page, "metrics", 0)) == set(metrics)
    form = page.locator("#try form")
    form.get_by_label("user ID").fill("user-3")
    form.get_by_label("results").fill("5")
    form.get_by_role("button", name="Get recommendations").click()
    expect(page.locator("#recommendations tbody tr")).to_have_count(5)
    expected = c.runtime.get_recommendations(recommenderArn=arn, userId="user-3", numResults=5)["itemList"]
    assert cells(page, "recommendations", 1) == [i["itemId"] for i in expected]
    assert cells(page, "recommendations", 4) == [item.split("-")[0] for item in cells(page, "recommendations", 1)]  # GENRES


def test_a_refusal_of_the_service_shows_on_the_page(world: World, page: Page) -> None:
    page.goto(world.url(f"solution/{quote(world.solution_arn, safe='')}"))
    deploy_form = page.locator("#deploy form")
    deploy_form.get_by_label("name").fill("bad name!")
    deploy_form.get_by_role("button", name="Deploy campaign").click()
    expect(deploy_form.locator(".note.error")).to_contain_text("InvalidInputException")
    expect(deploy_form.locator(".note.error")).to_contain_text("'name'")
    assert "bad name!" not in {c["name"] for c in world.clients.personalize.list_campaigns(solutionArn=world.solution_arn)["campaigns"]}
