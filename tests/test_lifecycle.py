"""Statuses move by moto's state manager: at once by default, step by step when a test asks, and where state lives."""
from __future__ import annotations

import threading
import time
from typing import Any, Callable

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.moto_api import state_manager

from personalize_local import mock_personalize
from personalize_local.backend import core, lifecycle
from personalize_local.backend.lifecycle import JobFailed

from . import service_sample
from .conftest import INTERACTIONS_SCHEMA, MANUAL, ROLE_ARN, Clients, moto_api, transitions
from .datagen import interactions, to_csv
from .helpers import CREATED, DELETED, GONE, fails, loaded_group, small_rows, statuses
from .workflow import POPULARITY, USER_PERSONALIZATION

MODELS = {
    "personalize::dataset_group",
    "personalize::dataset",
    "personalize::dataset_import_job",
    "personalize::solution",
    "personalize::solution_version",
    "personalize::campaign",
    "personalize::event_tracker",
    "personalize::filter",
    "personalize::recommender",
}
# moto's manual progression with times 2: the status moves on every second describe.
FAILED = ["CREATE PENDING", "CREATE IN_PROGRESS", "CREATE IN_PROGRESS", "CREATE FAILED", "CREATE FAILED"]
GROUP_DELETED = ["DELETE PENDING", GONE, GONE]  # API_DatasetGroup.md: a group has no DELETE IN_PROGRESS


def sample_data() -> bytes:
    """The sample's columns (USER_ID, ITEM_ID, TIMESTAMP), with a user 123 as the sample asks for."""
    rows = interactions(users=150)
    return to_csv([{**row, "USER_ID": str(row["USER_ID"]).removeprefix("user-")} for row in rows], ["USER_ID", "ITEM_ID", "TIMESTAMP"])


def run_sample(c: Clients) -> tuple[list[str], list[float]]:
    c.s3.create_bucket(Bucket="sample-bucket")
    c.s3.put_object(Bucket="sample-bucket", Key="ratings.csv", Body=sample_data())
    sleeps: list[float] = []
    items = service_sample.run(c.personalize, c.runtime, "s3://sample-bucket/ratings.csv", ROLE_ARN, sleep=sleeps.append)
    return items, sleeps


# The default: code written for the service runs unchanged and never waits -----------------------


def test_the_services_sample_runs_unchanged_and_never_waits(aws: Clients) -> None:
    items, sleeps = run_sample(aws)
    assert len(items) == 10
    assert sleeps == []  # every first describe already showed ACTIVE


def test_the_services_sample_over_http(remote: Clients) -> None:
    items, sleeps = run_sample(remote)
    assert len(items) == 10
    assert sleeps == []


def test_first_describe_shows_the_final_status_and_failures_with_their_reason(aws: Clients) -> None:
    p = aws.personalize
    group_arn = p.create_dataset_group(name="g")["datasetGroupArn"]
    schema_arn = p.create_schema(name="s", schema=INTERACTIONS_SCHEMA)["schemaArn"]
    dataset_arn = p.create_dataset(name="d", schemaArn=schema_arn, datasetGroupArn=group_arn, datasetType="Interactions")["datasetArn"]
    job_arn = p.create_dataset_import_job(
        jobName="j", datasetArn=dataset_arn, dataSource={"dataLocation": "s3://missing-bucket/i.csv"}, roleArn=ROLE_ARN
    )["datasetImportJobArn"]
    job = p.describe_dataset_import_job(datasetImportJobArn=job_arn)["datasetImportJob"]
    assert job["status"] == "CREATE FAILED" and "missing-bucket" in job["failureReason"]
    # Listed the same way.
    assert p.list_dataset_import_jobs(datasetArn=dataset_arn)["datasetImportJobs"][0]["status"] == "CREATE FAILED"

    solution_arn = p.create_solution(name="sol", datasetGroupArn=group_arn, recipeArn=POPULARITY)["solutionArn"]
    version_arn = p.create_solution_version(solutionArn=solution_arn)["solutionVersionArn"]
    version = p.describe_solution_version(solutionVersionArn=version_arn)["solutionVersion"]
    assert version["status"] == "CREATE FAILED" and "1000" in version["failureReason"]


