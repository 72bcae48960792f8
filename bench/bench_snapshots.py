"""A test's world via training and via a snapshot, on MovieLens 100K, side by side in one run.

The world: bench_filters.py's group (100,000 ratings as Like/Watch events, the Items and Users
datasets) with one aws-user-personalization campaign. Each round, in fresh mocks:
- train: the imports, CreateSolutionVersion (training and metrics) and CreateCampaign, until ACTIVE;
- save: snapshot.save of that world;
- load: snapshot.load of the file into a fresh mock;
- the test itself: 50 users' GetRecommendations, after training and after loading (checked equal).
Prints the medians of the rounds, and the ratio of the test via training to the test via the snapshot.

    .venv/bin/python bench/bench_snapshots.py [path/to/ml-100k] [rounds]
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_filters import DEFAULT_DATA, load, setup  # noqa: E402
from personalize_local import mock_personalize, snapshot  # noqa: E402

USERS = [str(u) for u in range(1, 51)]


def clients() -> tuple[Any, Any, Any]:
    return tuple(boto3.client(name) for name in ("personalize", "s3", "personalize-runtime"))  # type: ignore[return-value]


def the_test(runtime: Any, campaign: str) -> list[list[str]]:
    return [[i["itemId"] for i in runtime.get_recommendations(campaignArn=campaign, userId=u, numResults=25)["itemList"]] for u in USERS]


def one_round(frames: dict[str, Any], path: Path) -> dict[str, float]:
    times: dict[str, float] = {}
    with mock_personalize():
        p, s3, runtime = clients()
        started = time.perf_counter()
        campaign, _ = setup(p, s3, frames)
        times["train"] = time.perf_counter() - started
        started = time.perf_counter()
        trained_answers = the_test(runtime, campaign)
        times["test"] = time.perf_counter() - started
        started = time.perf_counter()
        snapshot.save(path)
        times["save"] = time.perf_counter() - started
    with mock_personalize():
        p, s3, runtime = clients()
        started = time.perf_counter()
        snapshot.load(path)
        times["load"] = time.perf_counter() - started
        started = time.perf_counter()
        loaded_answers = the_test(runtime, campaign)
        times["test after load"] = time.perf_counter() - started
    assert loaded_answers == trained_answers, "a loaded campaign answered otherwise than the trained one"
    return times


def main(folder: Path = DEFAULT_DATA, rounds: int = 3) -> None:
    if not (folder / "u.data").exists():
        sys.exit(f"MovieLens 100K not found at {folder}: pass its folder as the first argument.")
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")
    frames = load(folder)
    with tempfile.TemporaryDirectory() as folder_:
        path = Path(folder_) / "ml-100k.db"
        samples = [one_round(frames, path) for _ in range(rounds)]
        size = path.stat().st_size
    median = {what: statistics.median(s[what] for s in samples) for what in samples[0]}
    via_training = median["train"] + median["test"]
    via_snapshot = median["load"] + median["test after load"]
    print(f"{len(frames['Interactions'])} interactions, {len(frames['Items'])} items, {len(frames['Users'])} users; "
          f"snapshot {size / 1e6:.1f} MB; medians of {rounds} rounds")
    print(f"{'train: imports, training, campaign until ACTIVE':<52}{median['train']:8.2f} s")
    print(f"{'save: snapshot.save':<52}{median['save']:8.2f} s")
    print(f"{'load: snapshot.load into a fresh mock':<52}{median['load']:8.2f} s")
    print(f"{'the test (50 users GetRecommendations)':<52}{median['test']:8.2f} s  (after a load: {median['test after load']:.2f} s)")
    print(f"{'the test via training':<52}{via_training:8.2f} s  {via_training / via_snapshot:6.1f}x")
    print(f"{'the test via the snapshot':<52}{via_snapshot:8.2f} s  {1:6.1f}x")


if __name__ == "__main__":
    args = sys.argv[1:]
    main(Path(args[0]) if args else DEFAULT_DATA, *(int(a) for a in args[1:2]))
