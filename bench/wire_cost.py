"""What the emulator's part of one in-process call costs, without botocore: requests recorded from boto3 once, then
answered by the mock's handler (``PersonalizeStubber.answer``) in a loop.

On bench/answers.py's world (saved to --snapshot the first time). The calls: PutEvents of one event for a new visitor
each time (``put``), DescribeEventTracker (``describe``), GetRecommendations of 25 items for 200 users in turn
(``recommend``), and the same under the world's exclude-history filter with its Comedy promotion (20% of the answer,
``recommend-filtered``: bench/runtime.py's filtered case). With --outside, the model answers each request (user, size,
exclusion) for real the first time only, then from memory: what is measured is the call's path outside the model. Printed: CPU time per call (5 runs), or with --profile cProfile's slowest functions, or with
--callgrind the count switched on around the measured calls only (load-independent):

    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=/tmp/wire.cg \\
        .venv/bin/python bench/wire_cost.py put --calls 1000 --callgrind

then divide the "I refs" valgrind prints by the calls.

    .venv/bin/python bench/wire_cost.py {put,describe,recommend,recommend-filtered} [--calls 3000] [--outside] [--profile] [--callgrind] [--snapshot FILE]
"""
from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3
from botocore.awsrequest import AWSPreparedRequest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.answers import world_of  # noqa: E402
from bench.bench_filters import DEFAULT_DATA  # noqa: E402
from personalize_local import mock_personalize  # noqa: E402
from personalize_local.mock import stubber  # noqa: E402

WARMUP = 300
START = 1_600_000_000


def recorded(kind: str, world: dict[str, Any], calls: int) -> list[AWSPreparedRequest]:
    """The requests to answer: boto3's own, recorded before they are sent (a PutEvents body per call, for new visitors)."""
    captured: list[AWSPreparedRequest] = []
    client = boto3.client({"put": "personalize-events", "describe": "personalize"}.get(kind, "personalize-runtime"))
    client.meta.events.register("before-send", lambda request, **_: captured.append(request), unique_id="recorded")
    if kind.startswith("recommend"):
        filtered: dict[str, Any] = {}
        if kind == "recommend-filtered":
            promotion = {"name": "comedy", "percentPromotedItems": 20, "filterArn": world["comedy"]}
            filtered = {"filterArn": world["exclude"], "promotions": [promotion]}
        for user in world["users"][:200]:
            client.get_recommendations(campaignArn=world["campaign"], userId=user, numResults=25, **filtered)
        return captured
    if kind == "describe":
        client.describe_event_tracker(eventTrackerArn=world["tracker"])
        return captured
    items = world["items"]
    client.put_events(trackingId=world["trackingId"], userId="visitor", sessionId="session", eventList=[{"eventType": "Watch", "itemId": items[0], "sentAt": START}])
    signed = captured[0]
    return [
        AWSPreparedRequest(signed.method, signed.url, signed.headers, json.dumps({
            "trackingId": world["trackingId"], "userId": f"visitor-{k}", "sessionId": f"session-{k}",
            "eventList": [{"eventType": "Watch", "itemId": items[k * 7 % len(items)], "sentAt": START + k}],
        }).encode(), False)
        for k in range(calls * 6 + WARMUP)
    ]


def replay_model_answers() -> None:
    """aws-user-personalization's model answers a request the first time, and the same request from memory after."""
    from personalize_local.recipes.user_personalization import UserPersonalization

    real = UserPersonalization.recommend
    kept: dict[tuple[Any, ...], Any] = {}

    def recommend(self: UserPersonalization, user_id: str, history: Any, num_results: int, exclude: Any = None, **options: Any) -> Any:
        key = (user_id, num_results, len(history), len(exclude or ()))
        if key not in kept:
            kept[key] = real(self, user_id, history, num_results, exclude, **options)
        return kept[key]

    UserPersonalization.recommend = recommend  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=("put", "describe", "recommend", "recommend-filtered"))
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--callgrind", action="store_true")
    parser.add_argument("--outside", action="store_true", help="the model's answers replayed after their first: the rest of the call")
    parser.add_argument("--snapshot", type=Path, default=Path("/tmp/answers-world.sqlite"), help="the world, saved the first time")
    args = parser.parse_args()
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")
    if args.outside:
        replay_model_answers()
    with mock_personalize():
        requests = recorded(args.kind, world_of(args.data, args.snapshot), args.calls)
        answer, at = stubber.answer, [0]

        def run(calls: int) -> None:
            first = at[0]
            for i in range(first, first + calls):
                answer(requests[i % len(requests)])
            at[0] = first + calls

        run(WARMUP)
        if args.callgrind:
            subprocess.run(["callgrind_control", "-i", "on", str(os.getpid())], check=True, stdout=subprocess.DEVNULL)
            run(args.calls)
            subprocess.run(["callgrind_control", "-i", "off", str(os.getpid())], check=True, stdout=subprocess.DEVNULL)
            print(f"{args.kind}: {args.calls} calls counted")
        elif args.profile:
            profile = cProfile.Profile()
            profile.enable()
            run(args.calls)
            profile.disable()
            pstats.Stats(profile).sort_stats("tottime").print_stats(30)
        else:
            per_call = []
            for _ in range(5):
                started = time.process_time()
                run(args.calls)
                per_call.append((time.process_time() - started) / args.calls * 1e6)
            print(f"{args.kind}: CPU us a call, 5 runs: " + " ".join(f"{us:.1f}" for us in per_call))


if __name__ == "__main__":
    main()
