"""GetRecommendations over HTTP: one `personalize-local server` process, concurrent boto3 clients.

- start: from Popen of `python -m personalize_local server --port N` to the first ListRecipes answered
  (the client made beforehand; median of a few starts);
- a campaign on MovieLens 100K (ratings > 3; generated tastes when the folder is missing), loaded over
  HTTP with boto3 as any user would;
- CLIENTS concurrent clients for SECONDS each: GetRecommendations (numResults 25, users in turn),
  beside S3 HeadBucket answered by moto through the same server and port, and by a plain
  `moto_server` process: requests/s and latency percentiles, the clients as processes (each its
  own boto3 client and interpreter), then as threads of one process (sharing one GIL: the
  client's own cost shows in the HeadBucket rows); and GetRecommendations from clients that cost
  next to nothing (http.client replaying one signed request), for what the server itself can do,
  and its health check from the same, for what HTTP costs it.
  Each row also gives the server process's CPU time per call: the machine has 2 cores, shared by
  the server and its clients.

Targets: GetRecommendations at >= 500 requests/s with p99 <= 20 ms from 4 clients; start <= 2 s; and
(issue 20) at least MOTO_RATIO times the requests/s of a plain moto_server's HeadBucket from the same
4 client processes in the same run.

    .venv/bin/python bench/server.py [path/to/ml-100k] [--seconds 10] [--clients 4]
"""
from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

import boto3
import numpy as np
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

REGION = "us-east-1"
BUCKET = "bench"
RECIPE = "arn:aws:personalize:::recipe/aws-user-personalization"
TARGET_RPS, TARGET_P99_MS, TARGET_START_S = 500.0, 20.0, 2.0
MOTO_RATIO = 2.0
STARTS = 5
HEALTH = "/personalize-local/health"  # the server's own cheapest answer
WARMUP_CALLS = 20
NUM_RESULTS = 25
CLIENT_CONFIG = Config(retries={"total_max_attempts": 1}, max_pool_connections=4)
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": REGION}


def client(service: str, endpoint: str) -> Any:
    return boto3.Session(region_name=REGION).client(service, endpoint_url=endpoint, config=CLIENT_CONFIG)