def test_a_delete_is_done_once_observed(aws: Clients) -> None:
    """The first describe after a delete answers ResourceNotFoundException; until then it is being deleted."""
    p = aws.personalize
    group_arn = p.create_dataset_group(name="g")["datasetGroupArn"]
    tracker_arn = p.create_event_tracker(name="t", datasetGroupArn=group_arn)["eventTrackerArn"]
    p.delete_event_tracker(eventTrackerArn=tracker_arn)
    # API_DeleteDatasetGroup.md: its event trackers go first; this one is still being deleted.
    assert tracker_arn in fails("ResourceInUseException", p.delete_dataset_group, datasetGroupArn=group_arn)
    fails("ResourceNotFoundException", p.describe_event_tracker, eventTrackerArn=tracker_arn)
    p.delete_dataset_group(datasetGroupArn=group_arn)
    fails("ResourceNotFoundException", p.describe_dataset_group, datasetGroupArn=group_arn)
    assert p.list_dataset_groups()["datasetGroups"] == []


def test_a_list_observes_a_delete_too(aws: Clients) -> None:
    p = aws.personalize
    group_arn = p.create_dataset_group(name="g")["datasetGroupArn"]
    tracker_arn = p.create_event_tracker(name="t", datasetGroupArn=group_arn)["eventTrackerArn"]
    p.delete_event_tracker(eventTrackerArn=tracker_arn)
    assert p.list_event_trackers(datasetGroupArn=group_arn)["eventTrackers"] == []
    p.delete_dataset_group(datasetGroupArn=group_arn)
    assert p.list_dataset_groups()["datasetGroups"] == []
    fails("ResourceNotFoundException", p.describe_dataset_group, datasetGroupArn=group_arn)


def test_the_personalize_models_are_registered_with_the_state_manager() -> None:
    registered = set(state_manager.get_registered_models())
    assert MODELS <= registered
    assert all(state_manager.get_transition(model) == {"progression": "immediate"} for model in MODELS)


# Only Describe and List calls observe: any other call sees what the last observation left -------


def test_stop_right_after_create_stops_the_training(aws: Clients) -> None:
    """Training takes minutes on the service: a stop right after the create finds the version still being created.
    API_StopSolutionVersionCreation.md: CREATE PENDING > CREATE STOPPED."""
    p = aws.personalize
    group = loaded_group(aws)
    solution_arn = p.create_solution(name="sol", datasetGroupArn=group.dataset_group_arn, recipeArn=POPULARITY)["solutionArn"]
    describe = lambda arn: p.describe_solution_version(solutionVersionArn=arn)["solutionVersion"]  # noqa: E731

    stopped = p.create_solution_version(solutionArn=solution_arn, name="stopped")["solutionVersionArn"]
    p.stop_solution_version_creation(solutionVersionArn=stopped)
    assert describe(stopped)["status"] == "CREATE STOPPED"
    assert stopped in fails("ResourceInUseException", p.get_solution_metrics, solutionVersionArn=stopped)
    assert stopped in fails("ResourceInUseException", p.create_campaign, name="c", solutionVersionArn=stopped)

    # Nothing has described the next one yet: it is still being created for every other call.
    trained = p.create_solution_version(solutionArn=solution_arn, name="trained")["solutionVersionArn"]
    assert "CREATE PENDING" in fails("ResourceInUseException", p.get_solution_metrics, solutionVersionArn=trained)
    assert trained in fails("ResourceInUseException", p.create_campaign, name="c", solutionVersionArn=trained)
    # Its first describe shows where it ended, and from then on every call sees it so.
    assert describe(trained)["status"] == "ACTIVE"
    assert p.get_solution_metrics(solutionVersionArn=trained)["metrics"]
    assert trained in fails("ResourceInUseException", p.stop_solution_version_creation, solutionVersionArn=trained)
    assert [v["status"] for v in p.list_solution_versions(solutionArn=solution_arn)["solutionVersions"]] == ["ACTIVE", "CREATE STOPPED"]


def test_manual_an_action_never_moves_a_status(manual: Clients) -> None:
    """Only describes count for moto's manual progression; an action between them sees the status they left."""
    p = manual.personalize
    with transitions({"progression": "immediate"}):
        group = loaded_group(manual)
        solution_arn = p.create_solution(name="sol", datasetGroupArn=group.dataset_group_arn, recipeArn=POPULARITY)["solutionArn"]
    version_arn = p.create_solution_version(solutionArn=solution_arn)["solutionVersionArn"]
    describe = lambda: p.describe_solution_version(solutionVersionArn=version_arn)["solutionVersion"]  # noqa: E731
    seen = []
    for _ in range(4):
        seen.append(fails("ResourceInUseException", p.get_solution_metrics, solutionVersionArn=version_arn))
        seen.append(describe()["status"])
    assert ["CREATE PENDING" in message for message in seen[::2]] == [True, True, False, False]
    assert seen[1::2] == CREATED[:4]


