"""Dataset export and data deletion jobs as users run them: their files in S3, the job as it ends, what it wrote."""
from __future__ import annotations

import csv
import io
from typing import Any

from .conftest import ROLE_ARN, Clients
from .datagen import to_csv
from .workflow import wait

EXPORTS = "exports"
DELETIONS = "deletions"


def export(c: Clients, dataset_arn: str, name: str, mode: str | None = None, path: str = f"s3://{EXPORTS}/out/") -> dict[str, Any]:
    """Export the dataset; the job as it ends."""
    if EXPORTS not in {b["Name"] for b in c.s3.list_buckets()["Buckets"]}:
        c.s3.create_bucket(Bucket=EXPORTS)
    options = {"ingestionMode": mode} if mode else {}
    arn = c.personalize.create_dataset_export_job(
        jobName=name, datasetArn=dataset_arn, roleArn=ROLE_ARN, jobOutput={"s3DataDestination": {"path": path}}, **options
    )["datasetExportJobArn"]
    return wait(lambda: c.personalize.describe_dataset_export_job(datasetExportJobArn=arn)["datasetExportJob"])


def exported(c: Clients, name: str, prefix: str = "out/") -> tuple[list[str], list[dict[str, str]]]:
    """The header and rows of every CSV file the job named ``name`` wrote."""
    keys = [o["Key"] for o in c.s3.list_objects_v2(Bucket=EXPORTS, Prefix=f"{prefix}{name}/").get("Contents", [])]
    assert keys, f"the export {name} wrote nothing"
    header: list[str] = []
    rows: list[dict[str, str]] = []
    for key in keys:
        text = c.s3.get_object(Bucket=EXPORTS, Key=key)["Body"].read().decode("utf-8")
        reader = csv.DictReader(io.StringIO(text), escapechar="\\")
        rows.extend(reader)
        header = list(reader.fieldnames or [])
    return header, rows


def delete_users(c: Clients, group_arn: str, users: list[str], name: str = "forget", body: bytes | None = None) -> dict[str, Any]:
    """List ``users`` in a CSV file and run a data deletion job on it; the job as it ends."""
    if DELETIONS not in {b["Name"] for b in c.s3.list_buckets()["Buckets"]}:
        c.s3.create_bucket(Bucket=DELETIONS)
    c.s3.put_object(Bucket=DELETIONS, Key=f"{name}.csv", Body=body if body is not None else to_csv([{"USER_ID": u} for u in users]))
    arn = c.personalize.create_data_deletion_job(
        jobName=name, datasetGroupArn=group_arn, dataSource={"dataLocation": f"s3://{DELETIONS}/{name}.csv"}, roleArn=ROLE_ARN
    )["dataDeletionJobArn"]
    return wait(lambda: c.personalize.describe_data_deletion_job(dataDeletionJobArn=arn)["dataDeletionJob"])
