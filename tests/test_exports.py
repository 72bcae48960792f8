"""Dataset export jobs: a dataset's rows, bulk, put or both, as CSV files in S3 that read back as they went in."""
from __future__ import annotations

import json

from .conftest import INTERACTIONS_FIELDS, ROLE_ARN, Clients, avro
from .data_jobs import EXPORTS, export, exported
from .datagen import to_csv
from .helpers import fails, loaded_group, metadata_datasets, small_rows
from .tracking import tracker_of, watched
from .workflow import create_group, import_csv, wait

# Optional columns of every kind, so that each is written the way an import reads it.
RICH_SCHEMA = avro(
    "Interactions",
    [
        *INTERACTIONS_FIELDS,
        {"name": "EVENT_VALUE", "type": ["null", "float"]},
        {"name": "DEVICE", "type": ["null", "string"], "categorical": True},
        {"name": "RATING", "type": ["null", "int"]},
    ],
)


def as_text(rows: list[dict[str, object]]) -> list[dict[str, str]]:
    return [{k: "" if v is None else str(v) for k, v in row.items()} for row in rows]


def test_a_bulk_export_holds_the_imported_rows_in_schema_order(aws: Clients) -> None:
    group = create_group(aws, "rich", schema=RICH_SCHEMA)
    rows: list[dict[str, object]] = [
        {**row, "EVENT_VALUE": (1.5 if i % 3 else None), "DEVICE": ("phone, tablet" if i % 2 else 'tv "big"'), "RATING": (i % 5 or None)}
        for i, row in enumerate(small_rows())
    ]
    columns = ["USER_ID", "ITEM_ID", "EVENT_TYPE", "TIMESTAMP", "EVENT_VALUE", "DEVICE", "RATING"]
    assert import_csv(aws, group.dataset_arn, to_csv(rows, columns))["status"] == "ACTIVE"

    job = export(aws, group.dataset_arn, "bulk", "BULK")
    assert job["status"] == "ACTIVE", job.get("failureReason")
    header, found = exported(aws, "bulk")
    assert header == columns
    assert sorted(found, key=json.dumps) == sorted(as_text(rows), key=json.dumps)


def test_an_export_imports_back_unchanged(aws: Clients) -> None:
    group = loaded_group(aws)
    assert export(aws, group.dataset_arn, "first", "ALL")["status"] == "ACTIVE"
    key = aws.s3.list_objects_v2(Bucket=EXPORTS, Prefix="out/first/")["Contents"][0]["Key"]

    copy = create_group(aws, "copy")
    job = aws.personalize.create_dataset_import_job(
        jobName="from-export", datasetArn=copy.dataset_arn, dataSource={"dataLocation": f"s3://{EXPORTS}/{key}"}, roleArn=ROLE_ARN
    )
    assert wait(lambda: aws.personalize.describe_dataset_import_job(datasetImportJobArn=job["datasetImportJobArn"])["datasetImportJob"])["status"] == "ACTIVE"
    assert export(aws, copy.dataset_arn, "second", "ALL", path=f"s3://{EXPORTS}/again")["status"] == "ACTIVE"
    assert sorted(exported(aws, "second", "again/")[1], key=json.dumps) == sorted(exported(aws, "first")[1], key=json.dumps)


def test_put_exports_recorded_events_and_all_exports_both(aws: Clients) -> None:
    rows = small_rows()
    group = loaded_group(aws, rows=rows)
    tracking_id = tracker_of(aws, group.dataset_group_arn)
    events = watched(("fresh-1", "fresh-2", "fresh-3"), 3)
    aws.events.put_events(trackingId=tracking_id, userId="live", sessionId="s-1", eventList=events)

    assert export(aws, group.dataset_arn, "put", "PUT")["status"] == "ACTIVE"
    put = exported(aws, "put")[1]
    assert [(r["USER_ID"], r["ITEM_ID"], r["TIMESTAMP"]) for r in put] == [("live", e["itemId"], str(e["sentAt"])) for e in events]

    assert export(aws, group.dataset_arn, "all", "ALL")["status"] == "ACTIVE"
    assert len(exported(aws, "all")[1]) == len(rows) + len(events)


def test_items_keep_their_newest_record_in_all_and_every_record_in_put(aws: Clients) -> None:
    group = loaded_group(aws)
    items_arn, _ = metadata_datasets(aws, group.dataset_group_arn)
    assert import_csv(aws, items_arn, to_csv([{"ITEM_ID": "a", "GENRES": "comedy"}, {"ITEM_ID": "b", "GENRES": "horror"}]), key="items.csv", job="items")["status"] == "ACTIVE"
    for genres in ("drama", "drama", "action"):  # the same record twice: exported once
        aws.events.put_items(datasetArn=items_arn, items=[{"itemId": "a", "properties": json.dumps({"genres": genres})}])

    assert export(aws, items_arn, "items-put", "PUT")["status"] == "ACTIVE"
    assert [(r["ITEM_ID"], r["GENRES"]) for r in exported(aws, "items-put")[1]] == [("a", "drama"), ("a", "action")]
    assert export(aws, items_arn, "items-all", "ALL")["status"] == "ACTIVE"
    assert sorted((r["ITEM_ID"], r["GENRES"]) for r in exported(aws, "items-all")[1]) == [("a", "action"), ("b", "horror")]
    assert export(aws, items_arn, "items-bulk", "BULK")["status"] == "ACTIVE"
    assert sorted((r["ITEM_ID"], r["GENRES"]) for r in exported(aws, "items-bulk")[1]) == [("a", "comedy"), ("b", "horror")]


