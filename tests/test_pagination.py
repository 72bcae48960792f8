"""Every paginated List operation, walked as boto3 users walk it: moto's paginator semantics.

A token names the first item of the next page and the call it came from (the operation and its filters):
items created between pages are neither repeated nor make others skipped, and a token of another call,
of another filter or of nothing is InvalidNextTokenException."""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import pytest

from personalize_local import mock_personalize

from .batch import create_job as inference_job
from .batch import put_lines, segment_job
from .conftest import ITEMS_SCHEMA, ROLE_ARN, USERS_SCHEMA, Clients, make_clients
from .data_jobs import export
from .helpers import active_version, domain_group, fails, loaded_group, recommender, small_rows
from .workflow import ITEM_AFFINITY, create_group, deploy, wait

PAGES = 1  # items a page: every list below holds more, so each walk takes several pages
DOMAIN = "ECOMMERCE"
USE_CASES = ("aws-ecomm-popular-items-by-views", "aws-ecomm-popular-items-by-purchases")


@dataclass(frozen=True)
class Listing:
    """A List operation, the member its items come in, and the parent filter it is called with (if any)."""

    operation: str
    member: str
    key: str  # what tells the items apart
    parent: str | None = None


LISTINGS = {
    listing.operation: listing
    for listing in (
        Listing("list_dataset_groups", "datasetGroups", "datasetGroupArn"),
        Listing("list_schemas", "schemas", "schemaArn"),
        Listing("list_datasets", "datasets", "datasetArn", "datasetGroupArn"),
        Listing("list_dataset_import_jobs", "datasetImportJobs", "datasetImportJobArn", "datasetArn"),
        Listing("list_dataset_export_jobs", "datasetExportJobs", "datasetExportJobArn", "datasetArn"),
        Listing("list_data_deletion_jobs", "dataDeletionJobs", "dataDeletionJobArn", "datasetGroupArn"),
        Listing("list_solutions", "solutions", "solutionArn", "datasetGroupArn"),
        Listing("list_solution_versions", "solutionVersions", "solutionVersionArn", "solutionArn"),
        Listing("list_campaigns", "campaigns", "campaignArn", "solutionArn"),
        Listing("list_filters", "Filters", "filterArn", "datasetGroupArn"),
        Listing("list_event_trackers", "eventTrackers", "eventTrackerArn"),
        Listing("list_recommenders", "recommenders", "recommenderArn", "datasetGroupArn"),
        Listing("list_batch_inference_jobs", "batchInferenceJobs", "batchInferenceJobArn", "solutionVersionArn"),
        Listing("list_batch_segment_jobs", "batchSegmentJobs", "batchSegmentJobArn", "solutionVersionArn"),
        Listing("list_metric_attributions", "metricAttributions", "metricAttributionArn"),
        Listing("list_metric_attribution_metrics", "metrics", "metricName", "metricAttributionArn"),
        Listing("list_recipes", "recipes", "recipeArn"),
    )
}


@dataclass
class World:
    """Several of every listed resource, made once for the module; ``parents``: each listing's filter value."""

    c: Clients
    parents: dict[str, str] = field(default_factory=dict)
    # Another existing parent of the same kind, for each listing with a filter.
    others: dict[str, str] = field(default_factory=dict)

    def params(self, operation: str) -> dict[str, str]:
        parent = LISTINGS[operation].parent
        return {parent: self.parents[operation]} if parent else {}

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        return getattr(self.c.personalize, operation)(**self.params(operation), **params)

    def everything(self, operation: str) -> list[str]:
        """The whole list in one answer (each holds fewer than a page of 100)."""
        listing = LISTINGS[operation]
        answer = self.call(operation, maxResults=100)
        assert "nextToken" not in answer
        return [item[listing.key] for item in answer[listing.member]]


