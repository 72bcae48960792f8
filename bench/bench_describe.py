"""In-process DescribeX cost, side by side with moto's own describe_schema in the same process.

Both go through boto3 the same way; only who answers differs. Rounds alternate
between the two so that machine noise falls on both alike. Prints per-call
medians and the ratio ours / moto's for each operation.

    .venv/bin/python bench/bench_describe.py [calls-per-round] [rounds]
"""
from __future__ import annotations

import os
import statistics
import sys
import time
from typing import Any, Callable

import boto3
import moto.personalize
from moto import mock_aws
from moto.core.models import botocore_stubber
from moto.personalize import responses as moto_responses

from personalize_local.mock import stubber

SCHEMA = '{"type": "record", "name": "Interactions", "namespace": "com.amazonaws.personalize.schema", "fields": [{"name": "USER_ID", "type": "string"}, {"name": "ITEM_ID", "type": "string"}, {"name": "TIMESTAMP", "type": "long"}], "version": "1.0"}'


def per_call(call: Callable[[], Any], calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        call()
    return (time.perf_counter() - started) / calls


def main(calls: int = 2000, rounds: int = 7) -> None:
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")
    # moto's stubber finds Personalize's backends by name, which this package makes ours: give it back moto's own
    # schema-only backends (those its responses read), as moto has them without this package.
    moto.personalize.personalize_backends = moto_responses.personalize_backends
    with mock_aws():
        ours = boto3.client("personalize", region_name="us-east-1")
        theirs = boto3.client("personalize", region_name="us-east-1")
        # Our handler stands in for moto's: take it away and give this client moto's own.
        theirs.meta.events.unregister("before-send", stubber)
        theirs.meta.events.register("before-send", botocore_stubber)

        moto_schema = theirs.create_schema(name="bench", schema=SCHEMA)["schemaArn"]
        schema = ours.create_schema(name="bench", schema=SCHEMA)["schemaArn"]
        group = ours.create_dataset_group(name="bench")["datasetGroupArn"]
        dataset = ours.create_dataset(name="bench", schemaArn=schema, datasetGroupArn=group, datasetType="Interactions")["datasetArn"]
        tracker = ours.create_event_tracker(name="bench", datasetGroupArn=group)["eventTrackerArn"]

        cases: dict[str, Callable[[], Any]] = {
            "describe_schema": lambda: ours.describe_schema(schemaArn=schema),
            "describe_dataset_group": lambda: ours.describe_dataset_group(datasetGroupArn=group),
            "describe_dataset": lambda: ours.describe_dataset(datasetArn=dataset),
            "describe_event_tracker": lambda: ours.describe_event_tracker(eventTrackerArn=tracker),
            "describe_recipe": lambda: ours.describe_recipe(recipeArn="arn:aws:personalize:::recipe/aws-user-personalization"),
        }
        moto_times: list[float] = []
        our_times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(rounds):
            moto_times.append(per_call(lambda: theirs.describe_schema(schemaArn=moto_schema), calls))
            for name, call in cases.items():
                our_times[name].append(per_call(call, calls))

    baseline = statistics.median(moto_times)
    print(f"{calls} calls x {rounds} rounds, medians per call")
    print(f"{'moto describe_schema':<28}{baseline * 1e6:9.1f} us   1.00x")
    for name, times in our_times.items():
        median = statistics.median(times)
        print(f"{'ours ' + name:<28}{median * 1e6:9.1f} us   {median / baseline:.2f}x")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