def cleaned_up(delete: Callable[[], Any], describe: Callable[[], dict[str, Any]], sleep: Callable[[float], None]) -> list[str]:
    """The service's samples' cleanup, in its shape: delete, then describe until ResourceNotFoundException,
    sleeping between describes that still answer (bounded, as the samples bound it by time); what they showed."""
    delete()
    seen = []
    for _ in range(90):  # the samples give up after 30 minutes of 20-second sleeps
        try:
            seen.append(describe()["status"])
        except ClientError as error:
            if error.response["Error"]["Code"] != "ResourceNotFoundException":
                raise
            return seen
        sleep(20)
    raise AssertionError(f"still there after {len(seen)} describes: {seen}")


def cleanup(c: Clients, group_arn: str, tracker_arn: str, dataset_arn: str, sleep: Callable[[float], None]) -> dict[str, list[str]]:
    """A group's cleanup in the samples' order: event trackers, datasets, then the group; each kind's describes."""
    p = c.personalize
    return {
        "tracker": cleaned_up(
            lambda: p.delete_event_tracker(eventTrackerArn=tracker_arn),
            lambda: p.describe_event_tracker(eventTrackerArn=tracker_arn)["eventTracker"], sleep,
        ),
        "dataset": cleaned_up(lambda: p.delete_dataset(datasetArn=dataset_arn), lambda: p.describe_dataset(datasetArn=dataset_arn)["dataset"], sleep),
        "group": cleaned_up(
            lambda: p.delete_dataset_group(datasetGroupArn=group_arn),
            lambda: p.describe_dataset_group(datasetGroupArn=group_arn)["datasetGroup"], sleep,
        ),
    }


def group_to_clean(c: Clients) -> tuple[str, str, str]:
    """A group with an Interactions dataset and an event tracker, all ACTIVE: their ARNs."""
    p = c.personalize
    schema_arn = p.create_schema(name="s", schema=INTERACTIONS_SCHEMA)["schemaArn"]
    group_arn = p.create_dataset_group(name="g")["datasetGroupArn"]
    assert statuses(lambda: p.describe_dataset_group(datasetGroupArn=group_arn)["datasetGroup"], 4)[-1] == "ACTIVE"
    dataset_arn = p.create_dataset(name="d", schemaArn=schema_arn, datasetGroupArn=group_arn, datasetType="Interactions")["datasetArn"]
    tracker_arn = p.create_event_tracker(name="t", datasetGroupArn=group_arn)["eventTrackerArn"]
    assert statuses(lambda: p.describe_dataset(datasetArn=dataset_arn)["dataset"], 4)[-1] == "ACTIVE"
    assert statuses(lambda: p.describe_event_tracker(eventTrackerArn=tracker_arn)["eventTracker"], 4)[-1] == "ACTIVE"
    return group_arn, tracker_arn, dataset_arn


def test_the_samples_cleanup_ends_at_its_first_describe(aws: Clients) -> None:
    sleeps: list[float] = []
    assert cleanup(aws, *group_to_clean(aws), sleep=sleeps.append) == {"tracker": [], "dataset": [], "group": []}
    assert sleeps == []
    assert aws.personalize.list_dataset_groups()["datasetGroups"] == []


def test_manual_the_samples_cleanup_waits_through_the_delete_statuses(manual: Clients) -> None:
    """With moto's manual progression the describes see each delete status the guide lists (API_Dataset.md,
    API_DatasetGroup.md: a group has no DELETE IN_PROGRESS), then the loop ends on ResourceNotFoundException."""
    sleeps: list[float] = []
    seen = cleanup(manual, *group_to_clean(manual), sleep=sleeps.append)
    assert seen == {"tracker": DELETED[:3], "dataset": DELETED[:3], "group": GROUP_DELETED[:1]}
    assert sleeps == [20] * 7
    assert manual.personalize.list_dataset_groups()["datasetGroups"] == []


