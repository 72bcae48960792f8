"""Asynchronous status like the service (no `sync` here), the synchronous switch, and where state lives."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from typing import Any, Callable

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

import personalize_local
from personalize_local import mock_personalize

from .conftest import INTERACTIONS_SCHEMA, ROLE_ARN, Clients
from .datagen import to_csv
from .helpers import fails, small_rows
from .workflow import POPULARITY, USER_PERSONALIZATION, wait

PENDING = {"CREATE PENDING", "CREATE IN_PROGRESS"}


def gone(describe: Callable[[], Any], patience: float = 30.0) -> str:
    """Poll until describe raises ResourceNotFoundException; the statuses seen on the way."""
    seen = []
    deadline = time.monotonic() + patience
    while True:
        try:
            resource = describe()
        except ClientError as error:
            assert error.response["Error"]["Code"] == "ResourceNotFoundException", error
            return ",".join(seen)
        seen.append(resource["status"])
        assert time.monotonic() < deadline, f"still there: {resource}"
        time.sleep(0.05)


def test_creates_are_pending_then_active_and_deletes_pending_then_gone(lazy: Clients) -> None:
    p = lazy.personalize
    schema_arn = p.create_schema(name="s", schema=INTERACTIONS_SCHEMA)["schemaArn"]

    group_arn = p.create_dataset_group(name="g")["datasetGroupArn"]
    describe_group = lambda: p.describe_dataset_group(datasetGroupArn=group_arn)["datasetGroup"]  # noqa: E731
    assert describe_group()["status"] in PENDING
    # A dependent can't use the group before it is ACTIVE.
    message = fails("ResourceInUseException", p.create_dataset, name="d", schemaArn=schema_arn, datasetGroupArn=group_arn, datasetType="Interactions")
    assert group_arn in message
    assert wait(describe_group)["status"] == "ACTIVE"

    dataset_arn = p.create_dataset(name="d", schemaArn=schema_arn, datasetGroupArn=group_arn, datasetType="Interactions")["datasetArn"]
    describe_dataset = lambda: p.describe_dataset(datasetArn=dataset_arn)["dataset"]  # noqa: E731
    assert describe_dataset()["status"] in PENDING
    assert wait(describe_dataset)["status"] == "ACTIVE"

    lazy.s3.create_bucket(Bucket="data")
    lazy.s3.put_object(Bucket="data", Key="i.csv", Body=to_csv(small_rows()))
    job_arn = p.create_dataset_import_job(
        jobName="j", datasetArn=dataset_arn, dataSource={"dataLocation": "s3://data/i.csv"}, roleArn=ROLE_ARN
    )["datasetImportJobArn"]
    describe_job = lambda: p.describe_dataset_import_job(datasetImportJobArn=job_arn)["datasetImportJob"]  # noqa: E731
    assert describe_job()["status"] in PENDING
    assert [j["status"] for j in p.list_dataset_import_jobs()["datasetImportJobs"]][0] in PENDING
    # One import at a time per dataset, and the dataset stays while it runs.
    message = fails(
        "ResourceInUseException", p.create_dataset_import_job,
        jobName="j2", datasetArn=dataset_arn, dataSource={"dataLocation": "s3://data/i.csv"}, roleArn=ROLE_ARN,
    )
    assert dataset_arn in message
    assert dataset_arn in fails("ResourceInUseException", p.delete_dataset, datasetArn=dataset_arn)
    assert wait(describe_job)["status"] == "ACTIVE"

    tracker_arn = p.create_event_tracker(name="t", datasetGroupArn=group_arn)["eventTrackerArn"]
    describe_tracker = lambda: p.describe_event_tracker(eventTrackerArn=tracker_arn)["eventTracker"]  # noqa: E731
    assert describe_tracker()["status"] in PENDING
    assert wait(describe_tracker)["status"] == "ACTIVE"

    solution_arn = p.create_solution(name="sol", datasetGroupArn=group_arn, recipeArn=USER_PERSONALIZATION)["solutionArn"]
    describe_solution = lambda: p.describe_solution(solutionArn=solution_arn)["solution"]  # noqa: E731
    assert describe_solution()["status"] in PENDING
    assert wait(describe_solution)["status"] == "ACTIVE"

    version_arn = p.create_solution_version(solutionArn=solution_arn)["solutionVersionArn"]
    describe_version = lambda: p.describe_solution_version(solutionVersionArn=version_arn)["solutionVersion"]  # noqa: E731
    assert describe_version()["status"] in PENDING
    # While it trains: no deleting the group's datasets, no second version, no metrics, no campaign, no deleting the solution.
    assert dataset_arn in fails("ResourceInUseException", p.delete_dataset, datasetArn=dataset_arn)
    assert solution_arn in fails("ResourceInUseException", p.create_solution_version, solutionArn=solution_arn)
    assert version_arn in fails("ResourceInUseException", p.get_solution_metrics, solutionVersionArn=version_arn)
    assert version_arn in fails("ResourceInUseException", p.create_campaign, name="early", solutionVersionArn=version_arn)
    assert solution_arn in fails("ResourceInUseException", p.delete_solution, solutionArn=solution_arn)
    assert wait(describe_version)["status"] == "ACTIVE"

    campaign_arn = p.create_campaign(name="c", solutionVersionArn=version_arn)["campaignArn"]
    describe_campaign = lambda: p.describe_campaign(campaignArn=campaign_arn)["campaign"]  # noqa: E731
    assert describe_campaign()["status"] in PENDING
    assert wait(describe_campaign)["status"] == "ACTIVE"
    assert len(lazy.runtime.get_recommendations(campaignArn=campaign_arn, userId="user-0")["itemList"]) == 25

    p.update_campaign(campaignArn=campaign_arn, minProvisionedTPS=2)
    update = describe_campaign()["latestCampaignUpdate"]
    assert update["status"] in PENDING  # an update's statuses are a create's (API_CampaignUpdateSummary.md)
    assert campaign_arn in fails("ResourceInUseException", p.update_campaign, campaignArn=campaign_arn, minProvisionedTPS=3)
    assert wait(lambda: describe_campaign()["latestCampaignUpdate"])["status"] == "ACTIVE"
    assert describe_campaign()["minProvisionedTPS"] == 2

    # Deletes: DELETE PENDING at once, then gone.
    for delete, describe in (
        (lambda: p.delete_campaign(campaignArn=campaign_arn), describe_campaign),
        (lambda: p.delete_solution(solutionArn=solution_arn), describe_solution),
        (lambda: p.delete_event_tracker(eventTrackerArn=tracker_arn), describe_tracker),
        (lambda: p.delete_dataset(datasetArn=dataset_arn), describe_dataset),
        (lambda: p.delete_dataset_group(datasetGroupArn=group_arn), describe_group),
    ):
        delete()
        statuses = gone(describe)
        assert statuses.startswith("DELETE PENDING"), statuses


def test_failures_arrive_later_too(lazy: Clients) -> None:
    p = lazy.personalize
    schema_arn = p.create_schema(name="s", schema=INTERACTIONS_SCHEMA)["schemaArn"]
    group_arn = p.create_dataset_group(name="g")["datasetGroupArn"]
    wait(lambda: p.describe_dataset_group(datasetGroupArn=group_arn)["datasetGroup"])
    dataset_arn = p.create_dataset(name="d", schemaArn=schema_arn, datasetGroupArn=group_arn, datasetType="Interactions")["datasetArn"]
    wait(lambda: p.describe_dataset(datasetArn=dataset_arn)["dataset"])
    job_arn = p.create_dataset_import_job(
        jobName="j", datasetArn=dataset_arn, dataSource={"dataLocation": "s3://missing-bucket/i.csv"}, roleArn=ROLE_ARN
    )["datasetImportJobArn"]
    describe_job = lambda: p.describe_dataset_import_job(datasetImportJobArn=job_arn)["datasetImportJob"]  # noqa: E731
    first = describe_job()
    assert first["status"] in PENDING and "failureReason" not in first
    last = wait(describe_job)
    assert last["status"] == "CREATE FAILED" and "missing-bucket" in last["failureReason"]

    solution_arn = p.create_solution(name="sol", datasetGroupArn=group_arn, recipeArn=POPULARITY)["solutionArn"]
    wait(lambda: p.describe_solution(solutionArn=solution_arn)["solution"])
    version_arn = p.create_solution_version(solutionArn=solution_arn)["solutionVersionArn"]
    describe_version = lambda: p.describe_solution_version(solutionVersionArn=version_arn)["solutionVersion"]  # noqa: E731
    assert describe_version()["status"] in PENDING
    last = wait(describe_version)
    assert last["status"] == "CREATE FAILED" and "1000" in last["failureReason"]


def test_set_synchronous_makes_every_create_active_at_once(lazy: Clients) -> None:
    p = lazy.personalize
    personalize_local.set_synchronous(True)
    assert personalize_local.is_synchronous()
    schema_arn = p.create_schema(name="s", schema=INTERACTIONS_SCHEMA)["schemaArn"]
    group_arn = p.create_dataset_group(name="g")["datasetGroupArn"]
    assert p.describe_dataset_group(datasetGroupArn=group_arn)["datasetGroup"]["status"] == "ACTIVE"
    dataset_arn = p.create_dataset(name="d", schemaArn=schema_arn, datasetGroupArn=group_arn, datasetType="Interactions")["datasetArn"]
    assert p.describe_dataset(datasetArn=dataset_arn)["dataset"]["status"] == "ACTIVE"
    lazy.s3.create_bucket(Bucket="data")
    lazy.s3.put_object(Bucket="data", Key="i.csv", Body=to_csv(small_rows()))
    job_arn = p.create_dataset_import_job(
        jobName="j", datasetArn=dataset_arn, dataSource={"dataLocation": "s3://data/i.csv"}, roleArn=ROLE_ARN
    )["datasetImportJobArn"]
    assert p.describe_dataset_import_job(datasetImportJobArn=job_arn)["datasetImportJob"]["status"] == "ACTIVE"
    solution_arn = p.create_solution(name="sol", datasetGroupArn=group_arn, recipeArn=POPULARITY)["solutionArn"]
    version_arn = p.create_solution_version(solutionArn=solution_arn)["solutionVersionArn"]
    assert p.describe_solution_version(solutionVersionArn=version_arn)["solutionVersion"]["status"] == "ACTIVE"
    campaign_arn = p.create_campaign(name="c", solutionVersionArn=version_arn)["campaignArn"]
    assert p.describe_campaign(campaignArn=campaign_arn)["campaign"]["status"] == "ACTIVE"
    p.delete_campaign(campaignArn=campaign_arn)
    fails("ResourceNotFoundException", p.describe_campaign, campaignArn=campaign_arn)

    personalize_local.set_synchronous(False)
    other = p.create_dataset_group(name="later")["datasetGroupArn"]
    assert p.describe_dataset_group(datasetGroupArn=other)["datasetGroup"]["status"] in PENDING
    wait(lambda: p.describe_dataset_group(datasetGroupArn=other)["datasetGroup"])


_SCRIPT = textwrap.dedent(
    """
    import boto3
    import personalize_local
    from personalize_local import mock_personalize
    from personalize_local.backend import lifecycle

    lifecycle.PENDING_SECONDS = 1.0
    with mock_personalize():
        p = boto3.client("personalize", region_name="us-east-1")
        arn = p.create_dataset_group(name="g")["datasetGroupArn"]
        print(personalize_local.is_synchronous(), p.describe_dataset_group(datasetGroupArn=arn)["datasetGroup"]["status"])
    """
)


@pytest.mark.parametrize("value, synchronous", [("1", True), ("true", True), ("", False)])
def test_environment_switch(value: str, synchronous: bool) -> None:
    env = {**os.environ, "PERSONALIZE_LOCAL_SYNC": value, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    done = subprocess.run([sys.executable, "-c", _SCRIPT], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    flag, status = done.stdout.split(maxsplit=1)
    assert flag == str(synchronous)
    assert (status.strip() == "ACTIVE") is synchronous
    if not synchronous:
        assert status.strip() in PENDING


# Where state lives -------------------------------------------------------------------------------


def test_state_is_per_region(aws: Clients) -> None:
    europe = boto3.Session(region_name="eu-west-1").client("personalize")
    arn_eu = europe.create_schema(name="shared-name", schema=INTERACTIONS_SCHEMA)["schemaArn"]
    assert arn_eu.startswith("arn:aws:personalize:eu-west-1:")
    assert aws.personalize.list_schemas()["schemas"] == []
    fails("ResourceNotFoundException", aws.personalize.describe_schema, schemaArn=arn_eu)
    # The same name is free in the other region.
    arn_us = aws.personalize.create_schema(name="shared-name", schema=INTERACTIONS_SCHEMA)["schemaArn"]
    assert arn_us.startswith("arn:aws:personalize:us-east-1:")
    assert [s["schemaArn"] for s in europe.list_schemas()["schemas"]] == [arn_eu]
    assert [s["schemaArn"] for s in aws.personalize.list_schemas()["schemas"]] == [arn_us]


def test_state_is_gone_when_the_mock_exits() -> None:
    with mock_personalize():
        p = boto3.client("personalize", region_name="us-east-1")
        p.create_schema(name="s", schema=INTERACTIONS_SCHEMA)
        assert len(p.list_schemas()["schemas"]) == 1
    with mock_personalize():
        assert boto3.client("personalize", region_name="us-east-1").list_schemas()["schemas"] == []


def test_moto_mock_aws_serves_personalize() -> None:
    with mock_aws():
        p = boto3.client("personalize", region_name="us-east-1")
        schema_arn = p.create_schema(name="s", schema=INTERACTIONS_SCHEMA)["schemaArn"]
        assert p.describe_schema(schemaArn=schema_arn)["schema"]["name"] == "s"
        with pytest.raises(p.exceptions.ResourceNotFoundException):
            p.describe_schema(schemaArn=schema_arn + "-nope")


@mock_personalize
def test_mock_personalize_as_a_decorator() -> None:
    p = boto3.client("personalize", region_name="us-east-1")
    assert p.list_schemas()["schemas"] == []
    p.create_schema(name="s", schema=INTERACTIONS_SCHEMA)
    assert [s["name"] for s in p.list_schemas()["schemas"]] == ["s"]


def test_state_is_per_account(aws: Clients, monkeypatch: pytest.MonkeyPatch) -> None:
    """Accounts resolve as in moto (MOTO_ACCOUNT_ID here), and each sees only its own resources and S3."""
    monkeypatch.setenv("MOTO_ACCOUNT_ID", "111111111111")
    first = aws.personalize.create_schema(name="same-name", schema=INTERACTIONS_SCHEMA)["schemaArn"]
    assert ":111111111111:schema/same-name" in first
    aws.s3.create_bucket(Bucket="account-one-data")

    monkeypatch.setenv("MOTO_ACCOUNT_ID", "222222222222")
    assert aws.personalize.list_schemas()["schemas"] == []
    second = aws.personalize.create_schema(name="same-name", schema=INTERACTIONS_SCHEMA)["schemaArn"]
    assert ":222222222222:schema/same-name" in second
    # An import reads the caller's own account's S3: the other account's bucket is not there.
    group = aws.personalize.create_dataset_group(name="g")["datasetGroupArn"]
    dataset = aws.personalize.create_dataset(name="d", schemaArn=second, datasetGroupArn=group, datasetType="Interactions")["datasetArn"]
    job = aws.personalize.create_dataset_import_job(
        jobName="j", datasetArn=dataset, dataSource={"dataLocation": "s3://account-one-data/x.csv"}, roleArn=ROLE_ARN
    )["datasetImportJobArn"]
    failed = aws.personalize.describe_dataset_import_job(datasetImportJobArn=job)["datasetImportJob"]
    assert failed["status"] == "CREATE FAILED"
    assert "account-one-data" in failed["failureReason"]

    monkeypatch.setenv("MOTO_ACCOUNT_ID", "111111111111")
    assert [s["schemaArn"] for s in aws.personalize.list_schemas()["schemas"]] == [first]