def _jobs(c: Clients, group: Any, version: str, affinity_version: str) -> None:
    """Import, export, deletion, batch inference and batch segment jobs, two or three of each."""
    p = c.personalize
    for name in ("missing-1", "missing-2"):  # imports of a file that is not there: they fail, and are listed
        arn = p.create_dataset_import_job(
            jobName=name, datasetArn=group.dataset_arn, dataSource={"dataLocation": "s3://personalize-data/none.csv"}, roleArn=ROLE_ARN
        )["datasetImportJobArn"]
        wait(lambda: p.describe_dataset_import_job(datasetImportJobArn=arn)["datasetImportJob"])
    for name in ("export-1", "export-2", "export-3"):
        export(c, group.dataset_arn, name, path=f"s3://exports/{name}/")
    for name in ("forget-1", "forget-2", "forget-3"):
        arn = p.create_data_deletion_job(
            jobName=name, datasetGroupArn=group.dataset_group_arn, dataSource={"dataLocation": "s3://exports/nobody.csv"}, roleArn=ROLE_ARN
        )["dataDeletionJobArn"]
        wait(lambda: p.describe_data_deletion_job(dataDeletionJobArn=arn)["dataDeletionJob"])
    users = put_lines(c, "in/users.json", [{"userId": "user-1"}])
    for name in ("batch-1", "batch-2", "batch-3"):
        inference_job(c, version, users, destination=f"s3://batch-data/{name}/", name=name)
    items = put_lines(c, "in/items.json", [{"itemId": "comedy-1"}])
    for name in ("segments-1", "segments-2"):
        segment_job(c, affinity_version, items, destination=f"s3://batch-data/{name}/", name=name)


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with mock_personalize():
        # Module-wide, so before the per-test credentials fixture: the keys are given here.
        c = make_clients(aws_access_key_id="testing", aws_secret_access_key="testing")
        p = c.personalize
        group = loaded_group(c, "shop", rows=small_rows())
        for dataset_type, schema in (("Items", ITEMS_SCHEMA), ("Users", USERS_SCHEMA)):
            schema_arn = p.create_schema(name=f"shop-{dataset_type.lower()}", schema=schema)["schemaArn"]
            p.create_dataset(name=f"shop-{dataset_type.lower()}", schemaArn=schema_arn, datasetGroupArn=group.dataset_group_arn, datasetType=dataset_type)
        second, third = (create_group(c, name) for name in ("second", "third"))
        others = [second.dataset_group_arn, third.dataset_group_arn]
        version = active_version(c, group.dataset_group_arn, name="popular")
        solution = p.describe_solution_version(solutionVersionArn=version)["solutionVersion"]["solutionArn"]
        for _ in range(2):
            made = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
            wait(lambda: p.describe_solution_version(solutionVersionArn=made)["solutionVersion"])
        for name in ("spare-1", "spare-2"):
            p.create_solution(name=name, datasetGroupArn=group.dataset_group_arn, recipeArn="arn:aws:personalize:::recipe/aws-popularity-count")
        for name in ("campaign-1", "campaign-2", "campaign-3"):
            deploy(c, version, name=name)
        for name in ("filter-1", "filter-2", "filter-3"):
            p.create_filter(name=name, datasetGroupArn=group.dataset_group_arn, filterExpression='EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("watch")')
        for group_arn in (group.dataset_group_arn, *others):
            p.create_event_tracker(name=f"tracker-{group_arn.rsplit('/', 1)[1]}", datasetGroupArn=group_arn)
        metrics = [{"eventType": "watch", "metricName": f"WATCHES_{k}", "expression": "SAMPLECOUNT()"} for k in range(3)]
        attributions = [
            p.create_metric_attribution(name=f"attribution-{k}", datasetGroupArn=group_arn, metrics=metrics, metricsOutputConfig={"roleArn": ROLE_ARN})
            for k, group_arn in enumerate((group.dataset_group_arn, *others))
        ]
        shop = domain_group(c, DOMAIN, small_rows(), name="domain")
        for name in USE_CASES:  # no View or Purchase events: each fails, and is listed
            recommender(c, shop, name)
        affinity = active_version(c, group.dataset_group_arn, name="affinity", recipe=ITEM_AFFINITY)
        _jobs(c, group, version, affinity)
        affinity_solution = p.describe_solution_version(solutionVersionArn=affinity)["solutionVersion"]["solutionArn"]
        parents = {
            "list_datasets": group.dataset_group_arn,
            "list_dataset_import_jobs": group.dataset_arn,
            "list_dataset_export_jobs": group.dataset_arn,
            "list_data_deletion_jobs": group.dataset_group_arn,
            "list_solutions": group.dataset_group_arn,
            "list_solution_versions": solution,
            "list_campaigns": solution,
            "list_filters": group.dataset_group_arn,
            "list_recommenders": shop,
            "list_batch_inference_jobs": version,
            "list_batch_segment_jobs": affinity,
            "list_metric_attribution_metrics": attributions[0]["metricAttributionArn"],
        }
        others = {
            "list_datasets": second.dataset_group_arn,
            "list_dataset_import_jobs": second.dataset_arn,
            "list_dataset_export_jobs": second.dataset_arn,
            "list_data_deletion_jobs": second.dataset_group_arn,
            "list_solutions": second.dataset_group_arn,
            "list_solution_versions": affinity_solution,
            "list_campaigns": affinity_solution,
            "list_filters": second.dataset_group_arn,
            "list_recommenders": group.dataset_group_arn,
            "list_batch_inference_jobs": affinity,
            "list_batch_segment_jobs": version,
            "list_metric_attribution_metrics": attributions[1]["metricAttributionArn"],
        }
        yield World(c, parents, others)
        assert c.shape_errors == [], "\n".join(c.shape_errors)