def test_manual_a_delete_holds_up_its_parent_until_it_is_done(manual: Clients) -> None:
    p = manual.personalize
    group_arn, tracker_arn, dataset_arn = group_to_clean(manual)
    p.delete_event_tracker(eventTrackerArn=tracker_arn)
    p.delete_dataset(datasetArn=dataset_arn)
    describe_dataset = lambda: p.describe_dataset(datasetArn=dataset_arn)["dataset"]  # noqa: E731
    for status in DELETED[:3]:
        assert describe_dataset()["status"] == status
        assert dataset_arn in fails("ResourceInUseException", p.delete_dataset_group, datasetGroupArn=group_arn)
    assert statuses(describe_dataset, 1) == [GONE]
    # The tracker was never described: it is still being deleted, and holds the group up.
    assert tracker_arn in fails("ResourceInUseException", p.delete_dataset_group, datasetGroupArn=group_arn)
    assert statuses(lambda: p.describe_event_tracker(eventTrackerArn=tracker_arn)["eventTracker"], 4)[-1] == GONE
    p.delete_dataset_group(datasetGroupArn=group_arn)
    assert statuses(lambda: p.describe_dataset_group(datasetGroupArn=group_arn)["datasetGroup"], 2) == GROUP_DELETED[:2]


# manual: each model walks the service's own statuses ------------------------------------------


def test_manual_walks_every_models_statuses(stepwise: Clients) -> None:
    p = stepwise.personalize
    schema_arn = p.create_schema(name="s", schema=INTERACTIONS_SCHEMA)["schemaArn"]

    group_arn = p.create_dataset_group(name="g")["datasetGroupArn"]
    describe_group = lambda: p.describe_dataset_group(datasetGroupArn=group_arn)["datasetGroup"]  # noqa: E731
    assert statuses(describe_group, 5) == CREATED

    dataset_arn = p.create_dataset(name="d", schemaArn=schema_arn, datasetGroupArn=group_arn, datasetType="Interactions")["datasetArn"]
    describe_dataset = lambda: p.describe_dataset(datasetArn=dataset_arn)["dataset"]  # noqa: E731
    assert statuses(describe_dataset, 5) == CREATED

    stepwise.s3.create_bucket(Bucket="data")
    stepwise.s3.put_object(Bucket="data", Key="i.csv", Body=to_csv(small_rows()))
    job_arn = p.create_dataset_import_job(
        jobName="j", datasetArn=dataset_arn, dataSource={"dataLocation": "s3://data/i.csv"}, roleArn=ROLE_ARN
    )["datasetImportJobArn"]
    assert statuses(lambda: p.describe_dataset_import_job(datasetImportJobArn=job_arn)["datasetImportJob"], 5) == CREATED
    bad_arn = p.create_dataset_import_job(
        jobName="bad", datasetArn=dataset_arn, dataSource={"dataLocation": "s3://data/none.csv"}, roleArn=ROLE_ARN
    )["datasetImportJobArn"]
    assert statuses(lambda: p.describe_dataset_import_job(datasetImportJobArn=bad_arn)["datasetImportJob"], 5) == FAILED

    tracker_arn = p.create_event_tracker(name="t", datasetGroupArn=group_arn)["eventTrackerArn"]
    describe_tracker = lambda: p.describe_event_tracker(eventTrackerArn=tracker_arn)["eventTracker"]  # noqa: E731
    assert statuses(describe_tracker, 5) == CREATED

    filter_arn = p.create_filter(
        name="f", datasetGroupArn=group_arn, filterExpression='EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("watch")'
    )["filterArn"]
    describe_filter = lambda: p.describe_filter(filterArn=filter_arn)["filter"]  # noqa: E731
    assert statuses(describe_filter, 5) == CREATED

    solution_arn = p.create_solution(name="sol", datasetGroupArn=group_arn, recipeArn=USER_PERSONALIZATION)["solutionArn"]
    describe_solution = lambda: p.describe_solution(solutionArn=solution_arn)["solution"]  # noqa: E731
    assert statuses(describe_solution, 5) == CREATED

    version_arn = p.create_solution_version(solutionArn=solution_arn)["solutionVersionArn"]
    describe_version = lambda: p.describe_solution_version(solutionVersionArn=version_arn)["solutionVersion"]  # noqa: E731
    assert statuses(describe_version, 5) == CREATED

    campaign_arn = p.create_campaign(name="c", solutionVersionArn=version_arn)["campaignArn"]
    describe_campaign = lambda: p.describe_campaign(campaignArn=campaign_arn)["campaign"]  # noqa: E731
    assert statuses(describe_campaign, 5) == CREATED

    # A campaign update: latestCampaignUpdate walks the create statuses (API_CampaignUpdateSummary.md);
    # the campaign stays ACTIVE and serves its old deployment until the update is ACTIVE (API_UpdateCampaign.md).
    p.update_campaign(campaignArn=campaign_arn, minProvisionedTPS=2)
    seen = [(c["status"], c["latestCampaignUpdate"]["status"], c["minProvisionedTPS"]) for c in (describe_campaign() for _ in range(4))]
    assert seen == [
        ("ACTIVE", "CREATE PENDING", 1),
        ("ACTIVE", "CREATE IN_PROGRESS", 1),
        ("ACTIVE", "CREATE IN_PROGRESS", 1),
        ("ACTIVE", "ACTIVE", 2),
    ]

    p.delete_campaign(campaignArn=campaign_arn)
    assert statuses(describe_campaign, 5) == DELETED
    p.delete_solution(solutionArn=solution_arn)
    assert statuses(describe_solution, 5) == DELETED
    p.delete_event_tracker(eventTrackerArn=tracker_arn)
    assert statuses(describe_tracker, 5) == DELETED
    p.delete_filter(filterArn=filter_arn)
    assert statuses(describe_filter, 5) == DELETED
    p.delete_dataset(datasetArn=dataset_arn)
    assert statuses(describe_dataset, 5) == DELETED
    p.delete_dataset_group(datasetGroupArn=group_arn)
    assert statuses(describe_group, 3) == GROUP_DELETED


