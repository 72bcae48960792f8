"""`personalize-local server --data-dir`: start and restart times, and PutEvents over HTTP with and without it.

- start to first answer: `personalize-local server` started until its first ListDatasetGroups answer,
  with no data directory and with an empty one;
- restart: a data directory holding an ml-100k world (bench_filters.py's group: 100,000 ratings, the
  Items and Users datasets, one aws-user-personalization campaign, built over HTTP), the server
  stopped, then started again until its first successful GetRecommendations;
- PutEvents per second over HTTP (boto3, one event a call, one thread) against a server without and
  with a data directory, in alternating rounds.
Prints the medians of the rounds.

    .venv/bin/python bench/bench_durable.py [path/to/ml-100k] [rounds] [put-events-per-round]
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import boto3
from botocore.config import Config

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_filters import DEFAULT_DATA, SCHEMAS, load, setup, wait_active  # noqa: E402

NO_RETRIES = Config(retries={"total_max_attempts": 1})


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """`python -m personalize_local server` on a free port, with boto3 clients made before it starts."""

    def __init__(self, *args: str) -> None:
        self.args = args
        self.port = free_port()
        endpoint = f"http://127.0.0.1:{self.port}"
        self.clients = {name: boto3.client(name, endpoint_url=endpoint, config=NO_RETRIES) for name in ("personalize", "personalize-events", "personalize-runtime", "s3")}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, first: Callable[[dict[str, Any]], Any]) -> float:
        """Seconds from starting the process to the first successful ``first(clients)``."""
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "personalize_local", "server", "--port", str(self.port), *self.args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        while True:
            try:
                first(self.clients)
                return time.perf_counter() - started
            except Exception:
                if self.process.poll() is not None:
                    raise RuntimeError(f"the server exited with {self.process.returncode}") from None
                time.sleep(0.005)

    def stop(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(120)


def list_groups(clients: dict[str, Any]) -> Any:
    return clients["personalize"].list_dataset_groups()


def tracked_group(p: Any) -> str:
    """A dataset group with an Interactions dataset and an event tracker: its tracking ID."""
    group = p.create_dataset_group(name="events")["datasetGroupArn"]
    wait_active(lambda: p.describe_dataset_group(datasetGroupArn=group)["datasetGroup"])
    schema = p.create_schema(name="events", schema=SCHEMAS["Interactions"])["schemaArn"]
    dataset = p.create_dataset(name="events", schemaArn=schema, datasetGroupArn=group, datasetType="Interactions")["datasetArn"]
    wait_active(lambda: p.describe_dataset(datasetArn=dataset)["dataset"])
    tracker = p.create_event_tracker(name="events", datasetGroupArn=group)
    wait_active(lambda: p.describe_event_tracker(eventTrackerArn=tracker["eventTrackerArn"])["eventTracker"])
    return str(tracker["trackingId"])


def put_events_per_second(server: Server, tracking_id: str, count: int, offset: int) -> float:
    events = server.clients["personalize-events"]
    started = time.perf_counter()
    for i in range(offset, offset + count):
        events.put_events(trackingId=tracking_id, userId=f"u{i % 50}", sessionId="s", eventList=[{"eventType": "Watch", "itemId": str(i % 1000), "sentAt": 1_700_000_000 + i}])
    return count / (time.perf_counter() - started)


def main(folder: Path = DEFAULT_DATA, rounds: int = 3, put_events: int = 500) -> None:
    if not (folder / "u.data").exists():
        sys.exit(f"MovieLens 100K not found at {folder}: pass its folder as the first argument.")
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")
    frames = load(folder)
    scratch = Path(tempfile.mkdtemp(prefix="bench-durable-"))
    try:
        times: dict[str, list[float]] = {"start, no data dir": [], "start, empty data dir": [], "restart, ml-100k data dir": []}
        for r in range(rounds):
            for name, args in (("start, no data dir", ()), ("start, empty data dir", ("--data-dir", str(scratch / f"empty-{r}")))):
                server = Server(*args)
                times[name].append(server.start(list_groups))
                server.stop()

        world = Server("--data-dir", str(scratch / "ml-100k"))
        world.start(list_groups)
        built = time.perf_counter()
        campaign, _ = setup(world.clients["personalize"], world.clients["s3"], frames)
        built = time.perf_counter() - built
        world.stop()
        size = sum(f.stat().st_size for f in (scratch / "ml-100k").iterdir()) / 1e6
        recommend = lambda clients: clients["personalize-runtime"].get_recommendations(campaignArn=campaign, userId="1")  # noqa: E731
        for _ in range(rounds):
            times["restart, ml-100k data dir"].append(world.start(recommend))
            world.stop()

        rates: dict[str, list[float]] = {"without --data-dir": [], "with --data-dir": []}
        servers = {"without --data-dir": Server(), "with --data-dir": Server("--data-dir", str(scratch / "events"))}
        trackers = {}
        for name, server in servers.items():
            server.start(list_groups)
            trackers[name] = tracked_group(server.clients["personalize"])
        for r in range(rounds):
            for name, server in servers.items():
                rates[name].append(put_events_per_second(server, trackers[name], put_events, r * put_events))
        for server in servers.values():
            server.stop()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    print(f"ml-100k world built over HTTP in {built:.1f} s; its data directory: {size:.1f} MB")
    print("| what | seconds (median of %d) |" % rounds)
    print("|---|---:|")
    for name, values in times.items():
        print(f"| {name} to first answer | {statistics.median(values):.2f} |")
    base = statistics.median(rates["without --data-dir"])
    print(f"\n| PutEvents over HTTP ({put_events} calls x {rounds} rounds) | calls/s | ratio |")
    print("|---|---:|---:|")
    for name, values in rates.items():
        print(f"| {name} | {statistics.median(values):.0f} | {statistics.median(values) / base:.2f}x |")


if __name__ == "__main__":
    main(
        Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DATA,
        int(sys.argv[2]) if len(sys.argv) > 2 else 3,
        int(sys.argv[3]) if len(sys.argv) > 3 else 500,
    )
