"""Data deletion jobs: the users a CSV file in S3 lists leave every dataset of the group, and the next training."""
from __future__ import annotations

import json

import pytest

from .conftest import MANUAL, ROLE_ARN, Clients, transitions
from .data_jobs import DELETIONS, delete_users, export, exported
from .datagen import to_csv
from .helpers import fails, loaded_group, metadata_datasets, personal_campaign, small_rows
from .tracking import tracker_of, watched
from .workflow import import_csv, recommended

DELETED = ["user-1", "user-2"]


def test_deleted_users_leave_every_dataset(aws: Clients) -> None:
    rows = small_rows()
    group = loaded_group(aws, rows=rows)
    _, users_arn = metadata_datasets(aws, group.dataset_group_arn)
    users = [{"USER_ID": f"user-{u}", "AGE": 20 + u} for u in range(10)]
    assert import_csv(aws, users_arn, to_csv(users), key="users.csv", job="users")["status"] == "ACTIVE"
    tracking_id = tracker_of(aws, group.dataset_group_arn)
    aws.events.put_events(trackingId=tracking_id, userId="user-1", sessionId="s-1", eventList=watched(("horror-1", "horror-2"), 2))
    # An anonymous session that later turns out to be user-2's: its events are user-2's too.
    aws.events.put_events(trackingId=tracking_id, sessionId="s-2", eventList=watched(("comedy-1",), 1))
    aws.events.put_events(trackingId=tracking_id, userId="user-2", sessionId="s-2", eventList=watched(("comedy-2",), 1, offset=5))
    aws.events.put_users(datasetArn=users_arn, users=[{"userId": "user-2", "properties": json.dumps({"age": 33})}])

    job = delete_users(aws, group.dataset_group_arn, DELETED)
    assert job["status"] == "COMPLETED", job.get("failureReason")
    theirs = sum(r["USER_ID"] in DELETED for r in rows) + 2 + 2 + 2 + 1  # interactions, events, session events, users
    assert job["numDeleted"] == theirs

    for dataset_arn, name in ((group.dataset_arn, "interactions"), (users_arn, "users")):
        assert export(aws, dataset_arn, name, "ALL")["status"] == "ACTIVE"
        kept = {r["USER_ID"] for r in exported(aws, name)[1]}
        assert kept and not kept & {*DELETED, "s-2"}
    assert {r["USER_ID"] for r in exported(aws, "users")[1]} == {f"user-{u}" for u in range(10)} - set(DELETED)


def test_the_next_training_no_longer_knows_them(aws: Clients) -> None:
    group = loaded_group(aws)
    before = personal_campaign(aws, group.dataset_group_arn, "before")
    assert recommended(aws, before, "user-1") != recommended(aws, before, "never-seen")

    # Once deleted, user-1 is a stranger to the next version: answered as a user never seen.
    assert delete_users(aws, group.dataset_group_arn, ["user-1"])["status"] == "COMPLETED"
    after = personal_campaign(aws, group.dataset_group_arn, "after")
    assert recommended(aws, after, "user-1") == recommended(aws, after, "never-seen")


def test_users_leave_only_once_the_job_completes(manual: Clients) -> None:
    group = loaded_group(manual)
    manual.s3.create_bucket(Bucket=DELETIONS)
    manual.s3.put_object(Bucket=DELETIONS, Key="users/part-1.csv", Body=b"USER_ID\nuser-1\n")
    manual.s3.put_object(Bucket=DELETIONS, Key="users/more/part-2.csv", Body=b"USER_ID\nuser-2\n")
    p = manual.personalize
    arn = p.create_data_deletion_job(
        jobName="slow", datasetGroupArn=group.dataset_group_arn, dataSource={"dataLocation": f"s3://{DELETIONS}/users/"}, roleArn=ROLE_ARN
    )["dataDeletionJobArn"]
    seen = []
    while not seen or seen[-1] not in ("COMPLETED", "FAILED"):
        job = p.describe_data_deletion_job(dataDeletionJobArn=arn)["dataDeletionJob"]
        seen.append(job["status"])
        name = f"during-{len(seen)}"
        # Only the export is immediate: the deletion job's worker may finish meanwhile, and must not land.
        with transitions({"progression": "immediate"}, "personalize::dataset_export_job"):
            assert export(manual, group.dataset_arn, name, "ALL")["status"] == "ACTIVE"
        present = {r["USER_ID"] for r in exported(manual, name)[1]} & set(DELETED)
        assert present == (set() if seen[-1] == "COMPLETED" else set(DELETED)), seen
        assert ("numDeleted" in job) == (seen[-1] == "COMPLETED")
    assert seen == ["PENDING", "IN_PROGRESS", "IN_PROGRESS", "COMPLETED"]


