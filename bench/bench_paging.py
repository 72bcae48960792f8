"""In-process List pages (moto's Paginator) and calls in another partition, side by side with moto's own list_schemas.

moto's list_schemas answers every schema at once; ours answers pages of at most 100, a token naming the first item
of the next. A page after the first finds where it starts by looking the token's item up in the list, so the last
page of a long list is measured too. The same calls in cn-north-1 show what trading recipe ARNs between
partitions costs. Rounds alternate between the cases so that machine noise falls on all alike.

    .venv/bin/python bench/bench_paging.py [calls-per-round] [rounds] [schemas]
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
PAGE = 100


def per_call(call: Callable[[], Any], calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        call()
    return (time.perf_counter() - started) / calls


def last_token(client: Any) -> str:
    """The token of the last page of the client's schemas, pages of PAGE."""
    page = client.list_schemas(maxResults=PAGE)
    while True:
        following = client.list_schemas(maxResults=PAGE, nextToken=page["nextToken"])
        if "nextToken" not in following:
            return page["nextToken"]
        page = following


def main(calls: int = 200, rounds: int = 7, schemas: int = 500) -> None:
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")
    # moto's stubber finds Personalize's backends by name, which this package makes ours: give it back moto's own.
    moto.personalize.personalize_backends = moto_responses.personalize_backends
    recipe = "recipe/aws-user-personalization"
    with mock_aws():
        theirs = boto3.client("personalize", region_name="us-east-1")
        theirs.meta.events.unregister("before-send", stubber)
        theirs.meta.events.register("before-send", botocore_stubber)
        ours = {region: boto3.client("personalize", region_name=region) for region in ("us-east-1", "cn-north-1")}
        for n in range(PAGE):
            theirs.create_schema(name=f"bench-{n}", schema=SCHEMA)
        for client in ours.values():
            for n in range(schemas):
                client.create_schema(name=f"bench-{n}", schema=SCHEMA)
        last = {region: last_token(client) for region, client in ours.items()}
        east, china = ours["us-east-1"], ours["cn-north-1"]

        cases: dict[str, Callable[[], Any]] = {
            f"moto list_schemas ({PAGE}, all at once)": lambda: theirs.list_schemas(),
            "ours list_schemas first page": lambda: east.list_schemas(maxResults=PAGE),
            "ours list_schemas last page": lambda: east.list_schemas(maxResults=PAGE, nextToken=last["us-east-1"]),
            "ours cn-north-1 first page": lambda: china.list_schemas(maxResults=PAGE),
            "ours cn-north-1 last page": lambda: china.list_schemas(maxResults=PAGE, nextToken=last["cn-north-1"]),
            "ours list_recipes": lambda: east.list_recipes(),
            "ours cn-north-1 list_recipes": lambda: china.list_recipes(),
            "ours describe_recipe": lambda: east.describe_recipe(recipeArn=f"arn:aws:personalize:::{recipe}"),
            "ours cn-north-1 describe_recipe": lambda: china.describe_recipe(recipeArn=f"arn:aws-cn:personalize:::{recipe}"),
        }
        times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(rounds):
            for name, call in cases.items():
                times[name].append(per_call(call, calls))

    baseline = statistics.median(times[next(iter(cases))])
    print(f"{calls} calls x {rounds} rounds, {schemas} schemas (moto: {PAGE}), pages of {PAGE}, medians per call")
    for name, measured in times.items():
        median = statistics.median(measured)
        print(f"{name:<38}{median * 1e6:9.1f} us   {median / baseline:.2f}x")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:4]))