# Servers -------------------------------------------------------------------------------------------------
def start_server() -> tuple[subprocess.Popen[str], str]:
    """`personalize-local server --port 0`, its log to nowhere; the endpoint it prints once it listens."""
    server = subprocess.Popen(
        [sys.executable, "-m", "personalize_local", "server", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=Path(__file__).resolve().parents[1],
    )
    line = server.stdout.readline()
    if "serving on http://" not in line:
        raise SystemExit(f"the server did not start: {line!r}")
    return server, line.rsplit(" ", 1)[-1].strip()


def stop(server: subprocess.Popen[str]) -> None:
    server.terminate()
    server.wait(timeout=60)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_seconds() -> list[float]:
    """Popen to the first ListRecipes answered (the client made beforehand, asking every 10 ms), for each of STARTS starts."""
    seconds = []
    for _ in range(STARTS):
        port = free_port()
        personalize = client("personalize", f"http://127.0.0.1:{port}")
        begun = time.perf_counter()
        server = subprocess.Popen(
            [sys.executable, "-m", "personalize_local", "server", "--port", str(port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=Path(__file__).resolve().parents[1],
        )
        while True:
            try:
                personalize.list_recipes()
                break
            except EndpointConnectionError:
                time.sleep(0.01)
        seconds.append(time.perf_counter() - begun)
        stop(server)
    return seconds


def start_moto_server() -> tuple[subprocess.Popen[bytes], str] | None:
    """A plain `moto_server` on a free port, answering once it has a bucket; None if it is not installed."""
    command = shutil.which("moto_server", path=str(Path(sys.executable).parent)) or shutil.which("moto_server")
    if command is None:
        return None
    port = free_port()
    server = subprocess.Popen([command, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    s3 = client("s3", endpoint)
    for _ in range(200):
        try:
            s3.create_bucket(Bucket=BUCKET)
            return server, endpoint
        except Exception:
            time.sleep(0.05)
    stop(server)  # type: ignore[arg-type]
    return None


# Data ---------------------------------------------------------------------------------------------------
def interactions_csv(folder: Path) -> tuple[bytes, list[str], str]:
    """The interactions as CSV, their users, and what they are."""
    from bench.bench_training import load  # pandas and the emulator: not for the clients' processes
    if (folder / "u.data").exists():
        frame = load(folder)
        return frame.to_csv(index=False).encode(), sorted(frame["USER_ID"].unique()), f"MovieLens 100K from {folder}"
    rng = np.random.default_rng(0)
    rows, users = ["USER_ID,ITEM_ID,TIMESTAMP"], [f"user-{u}" for u in range(900)]
    for u, user in enumerate(users):
        taste = u % 10
        for k in range(60):
            item = taste * 150 + min(int(rng.exponential(20)), 149) if rng.random() < 0.9 else int(rng.integers(1500))
            rows.append(f"{user},item-{item},{1_600_000_000 + u * 100 + k}")
    return ("\n".join(rows) + "\n").encode(), users, "generated: 900 users, 1,500 items, 54,000 interactions"


def load_campaign(endpoint: str, body: bytes) -> str:
    """Import, train and deploy over HTTP; the campaign's ARN."""
    from bench.bench_training import SCHEMA, wait_active
    s3, p = client("s3", endpoint), client("personalize", endpoint)
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="interactions.csv", Body=body)
    schema = p.create_schema(name="bench", schema=SCHEMA)["schemaArn"]
    group = p.create_dataset_group(name="bench")["datasetGroupArn"]
    wait_active(lambda: p.describe_dataset_group(datasetGroupArn=group), "datasetGroup")
    dataset = p.create_dataset(name="bench", schemaArn=schema, datasetGroupArn=group, datasetType="Interactions")["datasetArn"]
    wait_active(lambda: p.describe_dataset(datasetArn=dataset), "dataset")
    job = p.create_dataset_import_job(jobName="bench", datasetArn=dataset, dataSource={"dataLocation": f"s3://{BUCKET}/interactions.csv"})
    assert wait_active(lambda: p.describe_dataset_import_job(datasetImportJobArn=job["datasetImportJobArn"]), "datasetImportJob")["status"] == "ACTIVE"
    solution = p.create_solution(name="bench", datasetGroupArn=group, recipeArn=RECIPE)["solutionArn"]
    wait_active(lambda: p.describe_solution(solutionArn=solution), "solution")
    version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    assert wait_active(lambda: p.describe_solution_version(solutionVersionArn=version), "solutionVersion")["status"] == "ACTIVE"
    campaign = p.create_campaign(name="bench", solutionVersionArn=version)["campaignArn"]
    assert wait_active(lambda: p.describe_campaign(campaignArn=campaign), "campaign")["status"] == "ACTIVE"
    return campaign


# Clients ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Load:
    """What each client calls, where, and for how long."""

    call: str  # "recommend", "recommend_raw", "health" or "head_bucket"
    endpoint: str
    campaign: str
    users: list[str]
    seconds: float


def _caller(load: Load, offset: int) -> Callable[[int], Any]:
    users = load.users
    if load.call == "head_bucket":
        s3 = client("s3", load.endpoint)
        return lambda i: s3.head_bucket(Bucket=BUCKET)
    if load.call == "health":
        return _raw_health(load)
    runtime = client("personalize-runtime", load.endpoint)
    if load.call == "recommend":
        return lambda i: runtime.get_recommendations(campaignArn=load.campaign, userId=users[(offset + i) % len(users)], numResults=NUM_RESULTS)
    return _raw_recommend(runtime, load, offset)


def _raw_health(load: Load) -> Callable[[int], Any]:
    """GET /personalize-local/health on one kept-open connection: what HTTP and the app's wrapper cost."""
    url = urlsplit(load.endpoint)
    connection = http.client.HTTPConnection(url.hostname, url.port)

    def call(i: int) -> None:
        connection.request("GET", HEALTH)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"health answered {response.status}")

    return call


def _raw_recommend(runtime: Any, load: Load, offset: int) -> Callable[[int], Any]:
    """GetRecommendations as boto3 signs it once, replayed on one kept-open connection with http.client
    (the user changed in the body; the emulator checks no signatures): the server's cost with a client
    that costs next to nothing."""
    sent: list[Any] = []
    runtime.meta.events.register("before-send", lambda request, **_: sent.append(request))
    runtime.get_recommendations(campaignArn=load.campaign, userId=load.users[0], numResults=NUM_RESULTS)
    request = sent[0]
    url = urlsplit(request.url)
    headers = {k: v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items() if k.lower() != "content-length"}
    connection = http.client.HTTPConnection(url.hostname, url.port)
    bodies = [json.dumps({"campaignArn": load.campaign, "userId": user, "numResults": NUM_RESULTS}).encode() for user in load.users]

    def call(i: int) -> None:
        connection.request("POST", url.path, body=bodies[(offset + i) % len(bodies)], headers=headers)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"GetRecommendations answered {response.status}")

    return call


def hammer(load: Load, offset: int, ready: Any) -> list[float]:
    """Warm up, wait for every client to be ready, then call for the load's seconds; each call's seconds."""
    return timed_calls(_caller(load, offset * 7919), load.seconds, ready)


def timed_calls(call: Callable[[int], Any], seconds: float, ready: Any) -> list[float]:
    """Warm ``call`` up, wait for ``ready`` (every client warm), then call it for ``seconds``; each call's seconds."""
    for i in range(WARMUP_CALLS):
        call(i)
    ready.wait()
    stop_at = time.perf_counter() + seconds
    latencies, i = [], 0
    while (begun := time.perf_counter()) < stop_at:
        call(i)
        latencies.append(time.perf_counter() - begun)
        i += 1
    return latencies


def _client_process(load: Load, offset: int, ready: Any, results: Any) -> None:
    os.environ.update(CREDENTIALS)
    results.put(hammer(load, offset, ready))


@dataclass(frozen=True)
class Figures:
    rps: float
    p50_ms: float
    p99_ms: float
    calls: int
    server_cpu_ms: float | None  # the server process's CPU time per call, warm-up calls included


def cpu_seconds(pid: int) -> float | None:
    """A process's user + system CPU time (Linux's /proc), None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_load(
    call: str, endpoint: str, server_pid: int, campaign: str, users: list[str], clients: int, seconds: float, processes: bool
) -> Figures:
    load = Load(call, endpoint, campaign, users, seconds)
    cpu_before = cpu_seconds(server_pid)
    if processes:  # spawned: each client its own interpreter, nothing inherited
        context = multiprocessing.get_context("spawn")
        ready, queue = context.Barrier(clients), context.Queue()
        workers = [context.Process(target=_client_process, args=(load, k, ready, queue)) for k in range(clients)]
        for worker in workers:
            worker.start()
        results = [queue.get() for _ in workers]
        for worker in workers:
            worker.join()
    else:
        ready = threading.Barrier(clients)
        with ThreadPoolExecutor(clients) as threads:
            results = list(threads.map(lambda k: hammer(load, k, ready), range(clients)))
    cpu_after = cpu_seconds(server_pid)
    latencies = np.array([s for result in results for s in result]) * 1000
    calls = len(latencies) + clients * (WARMUP_CALLS + (call == "recommend_raw"))
    server_cpu = None if cpu_before is None or cpu_after is None else (cpu_after - cpu_before) * 1000 / calls
    return Figures(len(latencies) / seconds, float(np.percentile(latencies, 50)), float(np.percentile(latencies, 99)), len(latencies), server_cpu)


# Report -------------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    from bench.bench_training import DEFAULT_DATA

    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_DATA, help="MovieLens 100K (else generated data)")
    parser.add_argument("--seconds", type=float, default=10.0, help="each load's length (default 10)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients (default 4)")
    args = parser.parse_args()
    os.environ.update(CREDENTIALS)

    starts = start_seconds()
    body, users, what = interactions_csv(args.folder)
    server, endpoint = start_server()
    moto = None
    try:
        began = time.perf_counter()
        campaign = load_campaign(endpoint, body)
        loaded = time.perf_counter() - began
        moto = start_moto_server()
        rows: list[tuple[str, str, Figures]] = []
        for processes in (True, False):
            kind = f"{args.clients} processes" if processes else f"{args.clients} threads of one process"
            rows.append((kind, "GetRecommendations (personalize-local server)",
                         run_load("recommend", endpoint, server.pid, campaign, users, args.clients, args.seconds, processes)))
            rows.append((kind, "S3 HeadBucket (moto, through the same server)",
                         run_load("head_bucket", endpoint, server.pid, campaign, users, args.clients, args.seconds, processes)))
            if moto is not None:
                rows.append((kind, "S3 HeadBucket (plain moto_server)",
                             run_load("head_bucket", moto[1], moto[0].pid, campaign, users, args.clients, args.seconds, processes)))
        rows.append((f"{args.clients} processes, http.client", "GetRecommendations (personalize-local server), signed once and replayed",
                     run_load("recommend_raw", endpoint, server.pid, campaign, users, args.clients, args.seconds, True)))
        rows.append((f"{args.clients} processes, http.client", f"GET {HEALTH} (personalize-local server)",
                     run_load("health", endpoint, server.pid, campaign, users, args.clients, args.seconds, True)))
    finally:
        stop(server)
        if moto is not None:
            stop(moto[0])  # type: ignore[arg-type]

    print(f"data: {what}; campaign loaded over HTTP in {loaded:.1f} s; {args.seconds:.0f} s per load; load average "
          f"{os.getloadavg()[0]:.1f}\n")
    print(f"server start to first ListRecipes answer: median {statistics.median(starts):.2f} s "
          f"({min(starts):.2f}-{max(starts):.2f}, {STARTS} starts)\n")
    print("| clients | call | requests/s | p50 ms | p99 ms | server CPU ms/call | calls |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for kind, call, f in rows:
        cpu = "-" if f.server_cpu_ms is None else f"{f.server_cpu_ms:.2f}"
        print(f"| {kind} | {call} | {f.rps:.0f} | {f.p50_ms:.1f} | {f.p99_ms:.1f} | {cpu} | {f.calls} |")
    recommend = rows[0][2]
    verdicts = [
        (recommend.rps >= TARGET_RPS, f"GetRecommendations >= {TARGET_RPS:.0f} requests/s ({recommend.rps:.0f})"),
        (recommend.p99_ms <= TARGET_P99_MS, f"p99 <= {TARGET_P99_MS:.0f} ms ({recommend.p99_ms:.1f})"),
        (statistics.median(starts) <= TARGET_START_S, f"start <= {TARGET_START_S:.0f} s ({statistics.median(starts):.2f})"),
    ]
    plain_moto = [f for kind, call, f in rows if kind == rows[0][0] and "plain moto_server" in call]
    if plain_moto:
        ratio = recommend.rps / plain_moto[0].rps
        verdicts.append((ratio >= MOTO_RATIO, f"GetRecommendations >= {MOTO_RATIO:g}x a plain moto_server's HeadBucket ({ratio:.2f}x)"))
    print()
    for ok, text in verdicts:
        print(f"{'PASS' if ok else 'FAIL'}  {text}")
    print(json.dumps({"rows": [{"clients": k, "call": c, **f.__dict__} for k, c, f in rows], "starts": starts}))


if __name__ == "__main__":
    main()
