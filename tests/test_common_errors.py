"""Errors every operation of a kind shares: malformed ARNs, tags, and resources still on the move."""
from __future__ import annotations

from typing import Any

import pytest

from .conftest import Clients
from .helpers import active_version, arn, fails, loaded_group
from .workflow import POPULARITY, deploy, wait

MALFORMED = "not-an-arn"

# (operation, ARN member): each checks the ARN against the model's pattern before looking anything up.
ARN_MEMBERS = [
    ("describe_schema", "schemaArn"),
    ("delete_schema", "schemaArn"),
    ("describe_dataset_group", "datasetGroupArn"),
    ("delete_dataset_group", "datasetGroupArn"),
    ("describe_dataset", "datasetArn"),
    ("list_datasets", "datasetGroupArn"),
    ("delete_dataset", "datasetArn"),
    ("describe_dataset_import_job", "datasetImportJobArn"),
    ("list_dataset_import_jobs", "datasetArn"),
    ("describe_solution", "solutionArn"),
    ("list_solutions", "datasetGroupArn"),
    ("delete_solution", "solutionArn"),
    ("describe_solution_version", "solutionVersionArn"),
    ("list_solution_versions", "solutionArn"),
    ("get_solution_metrics", "solutionVersionArn"),
    ("describe_campaign", "campaignArn"),
    ("list_campaigns", "solutionArn"),
    ("delete_campaign", "campaignArn"),
    ("describe_event_tracker", "eventTrackerArn"),
    ("list_event_trackers", "datasetGroupArn"),
    ("delete_event_tracker", "eventTrackerArn"),
    ("describe_recipe", "recipeArn"),
]


@pytest.mark.parametrize(("operation", "member"), ARN_MEMBERS)
def test_a_malformed_arn_is_invalid_input_naming_the_member(aws: Clients, operation: str, member: str) -> None:
    message = fails("InvalidInputException", getattr(aws.personalize, operation), **{member: MALFORMED})
    assert f"'{member}'" in message and MALFORMED in message


# (operation, ARN member, ARN of nothing): each answers ResourceNotFoundException naming the ARN.
UNKNOWN = [
    ("describe_schema", "schemaArn", arn("schema", "ghost")),
    ("delete_schema", "schemaArn", arn("schema", "ghost")),
    ("describe_dataset_group", "datasetGroupArn", arn("dataset-group", "ghost")),
    ("delete_dataset_group", "datasetGroupArn", arn("dataset-group", "ghost")),
    ("describe_dataset", "datasetArn", arn("dataset", "ghost/INTERACTIONS")),
    ("delete_dataset", "datasetArn", arn("dataset", "ghost/INTERACTIONS")),
    ("describe_solution", "solutionArn", arn("solution", "ghost")),
    ("delete_solution", "solutionArn", arn("solution", "ghost")),
    ("create_solution_version", "solutionArn", arn("solution", "ghost")),
    ("list_solution_versions", "solutionArn", arn("solution", "ghost")),
    ("describe_solution_version", "solutionVersionArn", arn("solution", "ghost/0123abcd")),
    ("get_solution_metrics", "solutionVersionArn", arn("solution", "ghost/0123abcd")),
]


@pytest.mark.parametrize(("operation", "member", "unknown"), UNKNOWN)
def test_an_unknown_arn_is_not_found(aws: Clients, operation: str, member: str, unknown: str) -> None:
    message = fails("ResourceNotFoundException", getattr(aws.personalize, operation), **{member: unknown})
    assert message == f"Resource Arn {unknown} does not exist."


