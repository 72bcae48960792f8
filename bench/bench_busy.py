"""Calls served while models train: GetRecommendations and DescribeDataset over HTTP, idle and while two versions train.

One `personalize-local server` process; CLIENTS client processes (each its own boto3 client and interpreter),
half of them calling GetRecommendations (numResults 25, users in turn) of a campaign trained on MovieLens 100K
(ratings > 3), half DescribeDataset of its Interactions dataset, for SECONDS:
- idle: nothing trains;
- training: right after CreateSolutionVersion of an ml-100k version (ratings > 3, another group) and of a
  version on 1,000,000 generated interactions (bench_scale.py's generator), aws-user-personalization both.
Each call's requests/s and latency percentiles, the training window's against the idle one's. The server's CPU
time per call (warm-up calls included) shows what the trainings take from it.

Twice: with PERSONALIZE_LOCAL_TRAIN_PROCESS_FROM at its default (both trainings in worker processes), and with it
disabled (a number past both: both trainings in the server's own worker threads, as before), a server each.

Targets (issue 20): while both train, each call keeps >= 50% of its idle requests/s, with p99 <= 5x idle.

    .venv/bin/python bench/bench_busy.py [path/to/ml-100k] [--seconds 10] [--clients 4]
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.server import BUCKET, CREDENTIALS, NUM_RESULTS, WARMUP_CALLS, client, cpu_seconds, stop, timed_calls  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RECIPE = "arn:aws:personalize:::recipe/aws-user-personalization"
PROCESS_FROM_ENV = "PERSONALIZE_LOCAL_TRAIN_PROCESS_FROM"
MODES = {"default (20,000): trainings in worker processes": None, "disabled: trainings in the server's threads": str(10**12)}
CALLS = ("GetRecommendations", "DescribeDataset")
MIN_RPS_SHARE, MAX_P99_RATIO = 0.5, 5.0


# The server and its data -----------------------------------------------------------------------------------
def start_server(process_from: str | None) -> tuple[subprocess.Popen[str], str]:
    """`personalize-local server --port 0` with the variable set (or not); the endpoint it prints once it listens."""
    env = {**os.environ, **CREDENTIALS}
    env.pop(PROCESS_FROM_ENV, None)
    if process_from is not None:
        env[PROCESS_FROM_ENV] = process_from
    server = subprocess.Popen(
        [sys.executable, "-m", "personalize_local", "server", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT, env=env,
    )
    assert server.stdout is not None
    line = server.stdout.readline()
    if "serving on http://" not in line:
        raise SystemExit(f"the server did not start: {line!r}")
    return server, line.rsplit(" ", 1)[-1].strip()


@dataclass(frozen=True)
class World:
    campaign: str
    dataset: str
    users: list[str]
    solutions: dict[str, str]  # what each trains on -> its solution, not trained yet


def load_world(endpoint: str, data: dict[str, bytes]) -> World:
    """A campaign on the first data set (imported, trained and deployed over HTTP), and a group and a solution of
    each data set, imported, to train while the calls are measured."""
    from bench.bench_training import SCHEMA, wait_active
    s3, p = client("s3", endpoint), client("personalize", endpoint)
    s3.create_bucket(Bucket=BUCKET)
    schema = p.create_schema(name="bench", schema=SCHEMA)["schemaArn"]

    def group(name: str, body: bytes) -> tuple[str, str]:
        s3.put_object(Bucket=BUCKET, Key=f"{name}.csv", Body=body)
        group_arn = p.create_dataset_group(name=name)["datasetGroupArn"]
        wait_active(lambda: p.describe_dataset_group(datasetGroupArn=group_arn), "datasetGroup")
        dataset = p.create_dataset(name=name, schemaArn=schema, datasetGroupArn=group_arn, datasetType="Interactions")["datasetArn"]
        wait_active(lambda: p.describe_dataset(datasetArn=dataset), "dataset")
        job = p.create_dataset_import_job(jobName=name, datasetArn=dataset, dataSource={"dataLocation": f"s3://{BUCKET}/{name}.csv"})
        imported = wait_active(lambda: p.describe_dataset_import_job(datasetImportJobArn=job["datasetImportJobArn"]), "datasetImportJob")
        assert imported["status"] == "ACTIVE", imported.get("failureReason")
        return group_arn, dataset

    def solution(name: str, group_arn: str) -> str:
        arn = p.create_solution(name=name, datasetGroupArn=group_arn, recipeArn=RECIPE)["solutionArn"]
        wait_active(lambda: p.describe_solution(solutionArn=arn), "solution")
        return arn

    body = next(iter(data.values()))  # the campaign's data
    serving_group, dataset = group("serving", body)
    version = p.create_solution_version(solutionArn=solution("serving", serving_group))["solutionVersionArn"]
    trained = wait_active(lambda: p.describe_solution_version(solutionVersionArn=version), "solutionVersion")
    assert trained["status"] == "ACTIVE", trained.get("failureReason")
    campaign = p.create_campaign(name="serving", solutionVersionArn=version)["campaignArn"]
    wait_active(lambda: p.describe_campaign(campaignArn=campaign), "campaign")
    users = sorted({line.split(b",", 1)[0].decode() for line in body.splitlines()[1:]})
    solutions = {name: solution(f"train-{k}", group(f"train-{k}", rows)[0]) for k, (name, rows) in enumerate(data.items())}
    return World(campaign, dataset, users, solutions)


# Clients ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Load:
    call: str  # one of CALLS
    endpoint: str
    world: World
    seconds: float


def _caller(load: Load, offset: int) -> Callable[[int], Any]:
    if load.call == "DescribeDataset":
        personalize = client("personalize", load.endpoint)
        return lambda i: personalize.describe_dataset(datasetArn=load.world.dataset)
    runtime, users = client("personalize-runtime", load.endpoint), load.world.users
    return lambda i: runtime.get_recommendations(campaignArn=load.world.campaign, userId=users[(offset + i) % len(users)], numResults=NUM_RESULTS)


def _client_process(load: Load, offset: int, ready: Any, results: Any) -> None:
    os.environ.update(CREDENTIALS)
    results.put((load.call, timed_calls(_caller(load, offset * 7919), load.seconds, ready)))


@dataclass(frozen=True)
class Figures:
    rps: float
    p50_ms: float
    p99_ms: float
    calls: int


def measure(endpoint: str, world: World, clients: int, seconds: float, server_pid: int) -> tuple[dict[str, Figures], float | None]:
    """Half the clients on each call, all at once, for ``seconds``: each call's figures, and the server's CPU ms a call."""
    context = multiprocessing.get_context("spawn")  # each client its own interpreter, nothing inherited
    ready, queue = context.Barrier(clients), context.Queue()
    loads = [Load(CALLS[k % len(CALLS)], endpoint, world, seconds) for k in range(clients)]
    cpu_before = cpu_seconds(server_pid)
    workers = [context.Process(target=_client_process, args=(load, k, ready, queue)) for k, load in enumerate(loads)]
    for worker in workers:
        worker.start()
    results = [queue.get() for _ in workers]
    for worker in workers:
        worker.join()
    cpu_after = cpu_seconds(server_pid)
    figures = {}
    for call in CALLS:
        latencies = np.array([s for kind, result in results if kind == call for s in result]) * 1000
        figures[call] = Figures(len(latencies) / seconds, float(np.percentile(latencies, 50)), float(np.percentile(latencies, 99)), len(latencies))
    calls = sum(len(result) for _, result in results) + clients * WARMUP_CALLS
    cpu = None if cpu_before is None or cpu_after is None else (cpu_after - cpu_before) * 1000 / calls
    return figures, cpu


def statuses(endpoint: str, versions: dict[str, str]) -> dict[str, str]:
    """Each version's status as ListSolutionVersions shows it (a list never waits for the work)."""
    p = client("personalize", endpoint)
    found = {}
    for name, arn in versions.items():
        solution = arn.rsplit("/", 1)[0]
        found[name] = next(v["status"] for v in p.list_solution_versions(solutionArn=solution)["solutionVersions"] if v["solutionVersionArn"] == arn)
    return found


