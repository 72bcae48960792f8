"""Dataset import jobs: what lands in the dataset, why a job fails, and what a failure leaves behind."""
from __future__ import annotations

import pytest

from .conftest import ROLE_ARN, Clients, avro
from .data_jobs import export, exported
from .datagen import START, to_csv
from .helpers import SMALL_USERS, arn, fails, padded, rows_for, small_rows, top_items
from .workflow import create_group, import_csv, train, wait

BUCKET = "personalize-data"
HEADER = "USER_ID,ITEM_ID,EVENT_TYPE,TIMESTAMP"


def start_job(c: Clients, dataset_arn: str, location: str, job: str = "job", **options: object) -> dict:
    arn_ = c.personalize.create_dataset_import_job(
        jobName=job, datasetArn=dataset_arn, dataSource={"dataLocation": location}, roleArn=ROLE_ARN, **options
    )["datasetImportJobArn"]
    return wait(lambda: c.personalize.describe_dataset_import_job(datasetImportJobArn=arn_)["datasetImportJob"])


def test_active_job_describes_itself_and_its_rows_train(aws: Clients) -> None:
    group = create_group(aws)
    job = import_csv(aws, group.dataset_arn, to_csv(small_rows()), key="data/interactions.csv", job="first")
    assert job["status"] == "ACTIVE"
    assert job["jobName"] == "first"
    assert job["datasetImportJobArn"] == arn("dataset-import-job", "first")
    assert job["datasetArn"] == group.dataset_arn
    assert job["dataSource"] == {"dataLocation": f"s3://{BUCKET}/data/interactions.csv"}
    assert job["roleArn"] == ROLE_ARN
    assert job["importMode"] == "FULL"
    assert "failureReason" not in job
    assert job["creationDateTime"] <= job["lastUpdatedDateTime"]

    # The rows are there: training, which needs 1000 of them, succeeds.
    version = train(aws, group.dataset_group_arn)
    assert version["status"] == "ACTIVE", version.get("failureReason")


def test_list_and_describe(aws: Clients) -> None:
    p = aws.personalize
    group = create_group(aws)
    good = import_csv(aws, group.dataset_arn, to_csv(small_rows()), job="good")
    bad = import_csv(aws, group.dataset_arn, b"USER_ID,ITEM_ID,TIMESTAMP\nu,i,never\n", key="bad.csv", job="bad")
    assert bad["status"] == "CREATE FAILED"

    listed = {j["jobName"]: j for j in p.list_dataset_import_jobs(datasetArn=group.dataset_arn)["datasetImportJobs"]}
    assert set(listed) == {"good", "bad"}
    assert listed["good"]["status"] == "ACTIVE" and listed["good"]["datasetImportJobArn"] == good["datasetImportJobArn"]
    assert listed["bad"]["status"] == "CREATE FAILED" and listed["bad"]["failureReason"] == bad["failureReason"]
    assert all(j["importMode"] == "FULL" for j in listed.values())

    page = p.list_dataset_import_jobs(maxResults=1)
    assert len(page["datasetImportJobs"]) == 1 and page["nextToken"]
    assert "xyz" in fails("InvalidNextTokenException", p.list_dataset_import_jobs, nextToken="xyz")

    other = create_group(aws, "other")
    assert p.list_dataset_import_jobs(datasetArn=other.dataset_arn)["datasetImportJobs"] == []

    unknown = arn("dataset-import-job", "ghost")
    message = fails("ResourceNotFoundException", p.describe_dataset_import_job, datasetImportJobArn=unknown)
    assert message == f"Resource Arn {unknown} does not exist."


@pytest.mark.parametrize(
    "body, row, column",
    [
        # A value of the wrong type in a data row.
        (f"{HEADER}\nu1,i1,watch,{START}\nu2,i2,watch,yesterday\n", 3, "TIMESTAMP"),
        # A required column missing from the header.
        (f"USER_ID,EVENT_TYPE,TIMESTAMP\nu1,watch,{START}\n", 1, "ITEM_ID"),
        # A header name in quotation marks (data-prep-formatting.md).
        (f'"USER_ID",ITEM_ID,EVENT_TYPE,TIMESTAMP\nu1,i1,watch,{START}\n', 1, "USER_ID"),
        # An empty value in a required column.
        (f"{HEADER}\nu1,i1,watch,{START}\nu2,i2,watch,{START}\n,i3,watch,{START}\n", 4, "USER_ID"),
        # A milliseconds timestamp.
        (f"{HEADER}\nu1,i1,watch,{START * 1000}\n", 2, "TIMESTAMP"),
        # A row with too few values.
        (f"{HEADER}\nu1,i1,watch\n", 2, "TIMESTAMP"),
    ],
    ids=["bad-type", "missing-column", "quoted-header", "empty-required", "milliseconds", "short-row"],
)
def test_bad_file_fails_the_job_naming_file_row_and_column(aws: Clients, body: str, row: int, column: str) -> None:
    group = create_group(aws)
    job = import_csv(aws, group.dataset_arn, body.encode(), key="in/bad.csv")
    assert job["status"] == "CREATE FAILED"
    reason = job["failureReason"]
    assert f"s3://{BUCKET}/in/bad.csv" in reason
    assert f"row {row}" in reason
    assert column in reason