def test_manual_stopping_a_version(stepwise: Clients) -> None:
    """API_StopSolutionVersionCreation.md: CREATE PENDING > CREATE STOPPED; CREATE IN_PROGRESS > CREATE STOPPING > CREATE STOPPED."""
    p = stepwise.personalize
    with transitions({"progression": "immediate"}):
        group = loaded_group(stepwise)
        solution_arn = p.create_solution(name="sol", datasetGroupArn=group.dataset_group_arn, recipeArn=POPULARITY)["solutionArn"]
    describe = lambda arn: lambda: p.describe_solution_version(solutionVersionArn=arn)["solutionVersion"]  # noqa: E731

    pending = p.create_solution_version(solutionArn=solution_arn, name="pending")["solutionVersionArn"]
    p.stop_solution_version_creation(solutionVersionArn=pending)
    assert statuses(describe(pending), 3) == ["CREATE STOPPED"] * 3
    assert pending in fails("ResourceInUseException", p.stop_solution_version_creation, solutionVersionArn=pending)
    assert pending in fails("ResourceInUseException", p.get_solution_metrics, solutionVersionArn=pending)

    training = p.create_solution_version(solutionArn=solution_arn, name="training")["solutionVersionArn"]
    assert statuses(describe(training), 2) == ["CREATE PENDING", "CREATE IN_PROGRESS"]
    p.stop_solution_version_creation(solutionVersionArn=training)
    assert statuses(describe(training), 4) == ["CREATE STOPPING", "CREATE STOPPED", "CREATE STOPPED", "CREATE STOPPED"]
    assert [v["status"] for v in p.list_solution_versions(solutionArn=solution_arn)["solutionVersions"]] == ["CREATE STOPPED"] * 2

    # A stopped version holds nothing up: the next one trains.
    done = p.create_solution_version(solutionArn=solution_arn, name="done")["solutionVersionArn"]
    assert statuses(describe(done), 4)[-1] == "ACTIVE"
    assert done in fails("ResourceInUseException", p.stop_solution_version_creation, solutionVersionArn=done)


