"""A batch inference job over every MovieLens 100K user, beside the same answers asked one GetRecommendations call at a time.

One aws-user-personalization version over every rating (the bench_filters.py group: Like/Watch
events, Items and Users), deployed to a campaign for the real-time side. Each round runs, in
turn: a batch inference job over all 943 users with numResults 25 (CreateBatchInferenceJob until
DescribeBatchInferenceJob shows ACTIVE, the output then in S3), the same job with a filter
(EXCLUDE what the user rated), and 943 GetRecommendations calls. Every batch line is checked
against the real-time answer. Prints the median seconds and their ratio to the calls.

    .venv/bin/python bench/bench_batch.py [path/to/ml-100k] [rounds]
"""
from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

import boto3

from bench_filters import DEFAULT_DATA, load, setup, wait_active
from personalize_local import mock_personalize

ROLE = "arn:aws:iam::123456789012:role/bench"
EXCLUDE_RATED = "EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN (*)"


def batch_job(p: Any, s3: Any, version: str, source: str, name: str, **options: Any) -> Callable[[], list[dict[str, Any]]]:
    """A run of the job: seconds from create to ACTIVE are what is timed; returns its output lines."""

    def run() -> list[dict[str, Any]]:
        job = p.create_batch_inference_job(
            jobName=f"{name}-{time.monotonic_ns()}", solutionVersionArn=version, roleArn=ROLE, numResults=25,
            jobInput={"s3DataSource": {"path": source}},
            jobOutput={"s3DataDestination": {"path": f"s3://bench/out/{name}/"}}, **options,
        )["batchInferenceJobArn"]
        wait_active(lambda: p.describe_batch_inference_job(batchInferenceJobArn=job)["batchInferenceJob"])
        return [json.loads(line) for line in s3.get_object(Bucket="bench", Key=f"out/{name}/users.json.out")["Body"].iter_lines()]

    return run


def main(folder: Path = DEFAULT_DATA, rounds: int = 3) -> None:
    if not (folder / "u.data").exists():
        sys.exit(f"MovieLens 100K not found at {folder}: pass its folder as the first argument.")
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")
    frames = load(folder)
    users = [str(u) for u in frames["Users"]["USER_ID"]]
    with mock_personalize():
        p, s3, runtime = (boto3.client(name) for name in ("personalize", "s3", "personalize-runtime"))
        campaign, group = setup(p, s3, frames)
        version = p.describe_campaign(campaignArn=campaign)["campaign"]["solutionVersionArn"]
        rated = p.create_filter(name="rated", datasetGroupArn=group, filterExpression=EXCLUDE_RATED)["filterArn"]
        wait_active(lambda: p.describe_filter(filterArn=rated)["filter"])
        s3.put_object(Bucket="bench", Key="in/users.json", Body="".join(json.dumps({"userId": u}) + "\n" for u in users).encode())
        source = "s3://bench/in/users.json"

        def real_time(filter_arn: str | None = None) -> list[list[str]]:
            extra = {"filterArn": filter_arn} if filter_arn else {}
            return [[i["itemId"] for i in runtime.get_recommendations(campaignArn=campaign, userId=u, numResults=25, **extra)["itemList"]]
                    for u in users]

        cases: dict[str, Callable[[], Any]] = {
            f"{len(users)} GetRecommendations calls": real_time,
            "batch inference job": batch_job(p, s3, version, source, "plain"),
            "batch inference job, EXCLUDE what the user rated": batch_job(p, s3, version, source, "filtered", filterArn=rated),
        }
        times: dict[str, list[float]] = {name: [] for name in cases}
        results: dict[str, Any] = {}
        for _ in range(rounds):
            for name, case in cases.items():
                started = time.perf_counter()
                results[name] = case()
                times[name].append(time.perf_counter() - started)
        for name, filter_arn in (("batch inference job", None), ("batch inference job, EXCLUDE what the user rated", rated)):
            lines = results[name]
            assert [line["input"]["userId"] for line in lines] == users and all(line["error"] is None for line in lines)
            assert [line["output"]["recommendedItems"] for line in lines] == real_time(filter_arn), name

    baseline = statistics.median(times[f"{len(users)} GetRecommendations calls"])
    print(f"{len(frames['Interactions'])} interactions, {len(frames['Items'])} items, {len(users)} users, numResults 25; "
          f"{rounds} alternating rounds, medians; every batch line equals the real-time answer")
    for name, samples in times.items():
        median = statistics.median(samples)
        print(f"{name:<52}{median:8.2f} s   {median / baseline:.2f}x")


if __name__ == "__main__":
    args = sys.argv[1:]
    main(Path(args[0]) if args else DEFAULT_DATA, *(int(a) for a in args[1:2]))