# EVENT_VALUE is nullable: a file may leave it out.
VALUED_SCHEMA = avro(
    "Interactions",
    [
        {"name": "USER_ID", "type": "string"},
        {"name": "EVENT_VALUE", "type": ["null", "float"]},
        {"name": "ITEM_ID", "type": "string"},
        {"name": "TIMESTAMP", "type": "long"},
    ],
)


@pytest.mark.parametrize(
    "columns",
    [
        ["USER_ID", "EVENT_VALUE", "ITEM_ID", "TIMESTAMP"],
        ["USER_ID", "ITEM_ID", "TIMESTAMP"],
        ["USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_VALUE"],
        ["ITEM_ID", "USER_ID", "TIMESTAMP"],
        ["TIMESTAMP", "EVENT_VALUE", "ITEM_ID", "USER_ID"],
    ],
    ids=["schema-order", "nullable-left-out", "nullable-moved", "swapped-with-nullable-left-out", "reversed"],
)
def test_columns_map_to_fields_by_name_in_any_order(aws: Clients, columns: list[str]) -> None:
    group = create_group(aws, schema=VALUED_SCHEMA)
    rows = [{**row, "EVENT_VALUE": 1.5} for row in small_rows()]
    job = import_csv(aws, group.dataset_arn, to_csv(rows, columns), key="ordered.csv")
    assert job["status"] == "ACTIVE", job.get("failureReason")

    assert export(aws, group.dataset_arn, "ordered", "BULK")["status"] == "ACTIVE"
    header, found = exported(aws, "ordered")
    assert header == ["USER_ID", "EVENT_VALUE", "ITEM_ID", "TIMESTAMP"]  # the schema's order
    value = "1.5" if "EVENT_VALUE" in columns else ""
    assert found == [
        {"USER_ID": r["USER_ID"], "EVENT_VALUE": value, "ITEM_ID": r["ITEM_ID"], "TIMESTAMP": str(r["TIMESTAMP"])} for r in rows
    ]


PATTERN_FAILURE = "failed to satisfy constraint: Member must satisfy regular expression pattern: (s3|http|https)://.+"


@pytest.mark.parametrize(
    "location, problem",
    [
        # The model's pattern refuses these.
        ("/tmp/x.csv", PATTERN_FAILURE),
        ("s3:/personalize-data/x.csv", PATTERN_FAILURE),
        ("s3://", PATTERN_FAILURE),
        # Its "." is Java's: no line terminators.
        ("s3://personalize-data/x.csv\n", PATTERN_FAILURE),
        # The pattern lets these through, but they aren't S3 paths.
        ("http://personalize-data/x.csv", "must be an S3 path"),
        ("https://personalize-data.s3.amazonaws.com/x.csv", "must be an S3 path"),
        ("s3:///x.csv", "must be an S3 path"),
        ("s3://personalize data/x.csv", "must be an S3 path"),
    ],
    ids=["no-scheme", "one-slash", "nothing-after-scheme", "newline", "http", "https", "no-bucket", "space-in-bucket"],
)
def test_data_location_must_be_an_s3_path(aws: Clients, location: str, problem: str) -> None:
    group = create_group(aws)
    message = fails(
        "InvalidInputException", aws.personalize.create_dataset_import_job,
        jobName="j", datasetArn=group.dataset_arn, dataSource={"dataLocation": location}, roleArn=ROLE_ARN,
    )
    assert f"Value '{location}' at 'dataSource.dataLocation' " in message
    assert problem in message
    if problem != PATTERN_FAILURE:
        assert "regular expression" not in message
    assert aws.personalize.list_dataset_import_jobs()["datasetImportJobs"] == []