def test_manual_refuses_dependents_until_their_parent_is_active(stepwise: Clients) -> None:
    p = stepwise.personalize
    schema_arn = p.create_schema(name="s", schema=INTERACTIONS_SCHEMA)["schemaArn"]

    def settle(describe: Callable[[], dict[str, Any]]) -> None:
        assert statuses(describe, 4)[-1] == "ACTIVE"

    group_arn = p.create_dataset_group(name="g")["datasetGroupArn"]
    for _ in range(3):  # refused at every status short of ACTIVE
        message = fails("ResourceInUseException", p.create_dataset, name="d", schemaArn=schema_arn, datasetGroupArn=group_arn, datasetType="Interactions")
        assert group_arn in message
        assert group_arn in fails("ResourceInUseException", p.create_event_tracker, name="t", datasetGroupArn=group_arn)
        assert group_arn in fails("ResourceInUseException", p.create_solution, name="sol", datasetGroupArn=group_arn, recipeArn=POPULARITY)
        p.describe_dataset_group(datasetGroupArn=group_arn)
    settle(lambda: p.describe_dataset_group(datasetGroupArn=group_arn)["datasetGroup"])

    dataset_arn = p.create_dataset(name="d", schemaArn=schema_arn, datasetGroupArn=group_arn, datasetType="Interactions")["datasetArn"]
    source = {"dataLocation": "s3://data/i.csv"}
    assert dataset_arn in fails("ResourceInUseException", p.create_dataset_import_job, jobName="j", datasetArn=dataset_arn, dataSource=source, roleArn=ROLE_ARN)
    settle(lambda: p.describe_dataset(datasetArn=dataset_arn)["dataset"])

    stepwise.s3.create_bucket(Bucket="data")
    stepwise.s3.put_object(Bucket="data", Key="i.csv", Body=to_csv(small_rows()))
    job_arn = p.create_dataset_import_job(jobName="j", datasetArn=dataset_arn, dataSource=source, roleArn=ROLE_ARN)["datasetImportJobArn"]
    # One import at a time per dataset, and the dataset stays while it runs.
    assert dataset_arn in fails("ResourceInUseException", p.create_dataset_import_job, jobName="j2", datasetArn=dataset_arn, dataSource=source, roleArn=ROLE_ARN)
    assert dataset_arn in fails("ResourceInUseException", p.delete_dataset, datasetArn=dataset_arn)
    settle(lambda: p.describe_dataset_import_job(datasetImportJobArn=job_arn)["datasetImportJob"])

    solution_arn = p.create_solution(name="sol", datasetGroupArn=group_arn, recipeArn=POPULARITY)["solutionArn"]
    assert solution_arn in fails("ResourceInUseException", p.create_solution_version, solutionArn=solution_arn)
    settle(lambda: p.describe_solution(solutionArn=solution_arn)["solution"])

    version_arn = p.create_solution_version(solutionArn=solution_arn)["solutionVersionArn"]
    # While it trains: no second version, no metrics, no campaign, no deleting the solution or the group's datasets.
    assert solution_arn in fails("ResourceInUseException", p.create_solution_version, solutionArn=solution_arn)
    assert version_arn in fails("ResourceInUseException", p.get_solution_metrics, solutionVersionArn=version_arn)
    assert version_arn in fails("ResourceInUseException", p.create_campaign, name="early", solutionVersionArn=version_arn)
    assert solution_arn in fails("ResourceInUseException", p.delete_solution, solutionArn=solution_arn)
    assert dataset_arn in fails("ResourceInUseException", p.delete_dataset, datasetArn=dataset_arn)
    settle(lambda: p.describe_solution_version(solutionVersionArn=version_arn)["solutionVersion"])
    assert p.get_solution_metrics(solutionVersionArn=version_arn)["metrics"]

    campaign_arn = p.create_campaign(name="c", solutionVersionArn=version_arn)["campaignArn"]
    message = fails("InvalidInputException", stepwise.runtime.get_recommendations, campaignArn=campaign_arn, userId="user-0")
    assert campaign_arn in message and "CREATE PENDING" in message
    settle(lambda: p.describe_campaign(campaignArn=campaign_arn)["campaign"])
    assert len(stepwise.runtime.get_recommendations(campaignArn=campaign_arn, userId="user-0")["itemList"]) == 25


