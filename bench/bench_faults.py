"""What the fault hook costs every call: a dispatch of DescribeRecipe (one of the cheapest calls) with no fault
armed, with faults armed for other calls of the caller, and the hook alone with none armed; in one run, rounds
alternating, medians per call.

    .venv/bin/python bench/bench_faults.py [calls-per-round] [rounds]
"""
from __future__ import annotations

import json
import statistics
import sys
import time
from typing import Any, Callable

from personalize_local import inject_faults, mock_personalize
from personalize_local.backend import faults
from personalize_local.wire.dispatch import dispatch
from personalize_local.wire.models import route

HEADERS = {
    "X-Amz-Target": "AmazonPersonalize.DescribeRecipe",
    "Authorization": "AWS4-HMAC-SHA256 Credential=bench/20240101/us-east-1/personalize/aws4_request",
}
BODY = json.dumps({"recipeArn": "arn:aws:personalize:::recipe/aws-popularity-count"}).encode()
HOST = "personalize.us-east-1.amazonaws.com"


def per_call(call: Callable[[], Any], calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        call()
    return (time.perf_counter() - started) / calls


def hook_alone() -> None:
    with faults.calling("123456789012", "us-east-1", "DescribeRecipe"):
        pass


def main(calls: int = 5000, rounds: int = 7) -> None:
    found = route("POST", "/", HEADERS["X-Amz-Target"])
    assert found is not None

    def describe() -> None:
        assert dispatch(found, HEADERS, BODY, HOST)[0] == 200

    with mock_personalize():
        armed = inject_faults(region="us-east-1", account_id="123456789012")
        cases: dict[str, tuple[Callable[[], None], Callable[[], None]]] = {
            "DescribeRecipe, no fault armed": (armed.clear, describe),
            "DescribeRecipe, faults armed for other calls": (
                lambda: (armed.throttle("PutEvents", times=10**9), armed.fail_creation("CreateCampaign", times=10**9)),
                describe,
            ),
            "the hook alone, no fault armed": (armed.clear, hook_alone),
        }
        timings: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(rounds):
            for name, (arrange, call) in cases.items():
                armed.clear()
                arrange()
                timings[name].append(per_call(call, calls))
        armed.clear()
    base = statistics.median(timings["DescribeRecipe, no fault armed"])
    print(f"{calls} calls x {rounds} alternating rounds, medians per call")
    print("| case | per call | ratio to no fault armed |")
    print("|---|---:|---:|")
    for name, values in timings.items():
        median = statistics.median(values)
        print(f"| {name} | {median * 1e6:.2f} us | {median / base:.3f}x |")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