def walk(world: World, operation: str, between: Callable[[], None] = lambda: None, **params: Any) -> tuple[list[str], list[int]]:
    """The items of every page, walked by hand one token at a time, calling ``between`` after each page; the page sizes."""
    listing, seen, sizes, token = LISTINGS[operation], [], [], None
    while True:
        page = world.call(operation, maxResults=PAGES, **params, **({"nextToken": token} if token else {}))
        seen += [item[listing.key] for item in page[listing.member]]
        sizes.append(len(page[listing.member]))
        token = page.get("nextToken")
        if token is None:
            return seen, sizes
        between()


def first_token(world: World, operation: str) -> str:
    return world.call(operation, maxResults=PAGES)["nextToken"]


# botocore's paginators-1.json has none for ListDataDeletionJobs: the walk by hand (below) covers it.
PAGEABLE = [operation for operation in LISTINGS if operation != "list_data_deletion_jobs"]


@pytest.mark.parametrize("operation", PAGEABLE)
def test_boto3_paginators_walk_the_whole_list_a_page_at_a_time(world: World, operation: str) -> None:
    listing = LISTINGS[operation]
    everything = world.everything(operation)
    assert len(everything) >= 2
    pages = list(world.c.personalize.get_paginator(operation).paginate(**world.params(operation), PaginationConfig={"PageSize": PAGES}))
    assert [len(page[listing.member]) for page in pages] == [PAGES] * len(everything)
    assert [item[listing.key] for page in pages for item in page[listing.member]] == everything


@pytest.mark.parametrize("operation", list(LISTINGS))
def test_max_results_bounds_each_page(world: World, operation: str) -> None:
    everything = world.everything(operation)
    seen, sizes = walk(world, operation)
    assert seen == everything and sizes == [PAGES] * len(everything)
    first = world.call(operation, maxResults=2)
    assert len(first[LISTINGS[operation].member]) == 2 and ("nextToken" in first) == (len(everything) > 2)


CREATES: dict[str, Callable[[World, int], Any]] = {
    "list_dataset_groups": lambda w, n: w.c.personalize.create_dataset_group(name=f"made-between-{n}"),
    "list_schemas": lambda w, n: w.c.personalize.create_schema(name=f"made-between-{n}", schema=ITEMS_SCHEMA),
    "list_solutions": lambda w, n: w.c.personalize.create_solution(
        name=f"made-between-{n}", datasetGroupArn=w.parents["list_solutions"], recipeArn="arn:aws:personalize:::recipe/aws-popularity-count"
    ),
    "list_campaigns": lambda w, n: w.c.personalize.create_campaign(
        name=f"made-between-{n}", solutionVersionArn=w.parents["list_batch_inference_jobs"]
    ),
    "list_filters": lambda w, n: w.c.personalize.create_filter(
        name=f"made-between-{n}", datasetGroupArn=w.parents["list_filters"], filterExpression='EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("x")'
    ),
    "list_dataset_import_jobs": lambda w, n: w.c.personalize.create_dataset_import_job(
        jobName=f"made-between-{n}", datasetArn=w.parents["list_dataset_import_jobs"],
        dataSource={"dataLocation": "s3://personalize-data/none.csv"}, roleArn=ROLE_ARN,
    ),
}


