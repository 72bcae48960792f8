"""aws-user-personalization on a generated million interactions, through the API: time, peak memory, and
whether the API keeps answering meanwhile.

The data (fixed seed): 1,000,000 interactions of 100,000 users with 20,000 items. Item popularity
follows a power law (Zipf, exponent 1); each user favours one of 50 item clusters (70% of their
interactions) and their activity is log-normal (10 interactions on average, at least 1).

Each figure comes from a child process of its own, so its peak resident memory (ru_maxrss) is its
own. In one run, side by side:
- api: import the CSV through an import job, then CreateSolutionVersion until
  DescribeSolutionVersion says ACTIVE (evaluation metrics included) and GetSolutionMetrics;
  meanwhile a second thread keeps calling DescribeDataset, and GetRecommendations of a campaign
  trained earlier on 1% of the users, and the latencies of those calls are compared with the
  same calls made when nothing trains;
- recipe: the same evaluation and training called directly (the work the API cannot avoid).

    .venv/bin/python bench/bench_scale.py
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

import boto3
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from personalize_local import mock_personalize  # noqa: E402
from personalize_local.eval import evaluate  # noqa: E402
from personalize_local.recipes import USER_PERSONALIZATION_ARN, TrainingInputs, fit_recipe  # noqa: E402

USERS, ITEMS, INTERACTIONS, CLUSTERS, SEED = 100_000, 20_000, 1_000_000, 50, 0
OWN_CLUSTER_SHARE = 0.7
START = 1_600_000_000
SCHEMA = '{"type": "record", "name": "Interactions", "namespace": "com.amazonaws.personalize.schema", "fields": [{"name": "USER_ID", "type": "string"}, {"name": "ITEM_ID", "type": "string"}, {"name": "TIMESTAMP", "type": "long"}], "version": "1.0"}'
ROLE_ARN = "arn:aws:iam::123456789012:role/PersonalizeRole"
FINAL = {"ACTIVE", "CREATE FAILED"}


def generate() -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    weight = 1.0 / rng.permutation(np.arange(1, ITEMS + 1))  # item -> 1 / its popularity rank
    cluster = rng.integers(0, CLUSTERS, ITEMS)
    activity = rng.lognormal(mean=1.8, sigma=0.9, size=USERS)
    lengths = np.maximum(1, np.round(activity * INTERACTIONS / activity.sum()).astype(np.int64))
    lengths[np.argsort(-lengths)[: abs(INTERACTIONS - lengths.sum())]] += np.sign(INTERACTIONS - lengths.sum())
    users = np.repeat(np.arange(USERS), lengths)
    favourite = rng.integers(0, CLUSTERS, USERS)[users]
    draw = rng.random(users.size)
    items = np.searchsorted(np.cumsum(weight), draw * weight.sum())
    own = rng.random(users.size) < OWN_CLUSTER_SHARE
    for c in range(CLUSTERS):
        members = np.flatnonzero(cluster == c)
        chosen = own & (favourite == c)
        cumulative = np.cumsum(weight[members])
        items[chosen] = members[np.minimum(np.searchsorted(cumulative, draw[chosen] * cumulative[-1]), members.size - 1)]
    timestamps = START + rng.integers(0, 90 * 86_400, users.size)
    return pd.DataFrame({"USER_ID": users.astype(str), "ITEM_ID": items.astype(str), "TIMESTAMP": timestamps})


def wait(describe) -> dict:
    while True:
        resource_ = describe()
        if resource_["status"] in FINAL:
            return resource_
        time.sleep(0.05)


class Prober(threading.Thread):
    """Keeps calling a describe and a GetRecommendations; their latencies, in seconds."""

    def __init__(self, p, runtime, dataset: str, campaign: str) -> None:
        super().__init__(daemon=True)
        self.calls = [
            lambda: p.describe_dataset(datasetArn=dataset),
            lambda: runtime.get_recommendations(campaignArn=campaign, userId="7", numResults=25),
        ]
        self.latencies: list[list[float]] = [[], []]
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            for call, latencies in zip(self.calls, self.latencies):
                started = time.perf_counter()
                call()
                latencies.append(time.perf_counter() - started)
            time.sleep(0.1)  # a caller now and then, not a load test


def api(frame: pd.DataFrame) -> dict:
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")
    with mock_personalize():
        p, runtime, s3 = (boto3.client(name) for name in ("personalize", "personalize-runtime", "s3"))
        s3.create_bucket(Bucket="bench")
        schema = p.create_schema(name="generated", schema=SCHEMA)["schemaArn"]

        def group_with(name: str, rows: pd.DataFrame) -> tuple[str, str]:
            s3.put_object(Bucket="bench", Key=f"{name}.csv", Body=rows.to_csv(index=False).encode())
            group = p.create_dataset_group(name=name)["datasetGroupArn"]
            dataset = p.create_dataset(name=name, schemaArn=schema, datasetGroupArn=group, datasetType="Interactions")["datasetArn"]
            job = p.create_dataset_import_job(jobName=name, datasetArn=dataset, dataSource={"dataLocation": f"s3://bench/{name}.csv"}, roleArn=ROLE_ARN)
            assert wait(lambda: p.describe_dataset_import_job(datasetImportJobArn=job["datasetImportJobArn"])["datasetImportJob"])["status"] == "ACTIVE"
            return group, dataset

        def trained(group: str, name: str) -> str:
            solution = p.create_solution(name=name, datasetGroupArn=group, recipeArn=USER_PERSONALIZATION_ARN)["solutionArn"]
            version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
            final = wait(lambda: p.describe_solution_version(solutionVersionArn=version)["solutionVersion"])
            assert final["status"] == "ACTIVE", final.get("failureReason")
            return version

        # Another campaign, serving while the big version trains.
        small_group, small_dataset = group_with("small", frame[frame["USER_ID"].astype(int) % 100 == 0])
        campaign = p.create_campaign(name="serving", solutionVersionArn=trained(small_group, "small"))["campaignArn"]
        wait(lambda: p.describe_campaign(campaignArn=campaign)["campaign"])
        idle = Prober(p, runtime, small_dataset, campaign)
        idle.start()
        time.sleep(2.0)
        idle.done.set()
        idle.join()

        started = time.perf_counter()
        group, _ = group_with("generated", frame)
        import_seconds = time.perf_counter() - started
        busy = Prober(p, runtime, small_dataset, campaign)
        busy.start()
        started = time.perf_counter()
        version = trained(group, "generated")
        metrics = p.get_solution_metrics(solutionVersionArn=version)["metrics"]
        train_seconds = time.perf_counter() - started
        busy.done.set()
        busy.join()
    return {
        "import_seconds": import_seconds,
        "seconds": train_seconds,
        "metrics": metrics,
        "idle_ms": [1000 * float(np.median(lat)) for lat in idle.latencies],
        "busy_ms": [1000 * float(np.median(lat)) for lat in busy.latencies],
        "busy_max_ms": [1000 * float(np.max(lat)) for lat in busy.latencies],
        "busy_calls": len(busy.latencies[0]),
    }


def recipe(frame: pd.DataFrame) -> dict:
    started = time.perf_counter()
    inputs = TrainingInputs(USER_PERSONALIZATION_ARN, frame)
    evaluate(inputs)
    fit_recipe(inputs)
    return {"seconds": time.perf_counter() - started}


FIGURES = {"api": api, "recipe": recipe}


def child(figure: str) -> None:
    """Run one figure in this process; print its result and this process's peak memory as JSON."""
    frame = generate()
    result = FIGURES[figure](frame)
    result["peak_rss_gib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux
    print(json.dumps(result))


def run(figure: str) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", figure], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    frame = generate()
    print(f"{len(frame)} interactions, {frame.USER_ID.nunique()} users, {frame.ITEM_ID.nunique()} items; "
          f"the most popular item has {frame.ITEM_ID.value_counts().iloc[0]} interactions")
    results = {figure: run(figure) for figure in FIGURES}
    api_, recipe_ = results["api"], results["recipe"]
    print(f"{'api: CreateSolutionVersion -> ACTIVE + metrics':<52}{api_['seconds']:7.1f} s  {api_['seconds'] / recipe_['seconds']:5.2f}x   peak {api_['peak_rss_gib']:.2f} GiB")
    print(f"{'recipe: evaluate + train, no API (baseline)':<52}{recipe_['seconds']:7.1f} s  1.00x   peak {recipe_['peak_rss_gib']:.2f} GiB")
    print(f"import of the CSV through the API (not in the above): {api_['import_seconds']:.1f} s")
    for k, call in enumerate(("DescribeDataset", "GetRecommendations (other campaign)")):
        print(f"{call:<40} median {api_['idle_ms'][k]:6.1f} ms idle, {api_['busy_ms'][k]:6.1f} ms while training "
              f"({api_['busy_ms'][k] / api_['idle_ms'][k]:.2f}x; slowest {api_['busy_max_ms'][k]:.0f} ms)")
    print(f"calls answered while training: {api_['busy_calls']} of each")
    for name, value in sorted(api_["metrics"].items()):
        print(f"  {name:<46}{value:.4f}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2])
    else:
        main()
