"""`personalize-local server --data-dir`: start and restart times, PutEvents over HTTP with and without it,
and how writes hold up as the stored data grows.

- start to first answer: `personalize-local server` started until its first ListDatasetGroups answer,
  with no data directory and with an empty one;
- restart: a data directory holding an ml-100k world (bench_filters.py's group: 100,000 ratings, the
  Items and Users datasets, one aws-user-personalization campaign, built over HTTP), the server
  stopped, then started again until its first successful GetRecommendations;
- PutEvents per second over HTTP (boto3, one event a call, one thread) against a server without and
  with a data directory, in alternating rounds.
Prints the medians of the rounds.

    .venv/bin/python bench/bench_durable.py [path/to/ml-100k] [rounds] [put-events-per-round]

``growth`` measures, for an ml-100k world (bench_filters.py's group and campaign) holding 0, 100,000
and 1,000,000 recorded events, each served by one server with a data directory and one without
(its state loaded from a snapshot of the same world):

- CreateDatasetGroup and DeleteDatasetGroup p50 over HTTP, in alternating rounds;
- GetRecommendations p99 idle, and during a write-heavy minute: another process creating and deleting
  dataset groups and sending PutEvents (10 events a call), 20 rounds a second and as fast as it
  can (on a 2-core machine a fast writer takes CPU from the server: compare the two servers);
- at the largest size, the data-directory server's RSS through a mixed soak (the writer at 20 rounds a
  second, and GetRecommendations), sampled every 5 seconds: after the first minute (warm-up), and at its highest after.

    .venv/bin/python bench/bench_durable.py growth [path/to/ml-100k] [sizes, e.g. 0,100000,1000000] [write seconds] [soak seconds] [paces, e.g. 20,0]
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


# Growth -----------------------------------------------------------------------------------------
ACCOUNT, REGION = "123456789012", "us-east-1"
EVENTS_PER_CALL = 10
# The writer's paces in a write-heavy minute, rounds a second (0: flat out). A round is a create, a PutEvents
# of 10 events, a delete and a list: 20 rounds a second are 60 control-plane writes and 200 events a second.
PACES = (20.0, 0.0)


def record_events(tracking_id: str, count: int, users: int = 20_000, items: int = 1682) -> None:
    """``count`` distinct events, recorded in-process straight through the backend (the wire's checks are the calls')."""
    from datetime import datetime, timedelta, timezone

    from personalize_local.backend import backend_for

    backend = backend_for(ACCOUNT, REGION)
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    for first in range(0, count, 1000):
        batch = range(first, min(count, first + 1000))
        by_user: dict[str, list[dict[str, Any]]] = {}
        for i in batch:
            by_user.setdefault(f"e{(i // 50) % users}", []).append(
                {"eventType": "watch", "itemId": str(1 + (i * 7919) % items), "sentAt": start + timedelta(seconds=i)}
            )
        for user, events in by_user.items():
            with backend.serving():
                backend.event_trackers.put_events(tracking_id=tracking_id, session_id=f"s-{user}", event_list=events, user_id=user)


def build_worlds(folder: Path, scratch: Path, sizes: list[int]) -> dict[str, Any]:
    """For each size: a snapshot file and a data directory of the ml-100k world with that many recorded events."""
    from personalize_local import mock_personalize, snapshot
    from personalize_local.durable import DataDir

    frames = load(folder)
    with mock_personalize():
        clients = {name: boto3.client(name, region_name=REGION) for name in ("personalize", "s3")}
        campaign, group = setup(clients["personalize"], clients["s3"], frames)
        tracker = clients["personalize"].create_event_tracker(name="events", datasetGroupArn=group)
        wait_active(lambda: clients["personalize"].describe_event_tracker(eventTrackerArn=tracker["eventTrackerArn"])["eventTracker"])
        snapshot.save(scratch / "base.db")
    for size in sizes:
        data_dir = DataDir(scratch / f"data-{size}")
        with mock_personalize():
            data_dir.open()
            snapshot.load(scratch / "base.db")
            record_events(tracker["trackingId"], size)
            snapshot.save(scratch / f"world-{size}.db")
            data_dir.close()
    return {"campaign": campaign, "tracking_id": tracker["trackingId"]}


def restore_into(server: Server, path: Path) -> None:
    import urllib.request

    request = urllib.request.Request(
        f"http://127.0.0.1:{server.port}/personalize-local/restore", data=path.read_bytes(), method="POST",
        headers={"Content-Type": "application/vnd.sqlite3"},
    )
    urllib.request.urlopen(request, timeout=600).read()


def create_delete_times(server: Server, pairs: int, prefix: str) -> tuple[list[float], list[float]]:
    p = server.clients["personalize"]
    creates, deletes = [], []
    for i in range(pairs):
        started = time.perf_counter()
        arn = p.create_dataset_group(name=f"{prefix}-{i}")["datasetGroupArn"]
        creates.append(time.perf_counter() - started)
        started = time.perf_counter()
        p.delete_dataset_group(datasetGroupArn=arn)
        deletes.append(time.perf_counter() - started)
        p.list_dataset_groups()
    return creates, deletes


def recommendation_times(server: Server, campaign: str, seconds: float, limit: int = 1_000_000) -> list[float]:
    runtime = server.clients["personalize-runtime"]
    found: list[float] = []
    ends = time.perf_counter() + seconds
    i = 0
    while time.perf_counter() < ends and len(found) < limit:
        started = time.perf_counter()
        runtime.get_recommendations(campaignArn=campaign, userId=str(1 + i % 943))
        found.append(time.perf_counter() - started)
        i += 1
    return found


def write_heavy(port: int, tracking_id: str, seconds: float, pace: float = 0.0) -> None:
    """Another process: create and delete dataset groups and send PutEvents for ``seconds``: ``pace`` rounds a
    second (each a create, a PutEvents of 10 events, a delete and a list), or as fast as it can (0)."""
    endpoint = f"http://127.0.0.1:{port}"
    p = boto3.client("personalize", endpoint_url=endpoint, region_name=REGION, config=NO_RETRIES)
    events = boto3.client("personalize-events", endpoint_url=endpoint, region_name=REGION, config=NO_RETRIES)
    begun = time.perf_counter()
    ends, i = begun + seconds, 0
    while time.perf_counter() < ends:
        if pace and (ahead := begun + i / pace - time.perf_counter()) > 0:
            time.sleep(ahead)
        arn = p.create_dataset_group(name=f"w-{os.getpid()}-{i}")["datasetGroupArn"]
        events.put_events(trackingId=tracking_id, userId=f"w{i % 500}", sessionId=f"w{i % 500}", eventList=[
            {"eventType": "watch", "itemId": str(1 + (i * 31 + k) % 1682), "sentAt": 1_800_000_000 + i * 10 + k} for k in range(EVENTS_PER_CALL)
        ])
        p.delete_dataset_group(datasetGroupArn=arn)
        p.list_dataset_groups()
        i += 1


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def growth(
    folder: Path, sizes: list[int], write_seconds: float, soak_seconds: float, paces: tuple[float, ...] = PACES, pairs: int = 40, rounds: int = 3
) -> None:
    import multiprocessing

    if not (folder / "u.data").exists():
        sys.exit(f"MovieLens 100K not found at {folder}: pass its folder as the first argument.")
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION=REGION)
    scratch = Path(tempfile.mkdtemp(prefix="bench-growth-"))
    rows = []
    try:
        built = time.perf_counter()
        world = build_worlds(folder, scratch, sizes)
        print(f"worlds built in-process in {time.perf_counter() - built:.0f} s", flush=True)
        for size in sizes:
            servers = {"without": Server(), "with": Server("--data-dir", str(scratch / f"data-{size}"))}
            for server in servers.values():
                server.start(list_groups)
            restore_into(servers["without"], scratch / f"world-{size}.db")
            times: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in servers}
            for r in range(rounds):
                for name, server in servers.items():
                    created, deleted = create_delete_times(server, pairs, f"b{r}")
                    times[name][0].extend(created)
                    times[name][1].extend(deleted)
            recommending = {}
            for name, server in servers.items():
                recommendation_times(server, world["campaign"], 2)  # warm
                idle = recommendation_times(server, world["campaign"], write_seconds / 2)
                for pace in paces:
                    writer = multiprocessing.Process(target=write_heavy, args=(server.port, world["tracking_id"], write_seconds, pace))
                    writer.start()
                    busy = recommendation_times(server, world["campaign"], write_seconds)
                    writer.join()
                    recommending[(name, pace)] = (idle, busy)
            soak = None
            if size == max(sizes) and soak_seconds > 0:
                server = servers["with"]
                assert server.process is not None
                writer = multiprocessing.Process(target=write_heavy, args=(server.port, world["tracking_id"], soak_seconds, paces[0]))
                writer.start()
                samples, ends = [], time.perf_counter() + soak_seconds
                while time.perf_counter() < ends:
                    recommendation_times(server, world["campaign"], 5)
                    samples.append((soak_seconds - (ends - time.perf_counter()), rss_mb(server.process.pid)))
                writer.join()
                warm = [mb for at, mb in samples if at <= 60][-1]
                soak = (warm, max(mb for at, mb in samples if at > 60), samples[-1][1])
            for server in servers.values():
                server.stop()
            rows.append((size, times, recommending, soak))
            print(f"size {size} done", flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    print(f"\n| stored events | call | without --data-dir p50 | with p50 | ratio (target <= 3x) |")
    print("|---:|---|---:|---:|---:|")
    for size, times, _, _ in rows:
        for index, call in enumerate(("CreateDatasetGroup", "DeleteDatasetGroup")):
            base, kept = statistics.median(times["without"][index]) * 1000, statistics.median(times["with"][index]) * 1000
            print(f"| {size:,} | {call} | {base:.2f} ms | {kept:.2f} ms | {kept / base:.2f}x |")
    print(f"\n| stored events | server | writer | GetRecommendations p99 idle | p99 in a write-heavy {write_seconds:.0f} s | ratio (target <= 2x) | calls (idle, busy) |")
    print("|---:|---|---|---:|---:|---:|---:|")
    for size, _, recommending, _ in rows:
        for (name, pace), (idle, busy) in recommending.items():
            writer = f"{pace:.0f} rounds/s" if pace else "flat out"
            print(f"| {size:,} | {name} --data-dir | {writer} | {p(idle, 0.99):.2f} ms | {p(busy, 0.99):.2f} ms | "
                  f"{p(busy, 0.99) / p(idle, 0.99):.2f}x | {len(idle)}, {len(busy)} |")
    for size, _, _, soak in rows:
        if soak is not None:
            warm, highest, last = soak
            print(f"\nRSS of the --data-dir server through a {soak_seconds:.0f} s mixed soak at {size:,} events: {warm:.0f} MB after "
                  f"the first minute, at most {highest:.0f} MB after it ({(highest / warm - 1) * 100:+.1f}%), {last:.0f} MB at the end.")


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


if __name__ == "__main__" and sys.argv[1:2] == ["growth"]:
    growth(
        Path(sys.argv[2]) if len(sys.argv) > 2 else DEFAULT_DATA,
        [int(n) for n in sys.argv[3].split(",")] if len(sys.argv) > 3 else [0, 100_000, 1_000_000],
        float(sys.argv[4]) if len(sys.argv) > 4 else 60.0,
        float(sys.argv[5]) if len(sys.argv) > 5 else 300.0,
        tuple(float(n) for n in sys.argv[6].split(",")) if len(sys.argv) > 6 else PACES,
    )
elif __name__ == "__main__":
    main(
        Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DATA,
        int(sys.argv[2]) if len(sys.argv) > 2 else 3,
        int(sys.argv[3]) if len(sys.argv) > 3 else 500,
    )
