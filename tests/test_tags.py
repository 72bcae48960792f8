"""Tags: given at create, added, listed and removed on every taggable resource, within the service's limits."""
from __future__ import annotations

from typing import Any

import pytest

from .conftest import Clients, Restore
from .helpers import active_version, arn, fails, loaded_group
from .workflow import deploy


def tag_list(count: int, prefix: str = "key") -> list[dict[str, str]]:
    return [{"tagKey": f"{prefix}-{i}", "tagValue": f"value-{i}"} for i in range(count)]


def listed(c: Clients, resource_arn: str) -> dict[str, str]:
    return {t["tagKey"]: t.get("tagValue", "") for t in c.personalize.list_tags_for_resource(resourceArn=resource_arn)["tags"]}


def build_taggable(c: Clients) -> dict[str, str]:
    """One resource of each taggable kind this emulator serves, created with one tag each."""
    p = c.personalize
    group = loaded_group(c)
    version_arn = active_version(c, group.dataset_group_arn)
    solution_arn = version_arn.rsplit("/", 1)[0]
    tracker_arn = p.create_event_tracker(name="t", datasetGroupArn=group.dataset_group_arn, tags=[{"tagKey": "team", "tagValue": "events"}])["eventTrackerArn"]
    campaign_arn = p.create_campaign(name="c", solutionVersionArn=version_arn, tags=[{"tagKey": "team", "tagValue": "serving"}])["campaignArn"]
    job_arn = p.list_dataset_import_jobs()["datasetImportJobs"][0]["datasetImportJobArn"]
    return {
        "dataset group": group.dataset_group_arn,
        "dataset": group.dataset_arn,
        "import job": job_arn,
        "solution": solution_arn,
        "solution version": version_arn,
        "event tracker": tracker_arn,
        "campaign": campaign_arn,
    }


@pytest.fixture
def taggable(from_snapshot: Restore) -> dict[str, str]:
    return from_snapshot(build_taggable)


def test_tag_list_untag_every_kind(aws: Clients, taggable: dict[str, str]) -> None:
    for kind, resource_arn in taggable.items():
        before = listed(aws, resource_arn)
        aws.personalize.tag_resource(resourceArn=resource_arn, tags=[{"tagKey": "env", "tagValue": "test"}, {"tagKey": "owner", "tagValue": kind}])
        assert listed(aws, resource_arn) == {**before, "env": "test", "owner": kind}, kind
        # The same key again replaces its value.
        aws.personalize.tag_resource(resourceArn=resource_arn, tags=[{"tagKey": "env", "tagValue": "prod"}])
        assert listed(aws, resource_arn)["env"] == "prod"
        aws.personalize.untag_resource(resourceArn=resource_arn, tagKeys=["env", "not-there"])
        assert listed(aws, resource_arn) == {**before, "owner": kind}, kind
    assert listed(aws, taggable["campaign"]) == {"team": "serving", "owner": "campaign"}


def test_tag_limits(aws: Clients, taggable: dict[str, str]) -> None:
    p = aws.personalize
    campaign_arn = taggable["campaign"]  # carries one tag already
    p.tag_resource(resourceArn=campaign_arn, tags=tag_list(49))
    assert len(listed(aws, campaign_arn)) == 50
    message = fails("TooManyTagsException", p.tag_resource, resourceArn=campaign_arn, tags=tag_list(1, prefix="one-more"))
    assert campaign_arn in message and "50" in message
    assert len(listed(aws, campaign_arn)) == 50  # nothing was added
    p.tag_resource(resourceArn=campaign_arn, tags=tag_list(3))  # replacing keys it has is fine
    assert "tagKeys" in fails("TooManyTagKeysException", p.untag_resource, resourceArn=campaign_arn, tagKeys=[f"k{i}" for i in range(51)])


@pytest.mark.parametrize("tag, member", [({"tagKey": "aws:name", "tagValue": "x"}, "tagKey"), ({"tagKey": "name", "tagValue": "AWS:x"}, "tagValue")])
def test_reserved_prefix(aws: Clients, taggable: dict[str, str], tag: dict[str, str], member: str) -> None:
    message = fails("InvalidInputException", aws.personalize.tag_resource, resourceArn=taggable["dataset"], tags=[tag])
    assert f"tags.1.member.{member}" in message
    message = fails("InvalidInputException", aws.personalize.create_dataset_group, name="reserved", tags=[tag])
    assert f"tags.1.member.{member}" in message
    assert "reserved" not in {g["name"] for g in aws.personalize.list_dataset_groups()["datasetGroups"]}


@pytest.mark.parametrize("operation, params", [
    ("tag_resource", {"tags": [{"tagKey": "k", "tagValue": "v"}]}),
    ("untag_resource", {"tagKeys": ["k"]}),
    ("list_tags_for_resource", {}),
])
def test_unknown_and_untaggable_resources(aws: Clients, taggable: dict[str, str], operation: str, params: dict[str, Any]) -> None:
    p = aws.personalize
    for resource_arn in (arn("campaign", "ghost"), p.list_schemas()["schemas"][0]["schemaArn"]):
        assert resource_arn in fails("ResourceNotFoundException", getattr(p, operation), resourceArn=resource_arn, **params)


def test_deleted_resources_lose_their_tags(aws: Clients, taggable: dict[str, str]) -> None:
    p = aws.personalize
    campaign_arn = taggable["campaign"]
    p.delete_campaign(campaignArn=campaign_arn)
    fails("ResourceNotFoundException", p.list_tags_for_resource, resourceArn=campaign_arn)
    again = deploy(aws, taggable["solution version"], name="c")
    assert again == campaign_arn and listed(aws, again) == {}