@dataclass(frozen=True)
class Run:
    idle: dict[str, Figures]
    busy: dict[str, Figures]
    idle_cpu: float | None
    busy_cpu: float | None
    after: dict[str, str]  # each training's status when the window ended


def run_mode(process_from: str | None, data: dict[str, bytes], clients: int, seconds: float) -> Run:
    server, endpoint = start_server(process_from)
    try:
        world = load_world(endpoint, data)
        idle, idle_cpu = measure(endpoint, world, clients, seconds, server.pid)
        p = client("personalize", endpoint)
        versions = {name: p.create_solution_version(solutionArn=solution)["solutionVersionArn"] for name, solution in world.solutions.items()}
        busy, busy_cpu = measure(endpoint, world, clients, seconds, server.pid)
        after = statuses(endpoint, versions)
    finally:
        stop(server)  # its trainings with it
    return Run(idle, busy, idle_cpu, busy_cpu, after)


# Report ----------------------------------------------------------------------------------------------------
def main() -> None:
    from bench.bench_training import DEFAULT_DATA, load
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_DATA, help="MovieLens 100K")
    parser.add_argument("--seconds", type=float, default=10.0, help="each window's length (default 10)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent client processes, half on each call (default 4)")
    args = parser.parse_args()
    if not (args.folder / "u.data").exists():
        sys.exit(f"MovieLens 100K not found at {args.folder}: pass its folder as the first argument.")
    os.environ.update(CREDENTIALS)

    from bench.bench_scale import generate
    movielens = load(args.folder)
    generated = generate(1_000_000)[0][["USER_ID", "ITEM_ID", "TIMESTAMP"]]  # the interactions; bench_training's schema
    data = {
        f"ml-100k ({len(movielens):,} interactions)": movielens.to_csv(index=False).encode(),
        f"generated ({len(generated):,} interactions)": generated.to_csv(index=False).encode(),
    }
    load_before = os.getloadavg()
    runs = {mode: run_mode(process_from, data, args.clients, args.seconds) for mode, process_from in MODES.items()}
    load_after = os.getloadavg()

    print(f"{args.clients} client processes ({args.clients // 2} a call), {args.seconds:.0f} s a window; trainings: "
          f"{', '.join(data)}, aws-user-personalization; load average {load_before[0]:.1f} before, {load_after[0]:.1f} after\n")
    print("| trainings | call | idle requests/s | training requests/s | share of idle | idle p99 ms | training p99 ms | p99 / idle |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    verdicts = []
    for mode, run in runs.items():
        for call in CALLS:
            idle, busy = run.idle[call], run.busy[call]
            share, ratio = busy.rps / idle.rps, busy.p99_ms / idle.p99_ms
            print(f"| {mode} | {call} | {idle.rps:.0f} | {busy.rps:.0f} | {share:.0%} | {idle.p99_ms:.1f} | {busy.p99_ms:.1f} | {ratio:.2f}x |")
            verdicts.append((share >= MIN_RPS_SHARE and ratio <= MAX_P99_RATIO, f"{mode}, {call}: {share:.0%} of idle requests/s "
                             f"(target >= {MIN_RPS_SHARE:.0%}), p99 {ratio:.2f}x idle (target <= {MAX_P99_RATIO:.0f}x)"))
    print()
    for mode, run in runs.items():
        cpu = lambda ms: "-" if ms is None else f"{ms:.2f}"  # noqa: E731
        print(f"{mode}: server CPU {cpu(run.idle_cpu)} ms a call idle, {cpu(run.busy_cpu)} ms while training; "
              f"at the window's end: {'; '.join(f'{name} {status}' for name, status in run.after.items())}")
    print()
    for ok, text in verdicts:
        print(f"{'PASS' if ok else 'FAIL'}  {text}")
    print(json.dumps({mode: {"idle": {c: f.__dict__ for c, f in run.idle.items()}, "busy": {c: f.__dict__ for c, f in run.busy.items()},
                             "idle_cpu_ms": run.idle_cpu, "busy_cpu_ms": run.busy_cpu, "after": run.after} for mode, run in runs.items()}))


if __name__ == "__main__":
    main()