def test_manual_holds_work_results_until_active(manual: Clients) -> None:
    """What an import brings reaches training only once the job reads ACTIVE: the change and the status land together."""
    p = manual.personalize
    schema_arn = p.create_schema(name="s", schema=INTERACTIONS_SCHEMA)["schemaArn"]
    group_arn = p.create_dataset_group(name="g")["datasetGroupArn"]
    statuses(lambda: p.describe_dataset_group(datasetGroupArn=group_arn)["datasetGroup"], 4)
    dataset_arn = p.create_dataset(name="d", schemaArn=schema_arn, datasetGroupArn=group_arn, datasetType="Interactions")["datasetArn"]
    statuses(lambda: p.describe_dataset(datasetArn=dataset_arn)["dataset"], 4)
    solution_arn = p.create_solution(name="sol", datasetGroupArn=group_arn, recipeArn=POPULARITY)["solutionArn"]
    statuses(lambda: p.describe_solution(solutionArn=solution_arn)["solution"], 4)
    manual.s3.create_bucket(Bucket="data")
    manual.s3.put_object(Bucket="data", Key="i.csv", Body=to_csv(small_rows()))
    job_arn = p.create_dataset_import_job(jobName="j", datasetArn=dataset_arn, dataSource={"dataLocation": "s3://data/i.csv"}, roleArn=ROLE_ARN)["datasetImportJobArn"]
    describe_job = lambda: p.describe_dataset_import_job(datasetImportJobArn=job_arn)["datasetImportJob"]  # noqa: E731

    assert statuses(describe_job, 3) == ["CREATE PENDING", "CREATE IN_PROGRESS", "CREATE IN_PROGRESS"]
    # Training now sees none of the import's rows yet.
    early = p.create_solution_version(solutionArn=solution_arn, name="early")["solutionVersionArn"]
    early_states = statuses(lambda: p.describe_solution_version(solutionVersionArn=early)["solutionVersion"], 4)
    assert early_states[-1] == "CREATE FAILED"

    assert statuses(describe_job, 1) == ["ACTIVE"]
    later = p.create_solution_version(solutionArn=solution_arn, name="later")["solutionVersionArn"]
    assert statuses(lambda: p.describe_solution_version(solutionVersionArn=later)["solutionVersion"], 4)[-1] == "ACTIVE"


# time: a status holds for its seconds -----------------------------------------------------------


def test_time_holds_each_status_for_its_seconds(aws: Clients) -> None:
    p = aws.personalize
    with transitions({"progression": "time", "seconds": 3600}):
        group_arn = p.create_dataset_group(name="g")["datasetGroupArn"]
        describe = lambda: p.describe_dataset_group(datasetGroupArn=group_arn)["datasetGroup"]  # noqa: E731
        assert statuses(describe, 3) == ["CREATE PENDING"] * 3
        assert group_arn in fails("ResourceInUseException", p.create_event_tracker, name="t", datasetGroupArn=group_arn)

    # Past its seconds, a status has moved on: sleeping longer (a slower machine) only moves it further.
    seconds = 0.5
    with transitions({"progression": "time", "seconds": seconds}):
        other_arn = p.create_dataset_group(name="other")["datasetGroupArn"]
        time.sleep(seconds * 1.5)
        assert p.describe_dataset_group(datasetGroupArn=other_arn)["datasetGroup"]["status"] != "CREATE PENDING"
        time.sleep(seconds * 1.5)
        assert p.describe_dataset_group(datasetGroupArn=other_arn)["datasetGroup"]["status"] == "ACTIVE"


# Over HTTP: moto's /moto-api/state-manager endpoints ----------------------------------------------


def test_manual_over_http(endpoint: str, remote: Clients) -> None:
    p = remote.personalize
    try:
        moto_api(endpoint, "state-manager/set-transition", {"model_name": "personalize::dataset_group", "transition": MANUAL})
        group_arn = p.create_dataset_group(name="g")["datasetGroupArn"]
        describe_group = lambda: p.describe_dataset_group(datasetGroupArn=group_arn)["datasetGroup"]  # noqa: E731
        assert group_arn in fails("ResourceInUseException", p.create_event_tracker, name="t", datasetGroupArn=group_arn)
        assert statuses(describe_group, 5) == CREATED
        p.delete_dataset_group(datasetGroupArn=group_arn)
        assert statuses(describe_group, 3) == GROUP_DELETED
    finally:
        moto_api(endpoint, "state-manager/unset-transition", {"model_name": "personalize::dataset_group"})
    other_arn = p.create_dataset_group(name="other")["datasetGroupArn"]
    assert p.describe_dataset_group(datasetGroupArn=other_arn)["datasetGroup"]["status"] == "ACTIVE"


# Work and the mock's end --------------------------------------------------------------------------


def workers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "personalize-work"]


def test_no_worker_outlives_its_mock(monkeypatch: pytest.MonkeyPatch) -> None:
    started = threading.Event()
    original = core.BackendCore.start

    def slow_start(self: core.BackendCore, kind: str, resource: Any, work: Any = None, apply: Any = None) -> None:
        def slow_work() -> Any:
            started.set()
            time.sleep(1.0)  # work still running when the mock ends
            return work()

        original(self, kind, resource, slow_work if work else None, apply)

    monkeypatch.setattr(core.BackendCore, "start", slow_start)
    with mock_personalize():
        p = boto3.client("personalize", region_name="us-east-1")
        s3 = boto3.client("s3", region_name="us-east-1")
        schema_arn = p.create_schema(name="s", schema=INTERACTIONS_SCHEMA)["schemaArn"]
        group_arn = p.create_dataset_group(name="g")["datasetGroupArn"]
        dataset_arn = p.create_dataset(name="d", schemaArn=schema_arn, datasetGroupArn=group_arn, datasetType="Interactions")["datasetArn"]
        s3.create_bucket(Bucket="data")
        s3.put_object(Bucket="data", Key="i.csv", Body=to_csv(small_rows()))
        p.create_dataset_import_job(jobName="j", datasetArn=dataset_arn, dataSource={"dataLocation": "s3://data/i.csv"}, roleArn=ROLE_ARN)
        assert started.wait(30)
    assert workers() == []