def test_describe_and_list_show_the_job_as_created(aws: Clients) -> None:
    group = loaded_group(aws)
    aws.s3.create_bucket(Bucket=EXPORTS)
    p = aws.personalize
    arn = p.create_dataset_export_job(
        jobName="described",
        datasetArn=group.dataset_arn,
        roleArn=ROLE_ARN,
        jobOutput={"s3DataDestination": {"path": f"s3://{EXPORTS}/out/"}},
        tags=[{"tagKey": "team", "tagValue": "data"}],
    )["datasetExportJobArn"]
    job = p.describe_dataset_export_job(datasetExportJobArn=arn)["datasetExportJob"]
    assert job["ingestionMode"] == "PUT"  # the default
    assert job["jobOutput"] == {"s3DataDestination": {"path": f"s3://{EXPORTS}/out/"}}
    assert (job["jobName"], job["datasetArn"], job["roleArn"], job["status"]) == ("described", group.dataset_arn, ROLE_ARN, "ACTIVE")
    assert arn.endswith(":dataset-export-job/described")
    assert [j["datasetExportJobArn"] for j in p.list_dataset_export_jobs(datasetArn=group.dataset_arn)["datasetExportJobs"]] == [arn]
    assert p.list_dataset_export_jobs(datasetArn=f"{group.dataset_arn}-other")["datasetExportJobs"] == []
    assert p.list_tags_for_resource(resourceArn=arn)["tags"] == [{"tagKey": "team", "tagValue": "data"}]
    fails("ResourceAlreadyExistsException", p.create_dataset_export_job, jobName="described", datasetArn=group.dataset_arn,
          roleArn=ROLE_ARN, jobOutput={"s3DataDestination": {"path": f"s3://{EXPORTS}/out/"}})


def test_the_file_lands_with_active(manual: Clients) -> None:
    group = loaded_group(manual)
    manual.s3.create_bucket(Bucket=EXPORTS)
    p = manual.personalize
    arn = p.create_dataset_export_job(
        jobName="slow", datasetArn=group.dataset_arn, roleArn=ROLE_ARN, jobOutput={"s3DataDestination": {"path": f"s3://{EXPORTS}/out"}}, ingestionMode="BULK"
    )["datasetExportJobArn"]
    seen = []
    while not seen or seen[-1] not in ("ACTIVE", "CREATE FAILED"):
        seen.append(p.describe_dataset_export_job(datasetExportJobArn=arn)["datasetExportJob"]["status"])
        files = manual.s3.list_objects_v2(Bucket=EXPORTS).get("KeyCount", 0)
        assert files == (1 if seen[-1] == "ACTIVE" else 0), seen
    assert seen == ["CREATE PENDING", "CREATE IN_PROGRESS", "CREATE IN_PROGRESS", "ACTIVE"]


def test_a_dataset_stays_while_an_export_reads_it(manual: Clients) -> None:
    group = loaded_group(manual)
    manual.s3.create_bucket(Bucket=EXPORTS)
    p = manual.personalize
    arn = p.create_dataset_export_job(
        jobName="reading", datasetArn=group.dataset_arn, roleArn=ROLE_ARN, jobOutput={"s3DataDestination": {"path": f"s3://{EXPORTS}/"}}
    )["datasetExportJobArn"]
    assert arn in fails("ResourceInUseException", p.delete_dataset, datasetArn=group.dataset_arn)
    wait(lambda: p.describe_dataset_export_job(datasetExportJobArn=arn)["datasetExportJob"])
    p.delete_dataset(datasetArn=group.dataset_arn)


def test_bad_requests(aws: Clients) -> None:
    group = loaded_group(aws)
    p = aws.personalize
    message = fails("InvalidInputException", p.create_dataset_export_job, jobName="web", datasetArn=group.dataset_arn,
                    roleArn=ROLE_ARN, jobOutput={"s3DataDestination": {"path": "https://example.com/out/"}})
    assert "jobOutput.s3DataDestination.path" in message
    fails("InvalidInputException", p.create_dataset_export_job, jobName="mode", datasetArn=group.dataset_arn,
          roleArn=ROLE_ARN, jobOutput={"s3DataDestination": {"path": "s3://x/"}}, ingestionMode="SOME")
    fails("ResourceNotFoundException", p.create_dataset_export_job, jobName="nowhere", datasetArn=f"{group.dataset_arn}-gone",
          roleArn=ROLE_ARN, jobOutput={"s3DataDestination": {"path": "s3://x/"}})

    # A bucket that isn't there: the job fails and says which.
    arn = p.create_dataset_export_job(jobName="no-bucket", datasetArn=group.dataset_arn, roleArn=ROLE_ARN,
                                      jobOutput={"s3DataDestination": {"path": "s3://missing-bucket/out/"}})["datasetExportJobArn"]
    job = wait(lambda: p.describe_dataset_export_job(datasetExportJobArn=arn)["datasetExportJob"])
    assert job["status"] == "CREATE FAILED"
    assert "missing-bucket" in job["failureReason"]
