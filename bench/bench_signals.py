"""GetRecommendations with a context and with impressions on MovieLens 100K, beside the same calls without.

One aws-user-personalization campaign over every rating (EVENT_TYPE Like for ratings > 3, Watch
otherwise) whose Interactions dataset has a categorical DAYPART column (the rating's hour: night,
morning, afternoon or evening), so the model learns a context. First the group has no impressions;
then 2,000 PutEvents calls record 20,000 impressions (ten items each), and exploration reads them on
every call. Within each phase, rounds alternate between the cases so machine noise falls on all alike;
each case asks for the same users' 25 recommendations. Prints the median per call and its ratio to the
first case.

    .venv/bin/python bench/bench_signals.py [path/to/ml-100k] [calls-per-round] [rounds]
"""
from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import boto3
import pandas as pd

from bench_filters import DEFAULT_DATA, avro, deploy, import_dataset, load, new_group, wait_active
from personalize_local import mock_personalize

SCHEMA = avro("Interactions", [
    {"name": "USER_ID", "type": "string"}, {"name": "ITEM_ID", "type": "string"},
    {"name": "EVENT_TYPE", "type": "string"}, {"name": "TIMESTAMP", "type": "long"},
    {"name": "DAYPART", "type": "string", "categorical": True},
])
DAYPARTS = ("night", "morning", "afternoon", "evening")  # six hours each, from midnight UTC
CASES: dict[str, dict[str, Any]] = {"no context": {}, "context DAYPART=evening": {"context": {"DAYPART": "evening"}}}


def with_dayparts(interactions: pd.DataFrame) -> pd.DataFrame:
    hours = pd.to_datetime(interactions["TIMESTAMP"], unit="s", utc=True).dt.hour
    return interactions.assign(DAYPART=[DAYPARTS[h // 6] for h in hours])


def setup(p: Any, s3: Any, interactions: pd.DataFrame) -> tuple[str, str]:
    """(campaign ARN, tracking ID) over the Interactions dataset."""
    s3.create_bucket(Bucket="bench")
    group = new_group(p, "ml")
    import_dataset(p, s3, group, "Interactions", interactions, SCHEMA, "interactions")
    campaign = deploy(p, group, "ml")
    tracker = p.create_event_tracker(name="ml", datasetGroupArn=group)
    wait_active(lambda: p.describe_event_tracker(eventTrackerArn=tracker["eventTrackerArn"])["eventTracker"])
    return campaign, tracker["trackingId"]


def measure(runtime: Any, campaign: str, users: list[str], rounds: int) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in CASES}
    for _ in range(rounds):
        for name, options in CASES.items():
            started = time.perf_counter()
            for user in users:
                assert len(runtime.get_recommendations(campaignArn=campaign, userId=user, numResults=25, **options)["itemList"]) == 25
            times[name].append((time.perf_counter() - started) / len(users))
    return {name: statistics.median(samples) for name, samples in times.items()}


def main(folder: Path = DEFAULT_DATA, calls: int = 200, rounds: int = 5) -> None:
    if not (folder / "u.data").exists():
        sys.exit(f"MovieLens 100K not found at {folder}: pass its folder as the first argument.")
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")
    interactions = with_dayparts(load(folder)["Interactions"])
    items = [str(i) for i in interactions["ITEM_ID"].unique()]
    with mock_personalize():
        p, s3, runtime, events = (boto3.client(name) for name in ("personalize", "s3", "personalize-runtime", "personalize-events"))
        campaign, tracking_id = setup(p, s3, interactions)
        users = [str(u) for u in interactions["USER_ID"].unique()[:calls]]
        medians = {f"{name}, no impressions": t for name, t in measure(runtime, campaign, users, rounds).items()}
        sent = datetime.now(timezone.utc)
        for k in range(2000):
            shown = [items[(k * 7 + j * 131) % len(items)] for j in range(10)]
            event = {"eventType": "Watch", "itemId": shown[0], "sentAt": sent, "impression": shown, "properties": '{"daypart": "evening"}'}
            events.put_events(trackingId=tracking_id, userId=f"viewer-{k % 300}", sessionId=f"s-{k}", eventList=[event])
        medians |= {f"{name}, 20,000 impressions": t for name, t in measure(runtime, campaign, users, rounds).items()}

    baseline = next(iter(medians.values()))
    print(f"{len(interactions)} interactions, {len(items)} items; {calls} calls x {rounds} alternating rounds, medians per call")
    for name, median in medians.items():
        print(f"{name:<50}{median * 1e3:8.2f} ms   {median / baseline:.2f}x")


if __name__ == "__main__":
    args = sys.argv[1:]
    main(Path(args[0]) if args else DEFAULT_DATA, *(int(a) for a in args[1:3]))