def test_work_longer_than_a_calls_budget_shows_in_progress_until_done(aws: Clients, monkeypatch: pytest.MonkeyPatch) -> None:
    """No call waits past its budget (20 s by default, well under the SDKs' 60 s read timeout; shortened here): longer work reads IN_PROGRESS."""
    monkeypatch.setenv(lifecycle.WAIT_ENV, "0.2")
    release = threading.Event()
    original = core.BackendCore.start

    def held_start(self: core.BackendCore, kind: str, resource: Any, work: Any = None, apply: Any = None) -> None:
        def held_work() -> Any:
            assert release.wait(60)
            return work()

        original(self, kind, resource, held_work if work else None, apply)

    monkeypatch.setattr(core.BackendCore, "start", held_start)
    p = aws.personalize
    schema_arn = p.create_schema(name="s", schema=INTERACTIONS_SCHEMA)["schemaArn"]
    group_arn = p.create_dataset_group(name="g")["datasetGroupArn"]
    dataset_arn = p.create_dataset(name="d", schemaArn=schema_arn, datasetGroupArn=group_arn, datasetType="Interactions")["datasetArn"]
    aws.s3.create_bucket(Bucket="data")
    aws.s3.put_object(Bucket="data", Key="i.csv", Body=to_csv(small_rows()))
    job_arn = p.create_dataset_import_job(jobName="j", datasetArn=dataset_arn, dataSource={"dataLocation": "s3://data/i.csv"}, roleArn=ROLE_ARN)["datasetImportJobArn"]
    describe = lambda: p.describe_dataset_import_job(datasetImportJobArn=job_arn)["datasetImportJob"]  # noqa: E731
    assert statuses(describe, 2) == ["CREATE IN_PROGRESS"] * 2  # the work cannot have finished: it is held
    release.set()
    assert describe()["status"] == "ACTIVE"


def test_update_campaign_brings_a_failed_campaign_into_service(aws: Clients, monkeypatch: pytest.MonkeyPatch) -> None:
    """API_UpdateCampaign.md: an update takes a campaign that is ACTIVE or CREATE FAILED."""
    from .helpers import active_version

    group = loaded_group(aws)
    version_arn = active_version(aws, group.dataset_group_arn)
    original = core.BackendCore.start
    failed_once: list[bool] = []

    def failing_deploy(self: core.BackendCore, kind: str, resource: Any, work: Any = None, apply: Any = None) -> None:
        def broken() -> Any:
            raise JobFailed("The deployment failed.")

        # The campaign's own creation fails; its update (a start of the same kind) does not.
        failing = kind == "campaign" and resource.name == "broken" and not failed_once
        failed_once.extend([True] if failing else [])
        original(self, kind, resource, broken if failing else work, apply)

    monkeypatch.setattr(core.BackendCore, "start", failing_deploy)
    p = aws.personalize
    campaign_arn = p.create_campaign(name="broken", solutionVersionArn=version_arn)["campaignArn"]
    failed = p.describe_campaign(campaignArn=campaign_arn)["campaign"]
    assert failed["status"] == "CREATE FAILED" and failed["failureReason"] == "The deployment failed."
    fails("InvalidInputException", aws.runtime.get_recommendations, campaignArn=campaign_arn, userId="user-0")

    p.update_campaign(campaignArn=campaign_arn, minProvisionedTPS=2)
    campaign = p.describe_campaign(campaignArn=campaign_arn)["campaign"]
    assert campaign["status"] == "ACTIVE" and "failureReason" not in campaign
    assert campaign["latestCampaignUpdate"]["status"] == "ACTIVE" and campaign["minProvisionedTPS"] == 2
    assert len(aws.runtime.get_recommendations(campaignArn=campaign_arn, userId="user-0")["itemList"]) == 25


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
