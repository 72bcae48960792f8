"""The service's quotas (limits.md) answer LimitExceededException; adjustable ones can be raised."""
from __future__ import annotations

import pytest

from .conftest import INTERACTIONS_SCHEMA, Clients
from .datagen import to_csv
from .helpers import active_version, fails, loaded_group, small_rows
from .workflow import POPULARITY, create_group, deploy, wait


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


def test_schemas_per_region(aws: Clients, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERSONALIZE_LOCAL_QUOTA_SCHEMAS", "2")
    for i in range(2):
        aws.personalize.create_schema(name=f"schema-{i}", schema=INTERACTIONS_SCHEMA)
    assert "2 active schemas" in fails("LimitExceededException", aws.personalize.create_schema, name="one-more", schema=INTERACTIONS_SCHEMA)


def test_running_imports_and_trainings_per_region(manual: Clients, monkeypatch: pytest.MonkeyPatch) -> None:
    """Quotas on work in progress count only what is still pending or in progress (stepwise statuses here)."""
    monkeypatch.setenv("PERSONALIZE_LOCAL_QUOTA_RUNNING_IMPORT_JOBS", "1")
    monkeypatch.setenv("PERSONALIZE_LOCAL_QUOTA_TRAINING_SOLUTION_VERSIONS", "1")
    p = manual.personalize
    first, second = (create_group(manual, name) for name in ("first", "second"))
    manual.s3.create_bucket(Bucket="quota-data")
    manual.s3.put_object(Bucket="quota-data", Key="rows.csv", Body=to_csv(small_rows()))
    source = {"dataLocation": "s3://quota-data/rows.csv"}

    job = p.create_dataset_import_job(jobName="a", datasetArn=first.dataset_arn, dataSource=source)["datasetImportJobArn"]
    fails("LimitExceededException", p.create_dataset_import_job, jobName="b", datasetArn=second.dataset_arn, dataSource=source)
    assert wait(lambda: p.describe_dataset_import_job(datasetImportJobArn=job)["datasetImportJob"])["status"] == "ACTIVE"
    # Once the first is done, the next may start.
    job = p.create_dataset_import_job(jobName="b", datasetArn=second.dataset_arn, dataSource=source)["datasetImportJobArn"]
    wait(lambda: p.describe_dataset_import_job(datasetImportJobArn=job)["datasetImportJob"])

    solutions = []
    for group in (first, second):
        arn = p.create_solution(name=f"s-{len(solutions)}", datasetGroupArn=group.dataset_group_arn, recipeArn=POPULARITY)["solutionArn"]
        wait(lambda: p.describe_solution(solutionArn=arn)["solution"])
        solutions.append(arn)
    version = p.create_solution_version(solutionArn=solutions[0])["solutionVersionArn"]
    assert "1 pending or in-progress solution versions" in fails("LimitExceededException", p.create_solution_version, solutionArn=solutions[1])
    assert wait(lambda: p.describe_solution_version(solutionVersionArn=version)["solutionVersion"])["status"] == "ACTIVE"