def test_a_bucket_alone_imports_every_file_in_it(aws: Clients) -> None:
    group = create_group(aws)
    aws.s3.create_bucket(Bucket=BUCKET)
    aws.s3.put_object(Bucket=BUCKET, Key="top.csv", Body=to_csv(small_rows()))
    job = start_job(aws, group.dataset_arn, f"s3://{BUCKET}")
    assert job["status"] == "ACTIVE", job.get("failureReason")
    assert job["dataSource"]["dataLocation"] == f"s3://{BUCKET}"


def test_missing_bucket(aws: Clients) -> None:
    group = create_group(aws)
    job = start_job(aws, group.dataset_arn, "s3://no-such-bucket/interactions.csv")
    assert job["status"] == "CREATE FAILED"
    assert "no-such-bucket" in job["failureReason"]


def test_missing_key(aws: Clients) -> None:
    group = create_group(aws)
    aws.s3.create_bucket(Bucket=BUCKET)
    job = start_job(aws, group.dataset_arn, f"s3://{BUCKET}/absent.csv")
    assert job["status"] == "CREATE FAILED"
    assert f"s3://{BUCKET}/absent.csv" in job["failureReason"]


def test_empty_folder(aws: Clients) -> None:
    group = create_group(aws)
    aws.s3.create_bucket(Bucket=BUCKET)
    aws.s3.put_object(Bucket=BUCKET, Key="elsewhere/x.csv", Body=to_csv(small_rows(users=2)))
    job = start_job(aws, group.dataset_arn, f"s3://{BUCKET}/empty/")
    assert job["status"] == "CREATE FAILED"
    assert f"s3://{BUCKET}/empty/" in job["failureReason"]


def test_folder_reads_every_file_under_it(aws: Clients) -> None:
    group = create_group(aws)
    rows = small_rows()
    half = len(rows) // 2
    assert half < 1000 <= len(rows)  # neither file alone is enough to train on
    aws.s3.create_bucket(Bucket=BUCKET)
    aws.s3.put_object(Bucket=BUCKET, Key="batch/part-1.csv", Body=to_csv(rows[:half]))
    aws.s3.put_object(Bucket=BUCKET, Key="batch/part-2.csv", Body=to_csv(rows[half:]))
    aws.s3.put_object(Bucket=BUCKET, Key="other/ignored.csv", Body=b"not,a,valid\nfile\n")
    job = start_job(aws, group.dataset_arn, f"s3://{BUCKET}/batch/")
    assert job["status"] == "ACTIVE", job.get("failureReason")
    assert job["dataSource"]["dataLocation"] == f"s3://{BUCKET}/batch/"
    version = train(aws, group.dataset_group_arn)
    assert version["status"] == "ACTIVE", version.get("failureReason")


def test_folder_with_one_bad_file_fails_naming_it(aws: Clients) -> None:
    group = create_group(aws)
    aws.s3.create_bucket(Bucket=BUCKET)
    aws.s3.put_object(Bucket=BUCKET, Key="batch/a.csv", Body=to_csv(small_rows(users=3)))
    aws.s3.put_object(Bucket=BUCKET, Key="batch/b.csv", Body=f"{HEADER}\nu,i,watch,soon\n".encode())
    job = start_job(aws, group.dataset_arn, f"s3://{BUCKET}/batch/")
    assert job["status"] == "CREATE FAILED"
    assert f"s3://{BUCKET}/batch/b.csv" in job["failureReason"] and "row 2" in job["failureReason"]


def test_full_replaces_and_incremental_appends(aws: Clients) -> None:
    group = create_group(aws)
    base = small_rows()
    assert import_csv(aws, group.dataset_arn, to_csv(base), job="base")["status"] == "ACTIVE"
    assert "fresh" not in top_items(aws, group.dataset_group_arn, "before")

    # INCREMENTAL adds a new item everybody watched to what is there: it tops the chart.
    everyone = padded(rows_for("fresh", range(SMALL_USERS)))
    job = import_csv(aws, group.dataset_arn, to_csv(everyone), key="fresh.csv", job="more", mode="INCREMENTAL")
    assert job["status"] == "ACTIVE" and job["importMode"] == "INCREMENTAL"
    assert top_items(aws, group.dataset_group_arn, "after-append")[0] == "fresh"

    # FULL with the same file replaces everything: one interaction a user is too little to train on.
    assert import_csv(aws, group.dataset_arn, to_csv(everyone), key="fresh.csv", job="only", mode="FULL")["status"] == "ACTIVE"
    version = train(aws, group.dataset_group_arn, name="after-replace")
    assert version["status"] == "CREATE FAILED"
    assert "25 users" in version["failureReason"]


