"""Errors every operation of a kind shares: malformed ARNs, tags, and resources still on the move."""
from __future__ import annotations

import logging
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from personalize_local import mock_personalize
from personalize_local.backend.schemas import SchemasService

from .conftest import REGION, Clients, error_code, error_message
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
    """Stepwise statuses: a campaign or tracker still being created answers ResourceInUseException to a delete."""
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


@pytest.mark.parametrize("retries", [None, {"mode": "legacy"}, {"mode": "standard"}], ids=["default", "legacy", "standard"])
def test_a_bug_answers_internal_failure_once_and_logs_it(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, retries: dict[str, str] | None
) -> None:
    def broken(self: SchemasService, **_: Any) -> None:
        raise RuntimeError("a bug in the backend")

    monkeypatch.setattr(SchemasService, "list_schemas", broken)
    with mock_personalize():
        # The user's own client, with botocore's retries as configured (not the tests' NO_RETRIES).
        client = boto3.Session(region_name=REGION).client("personalize", config=Config(retries=retries) if retries else None)
        sent: list[str] = []
        client.meta.events.register("before-send.personalize", lambda **kwargs: sent.append(kwargs["event_name"]))
        with caplog.at_level(logging.ERROR, logger="personalize_local"), pytest.raises(ClientError) as excinfo:
            client.list_schemas()
    assert error_code(excinfo) == "InternalFailure"
    assert "a bug in the backend" in error_message(excinfo)
    # One request: botocore saw nothing worth retrying.
    assert len(sent) == 1
    assert excinfo.value.response["ResponseMetadata"]["RetryAttempts"] == 0
    # The traceback is in the log, for whoever fixes the bug.
    [logged] = [record for record in caplog.records if record.exc_info]
    assert "ListSchemas" in logged.getMessage()
    assert logged.exc_info[0] is RuntimeError and "a bug in the backend" in logged.exc_text
