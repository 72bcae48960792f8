"""The service's quotas (limits.md) answer LimitExceededException; adjustable ones can be raised."""
from __future__ import annotations

import pytest

from .conftest import Clients
from .helpers import active_version, fails, loaded_group
from .workflow import POPULARITY, deploy


def test_dataset_groups_per_region(aws: Clients) -> None:
    for i in range(5):
        aws.personalize.create_dataset_group(name=f"group-{i}")
    message = fails("LimitExceededException", aws.personalize.create_dataset_group, name="group-5")
    assert "5 active dataset groups" in message
    assert len(aws.personalize.list_dataset_groups()["datasetGroups"]) == 5


def test_an_adjustable_quota_can_be_raised(aws: Clients, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERSONALIZE_LOCAL_QUOTA_DATASET_GROUPS", "6")
    for i in range(6):
        aws.personalize.create_dataset_group(name=f"group-{i}")
    fails("LimitExceededException", aws.personalize.create_dataset_group, name="group-6")


def test_solutions_and_campaigns_per_dataset_group(aws: Clients) -> None:
    p = aws.personalize
    group = loaded_group(aws)
    for i in range(10):
        p.create_solution(name=f"solution-{i}", datasetGroupArn=group.dataset_group_arn, recipeArn=POPULARITY)
    assert "10 active solutions" in fails(
        "LimitExceededException", p.create_solution, name="solution-10", datasetGroupArn=group.dataset_group_arn, recipeArn=POPULARITY
    )

    other = loaded_group(aws, name="other")
    version = active_version(aws, other.dataset_group_arn)
    for i in range(5):
        deploy(aws, version, name=f"campaign-{i}")
    assert "5 active campaigns" in fails("LimitExceededException", p.create_campaign, name="campaign-5", solutionVersionArn=version)


def tags(count: int) -> list[dict[str, str]]:
    return [{"tagKey": f"key-{i}", "tagValue": "v"} for i in range(count)]


def test_a_resource_carries_at_most_50_tags(aws: Clients) -> None:
    p = aws.personalize
    message = fails("TooManyTagsException", p.create_dataset_group, name="crowded", tags=tags(51))
    assert "'tags'" in message
    assert p.list_dataset_groups()["datasetGroups"] == []
    group_arn = p.create_dataset_group(name="tidy", tags=tags(50))["datasetGroupArn"]
    fails("TooManyTagsException", p.create_event_tracker, name="t", datasetGroupArn=group_arn, tags=tags(51))
    assert p.list_event_trackers()["eventTrackers"] == []