def test_incremental_needs_a_previous_bulk_import(aws: Clients) -> None:
    p = aws.personalize
    group = create_group(aws)

    def incremental_refused() -> None:
        message = fails(
            "InvalidInputException", p.create_dataset_import_job,
            jobName="refused", datasetArn=group.dataset_arn, dataSource={"dataLocation": f"s3://{BUCKET}/more.csv"},
            roleArn=ROLE_ARN, importMode="INCREMENTAL",
        )
        assert "'importMode'" in message

    incremental_refused()
    assert p.list_dataset_import_jobs()["datasetImportJobs"] == []
    # A failed bulk import brought nothing: still only FULL.
    assert import_csv(aws, group.dataset_arn, f"{HEADER}\nu,i,watch,never\n".encode(), key="bad.csv", job="bad")["status"] == "CREATE FAILED"
    incremental_refused()

    assert import_csv(aws, group.dataset_arn, to_csv(small_rows()), job="base")["status"] == "ACTIVE"
    assert import_csv(aws, group.dataset_arn, to_csv(small_rows()), key="more.csv", job="more", mode="INCREMENTAL")["status"] == "ACTIVE"

    # A dataset deleted and created again (the same ARN) starts without bulk data.
    p.delete_dataset(datasetArn=group.dataset_arn)
    fails("ResourceNotFoundException", p.describe_dataset, datasetArn=group.dataset_arn)  # the delete is done
    again = p.create_dataset(
        name="again", schemaArn=group.schema_arn, datasetGroupArn=group.dataset_group_arn, datasetType="Interactions"
    )["datasetArn"]
    assert again == group.dataset_arn
    incremental_refused()


def test_an_import_brings_at_least_1000_interactions(aws: Clients) -> None:
    group = create_group(aws)
    job = import_csv(aws, group.dataset_arn, to_csv(small_rows()[:999]), key="short.csv")
    assert job["status"] == "CREATE FAILED"
    assert "s3://personalize-data/short.csv" in job["failureReason"] and "999" in job["failureReason"]


@pytest.mark.parametrize("mode", ["FULL", "INCREMENTAL"])
def test_failed_job_keeps_nothing(aws: Clients, mode: str) -> None:
    group = create_group(aws)
    assert import_csv(aws, group.dataset_arn, to_csv(small_rows()), job="base")["status"] == "ACTIVE"
    # Many good rows for a new item, then one bad row: none of it may land.
    good = rows_for("intruder", range(SMALL_USERS))
    body = to_csv(good) + b"user-1,intruder,watch,tomorrow\n"
    job = import_csv(aws, group.dataset_arn, body, key="bad.csv", job="bad", mode=mode)
    assert job["status"] == "CREATE FAILED"
    assert f"row {len(good) + 2}" in job["failureReason"]
    top = top_items(aws, group.dataset_group_arn, "after")
    assert "intruder" not in top
    assert len(top) == 10


def test_create_errors(aws: Clients) -> None:
    p = aws.personalize
    group = create_group(aws)
    aws.s3.create_bucket(Bucket=BUCKET)
    aws.s3.put_object(Bucket=BUCKET, Key="x.csv", Body=to_csv(small_rows(users=2)))
    location = {"dataLocation": f"s3://{BUCKET}/x.csv"}

    ghost = arn("dataset", "ghost/INTERACTIONS")
    message = fails("ResourceNotFoundException", p.create_dataset_import_job, jobName="j", datasetArn=ghost, dataSource=location, roleArn=ROLE_ARN)
    assert message == f"Resource Arn {ghost} does not exist."

    message = fails(
        "InvalidInputException", p.create_dataset_import_job,
        jobName="j", datasetArn=group.dataset_arn, dataSource={"dataLocation": "/tmp/x.csv"}, roleArn=ROLE_ARN,
    )
    assert "'dataSource.dataLocation'" in message

    message = fails(
        "InvalidInputException", p.create_dataset_import_job,
        jobName="j", datasetArn=group.dataset_arn, dataSource=location, roleArn=ROLE_ARN, importMode="APPEND",
    )
    assert "'importMode'" in message

    message = fails("InvalidInputException", p.create_dataset_import_job, jobName="bad name", datasetArn=group.dataset_arn, dataSource=location, roleArn=ROLE_ARN)
    assert "'jobName'" in message
    assert p.list_dataset_import_jobs()["datasetImportJobs"] == []

    job_arn = start_job(aws, group.dataset_arn, location["dataLocation"], job="once")["datasetImportJobArn"]
    message = fails("ResourceAlreadyExistsException", p.create_dataset_import_job, jobName="once", datasetArn=group.dataset_arn, dataSource=location, roleArn=ROLE_ARN)
    assert job_arn in message