@pytest.mark.parametrize(
    "body, needle",
    [
        (b"USER\nuser-1\n", "USER"),
        (b"USER_ID,ITEM_ID\nuser-1,comedy-1\n", "ITEM_ID"),
        (b"USER_ID\n" + b"x" * 300 + b"\n", "256"),
    ],
)
def test_a_bad_user_list_fails_the_job_and_deletes_nothing(aws: Clients, body: bytes, needle: str) -> None:
    rows = small_rows()
    group = loaded_group(aws, rows=rows)
    job = delete_users(aws, group.dataset_group_arn, [], body=body)
    assert job["status"] == "FAILED"
    assert needle in job["failureReason"] and "forget.csv" in job["failureReason"]
    assert "numDeleted" not in job
    assert export(aws, group.dataset_arn, "untouched", "BULK")["status"] == "ACTIVE"
    assert len(exported(aws, "untouched")[1]) == len(rows)


def test_describe_list_and_bad_requests(aws: Clients) -> None:
    group = loaded_group(aws)
    p = aws.personalize
    aws.s3.create_bucket(Bucket=DELETIONS)
    arn = p.create_data_deletion_job(
        jobName="missing", datasetGroupArn=group.dataset_group_arn, dataSource={"dataLocation": f"s3://{DELETIONS}/nothing.csv"},
        roleArn=ROLE_ARN, tags=[{"tagKey": "ticket", "tagValue": "42"}],
    )["dataDeletionJobArn"]
    job = p.describe_data_deletion_job(dataDeletionJobArn=arn)["dataDeletionJob"]
    assert (job["status"], job["jobName"], job["datasetGroupArn"], job["roleArn"]) == ("FAILED", "missing", group.dataset_group_arn, ROLE_ARN)
    assert job["dataSource"] == {"dataLocation": f"s3://{DELETIONS}/nothing.csv"} and "nothing.csv" in job["failureReason"]
    assert arn.endswith(":data-deletion-job/missing")
    listed = p.list_data_deletion_jobs(datasetGroupArn=group.dataset_group_arn)["dataDeletionJobs"]
    assert [(j["dataDeletionJobArn"], j["status"]) for j in listed] == [(arn, "FAILED")]
    assert p.list_data_deletion_jobs(datasetGroupArn=f"{group.dataset_group_arn}-other")["dataDeletionJobs"] == []
    assert p.list_tags_for_resource(resourceArn=arn)["tags"] == [{"tagKey": "ticket", "tagValue": "42"}]

    source = {"dataLocation": f"s3://{DELETIONS}/nothing.csv"}
    fails("ResourceAlreadyExistsException", p.create_data_deletion_job, jobName="missing", datasetGroupArn=group.dataset_group_arn, dataSource=source, roleArn=ROLE_ARN)
    fails("ResourceNotFoundException", p.create_data_deletion_job, jobName="x", datasetGroupArn=f"{group.dataset_group_arn}-gone", dataSource=source, roleArn=ROLE_ARN)
    message = fails("InvalidInputException", p.create_data_deletion_job, jobName="y", datasetGroupArn=group.dataset_group_arn, dataSource={}, roleArn=ROLE_ARN)
    assert "dataSource.dataLocation" in message
    message = fails("InvalidInputException", p.create_data_deletion_job, jobName="z", datasetGroupArn=group.dataset_group_arn,
                    dataSource={"dataLocation": "https://example.com/users.csv"}, roleArn=ROLE_ARN)
    assert "dataSource.dataLocation" in message


def test_five_pending_jobs_a_group_at_most(aws: Clients) -> None:
    group = loaded_group(aws)
    aws.s3.create_bucket(Bucket=DELETIONS)
    aws.s3.put_object(Bucket=DELETIONS, Key="users.csv", Body=b"USER_ID\nuser-1\n")
    source = {"dataLocation": f"s3://{DELETIONS}/users.csv"}
    p = aws.personalize
    with transitions(MANUAL):  # nobody describes them: they stay PENDING
        for i in range(5):
            p.create_data_deletion_job(jobName=f"job-{i}", datasetGroupArn=group.dataset_group_arn, dataSource=source, roleArn=ROLE_ARN)
        message = fails("LimitExceededException", p.create_data_deletion_job, jobName="job-5", datasetGroupArn=group.dataset_group_arn,
                        dataSource=source, roleArn=ROLE_ARN)
        assert "5" in message