def test_list_solution_versions_pages(aws: Clients) -> None:
    p = aws.personalize
    group = loaded_group(aws)
    solution_arn = p.describe_solution_version(solutionVersionArn=active_version(aws, group.dataset_group_arn))["solutionVersion"]["solutionArn"]
    second = p.create_solution_version(solutionArn=solution_arn, name="second")["solutionVersionArn"]
    first_page = p.list_solution_versions(solutionArn=solution_arn, maxResults=1)
    # Newest first, one a page.
    assert [v["solutionVersionArn"] for v in first_page["solutionVersions"]] == [second]
    rest = p.list_solution_versions(solutionArn=solution_arn, maxResults=1, nextToken=first_page["nextToken"])
    assert len(rest["solutionVersions"]) == 1 and "nextToken" not in rest
    fails("InvalidNextTokenException", p.list_solution_versions, solutionArn=solution_arn, nextToken="garbage")
    # A version name is taken once per solution.
    message = fails("ResourceAlreadyExistsException", p.create_solution_version, solutionArn=solution_arn, name="second")
    assert "second" in message


def tags(count: int) -> list[dict[str, str]]:
    return [{"tagKey": f"key-{i}", "tagValue": "v"} for i in range(count)]


def test_every_create_refuses_more_than_50_tags(aws: Clients) -> None:
    p = aws.personalize
    group = loaded_group(aws)
    version_arn = active_version(aws, group.dataset_group_arn)
    solution_arn = p.describe_solution_version(solutionVersionArn=version_arn)["solutionVersion"]["solutionArn"]
    creates: dict[str, dict[str, Any]] = {
        "create_dataset_import_job": {"jobName": "j", "datasetArn": group.dataset_arn, "dataSource": {"dataLocation": "s3://b/k.csv"}},
        "create_solution": {"name": "s2", "datasetGroupArn": group.dataset_group_arn, "recipeArn": POPULARITY},
        "create_solution_version": {"solutionArn": solution_arn},
        "create_campaign": {"name": "c", "solutionVersionArn": version_arn},
    }
    for operation, params in creates.items():
        assert "'tags'" in fails("TooManyTagsException", getattr(p, operation), tags=tags(51), **params), operation
    assert p.list_campaigns()["campaigns"] == []
    assert len(p.list_solution_versions(solutionArn=solution_arn)["solutionVersions"]) == 1


def test_resources_on_the_move_cannot_be_deleted(manual: Clients) -> None:
    """Asynchronous: a campaign or tracker still being created answers ResourceInUseException to a delete."""
    p = manual.personalize
    group = loaded_group(manual)
    version_arn = active_version(manual, group.dataset_group_arn)
    campaign_arn = p.create_campaign(name="young", solutionVersionArn=version_arn)["campaignArn"]
    assert campaign_arn in fails("ResourceInUseException", p.delete_campaign, campaignArn=campaign_arn)
    tracker_arn = p.create_event_tracker(name="young", datasetGroupArn=group.dataset_group_arn)["eventTrackerArn"]
    assert tracker_arn in fails("ResourceInUseException", p.delete_event_tracker, eventTrackerArn=tracker_arn)

    # Settled, both go.
    wait(lambda: p.describe_campaign(campaignArn=campaign_arn)["campaign"])
    wait(lambda: p.describe_event_tracker(eventTrackerArn=tracker_arn)["eventTracker"])
    p.delete_campaign(campaignArn=campaign_arn)
    p.delete_event_tracker(eventTrackerArn=tracker_arn)
    # A second delete while the first is pending is refused too.
    fails("ResourceInUseException", p.delete_campaign, campaignArn=campaign_arn)


def test_an_event_tracker_needs_an_active_group(manual: Clients) -> None:
    p = manual.personalize
    group_arn = p.create_dataset_group(name="young")["datasetGroupArn"]
    assert group_arn in fails("ResourceInUseException", p.create_event_tracker, name="t", datasetGroupArn=group_arn)


def test_a_campaign_being_updated_cannot_be_deleted(manual: Clients) -> None:
    p = manual.personalize
    group = loaded_group(manual)
    version_arn = active_version(manual, group.dataset_group_arn)
    campaign_arn = deploy(manual, version_arn)
    p.update_campaign(campaignArn=campaign_arn, minProvisionedTPS=2)
    assert "updated" in fails("ResourceInUseException", p.delete_campaign, campaignArn=campaign_arn)
    wait(lambda: p.describe_campaign(campaignArn=campaign_arn)["campaign"]["latestCampaignUpdate"])
    p.delete_campaign(campaignArn=campaign_arn)