@pytest.mark.parametrize("operation", list(CREATES))
def test_creates_between_pages_neither_repeat_nor_lose_items(world: World, operation: str) -> None:
    before = world.everything(operation)
    made: list[Any] = []

    def create_once() -> None:  # once: dataset groups have a quota of five
        if not made:
            made.append(CREATES[operation](world, len(made)))

    seen, _ = walk(world, operation, between=create_once)
    # Newest first: what was made meanwhile comes ahead of the pages already read, so the walk is the list as it began.
    assert seen == before
    after = world.everything(operation)
    assert len(made) == 1 and after[1:] == before


@pytest.mark.parametrize("operation", list(LISTINGS))
def test_a_token_of_another_list_operation_is_refused(world: World, operation: str) -> None:
    for other in LISTINGS:
        if other != operation:
            token = first_token(world, other)
            message = fails("InvalidNextTokenException", world.call, operation=operation, nextToken=token)
            assert token in message


def test_a_list_solutions_token_given_to_list_campaigns(world: World) -> None:
    """Both filter on nothing but the same kind of parent here: the token still names another call."""
    p = world.c.personalize
    token = p.list_solutions(maxResults=1)["nextToken"]
    fails("InvalidNextTokenException", p.list_campaigns, nextToken=token)
    fails("InvalidNextTokenException", p.list_campaigns, solutionArn=world.parents["list_campaigns"], nextToken=token)


# The listings that answer only for a parent (InvalidInputException without one).
REQUIRED_PARENT = {"list_metric_attribution_metrics"}


@pytest.mark.parametrize("operation", [name for name, listing in LISTINGS.items() if listing.parent])
def test_a_token_of_another_parent_filter_is_refused(world: World, operation: str) -> None:
    parent = LISTINGS[operation].parent
    token = first_token(world, operation)
    p = world.c.personalize
    fails("InvalidNextTokenException", getattr(p, operation), **{parent: world.others[operation]}, nextToken=token)
    if operation not in REQUIRED_PARENT:  # no filter at all: another call too
        fails("InvalidNextTokenException", getattr(p, operation), nextToken=token)
    # The same call takes it.
    assert world.call(operation, maxResults=PAGES, nextToken=token)[LISTINGS[operation].member]


def test_a_token_of_another_domain_of_list_recipes_is_refused(world: World) -> None:
    p = world.c.personalize
    token = p.list_recipes(domain="ECOMMERCE", maxResults=1)["nextToken"]
    fails("InvalidNextTokenException", p.list_recipes, domain="VIDEO_ON_DEMAND", nextToken=token)
    fails("InvalidNextTokenException", p.list_recipes, nextToken=token)
    assert p.list_recipes(domain="ECOMMERCE", maxResults=1, nextToken=token)["recipes"]


def _b64(value: Any) -> str:
    return base64.b64encode(json.dumps(value).encode()).decode()


GARBAGE = {
    "not base64": "garbage",
    "an earlier version's offset": base64.urlsafe_b64encode(b"1").decode(),
    "JSON, not an object": _b64(["a", "b"]),
    "an object without a checksum": _b64({"uniqueAttributes": ["x"]}),
    "a made-up checksum": _b64({"parameterChecksum": 12345, "uniqueAttributes": ["x"]}),
}


@pytest.mark.parametrize("operation", list(LISTINGS))
@pytest.mark.parametrize("token", list(GARBAGE.values()), ids=list(GARBAGE))
def test_garbage_tokens_are_refused(world: World, operation: str, token: str) -> None:
    assert token in fails("InvalidNextTokenException", world.call, operation=operation, nextToken=token)

