"""Batch inference and batch segment jobs: their input files in S3, the jobs, and their output read back."""
from __future__ import annotations

import json
from typing import Any

from .conftest import ROLE_ARN, Clients
from .helpers import fails
from .workflow import wait

BUCKET = "batch-data"


def put_lines(c: Clients, key: str, lines: list[Any]) -> str:
    """An input file of one JSON object a line (strings go in as they are); its s3:// path."""
    if BUCKET not in {b["Name"] for b in c.s3.list_buckets()["Buckets"]}:
        c.s3.create_bucket(Bucket=BUCKET)
    body = "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines)
    c.s3.put_object(Bucket=BUCKET, Key=key, Body=body.encode())
    return f"s3://{BUCKET}/{key}"


def create_job(c: Clients, version: str, source: str, destination: str = f"s3://{BUCKET}/out/", name: str = "batch", **options: Any) -> str:
    """CreateBatchInferenceJob; the job's ARN."""
    return c.personalize.create_batch_inference_job(
        jobName=name,
        solutionVersionArn=version,
        jobInput={"s3DataSource": {"path": source}},
        jobOutput={"s3DataDestination": {"path": destination}},
        roleArn=ROLE_ARN,
        **options,
    )["batchInferenceJobArn"]


def refused(code: str, c: Clients, version: str, source: str, **options: Any) -> str:
    """The message of the service error ``code`` that creating the job gets."""
    return fails(code, create_job, c=c, version=version, source=source, **options)


def run(c: Clients, version: str, source: str, **options: Any) -> dict[str, Any]:
    """Create the job and wait for it; the job as it ends."""
    job_arn = create_job(c, version, source, **options)
    return wait(lambda: c.personalize.describe_batch_inference_job(batchInferenceJobArn=job_arn)["batchInferenceJob"])


def read_lines(c: Clients, key: str) -> list[dict[str, Any]]:
    body = c.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()
    assert body.endswith("\n")
    return [json.loads(line) for line in body.splitlines()]


def answered(c: Clients, version: str, lines: list[Any], key: str = "users.json", **options: Any) -> list[dict[str, Any]]:
    """The output lines of a job over ``lines``, which must end ACTIVE."""
    job = run(c, version, put_lines(c, f"in/{key}", lines), **options)
    assert job["status"] == "ACTIVE", job.get("failureReason")
    return read_lines(c, f"out/{key}.out")


def real_time(c: Clients, campaign: str, **request: Any) -> dict[str, list[Any]]:
    items = c.runtime.get_recommendations(campaignArn=campaign, **request)["itemList"]
    answer: dict[str, list[Any]] = {"recommendedItems": [i["itemId"] for i in items]}
    if items and "score" in items[0]:
        answer["scores"] = [i["score"] for i in items]
    return answer


def segment_job(
    c: Clients, version: str, source: str, destination: str = f"s3://{BUCKET}/out/", name: str = "segments", **options: Any
) -> str:
    """CreateBatchSegmentJob; the job's ARN."""
    return c.personalize.create_batch_segment_job(
        jobName=name,
        solutionVersionArn=version,
        jobInput={"s3DataSource": {"path": source}},
        jobOutput={"s3DataDestination": {"path": destination}},
        roleArn=ROLE_ARN,
        **options,
    )["batchSegmentJobArn"]
