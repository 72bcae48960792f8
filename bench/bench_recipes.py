"""Training every recipe on MovieLens 100K through the API, side by side in one run.

One dataset group holds what every recipe trains on: the interactions (ratings > 3), an Items
dataset (genres as a categorical field, titles as a textual one), and bench_actions.py's genre
clubs as Actions and Action_Interactions. For each recipe the emulator trains (TRAINERS), the
time from CreateSolutionVersion until DescribeSolutionVersion says ACTIVE, plus
GetSolutionMetrics (the evaluation is part of training), beside aws-popularity-count, the
cheapest recipe through the same path; medians of three alternating rounds. Target: each under
10 s.

    .venv/bin/python bench/bench_recipes.py [path/to/ml-100k]
"""
from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

import boto3
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_actions import DATASETS, load  # noqa: E402
from bench.bench_training import DEFAULT_DATA, wait_active  # noqa: E402
from personalize_local import mock_personalize  # noqa: E402
from personalize_local.recipes import POPULARITY_COUNT_ARN, TRAINERS  # noqa: E402

TARGET_SECONDS = 10.0
# Alternating rounds over the recipes; each figure is a median, as the machine is shared.
ROUNDS = 3
BASELINE = POPULARITY_COUNT_ARN.rsplit("/", 1)[1]
ITEMS_SCHEMA = json.dumps({
    "type": "record", "name": "Items", "namespace": "com.amazonaws.personalize.schema", "version": "1.0",
    "fields": [
        {"name": "ITEM_ID", "type": "string"},
        {"name": "GENRES", "type": ["null", "string"], "categorical": True},
        {"name": "TITLE", "type": ["null", "string"], "textual": True},
    ],
})
# The metrics shown in the table: the first a recipe reports (segmentation recipes report hits and recall).
SHOWN = ("normalized_discounted_cumulative_gain_at_10", "hits_at_1_percent")


def movies(folder: Path) -> pd.DataFrame:
    genres = pd.read_csv(folder / "u.genre", sep="|", names=["GENRE", "INDEX"])["GENRE"].tolist()
    table = pd.read_csv(folder / "u.item", sep="|", encoding="latin-1", header=None)
    return pd.DataFrame({
        "ITEM_ID": table[0].astype(str),
        "GENRES": ["|".join(g for g, flag in zip(genres, flags) if flag) for flags in table.iloc[:, 5:].to_numpy()],
        "TITLE": table[1],
    })


def dataset(p, s3, group: str, kind: str, schema: str, frame: pd.DataFrame) -> None:
    schema_arn = p.create_schema(name=kind, schema=schema)["schemaArn"]
    arn = p.create_dataset(name=kind, schemaArn=schema_arn, datasetGroupArn=group, datasetType=kind)["datasetArn"]
    wait_active(lambda: p.describe_dataset(datasetArn=arn), "dataset")
    s3.put_object(Bucket="bench", Key=f"{kind}.csv", Body=frame.to_csv(index=False).encode())
    job = p.create_dataset_import_job(jobName=kind, datasetArn=arn, dataSource={"dataLocation": f"s3://bench/{kind}.csv"})
    final = wait_active(lambda: p.describe_dataset_import_job(datasetImportJobArn=job["datasetImportJobArn"]), "datasetImportJob")
    assert final["status"] == "ACTIVE", final.get("failureReason")


def training_seconds(folder: Path) -> dict[str, tuple[list[float], dict[str, float]]]:
    """Recipe name -> (seconds from CreateSolutionVersion to ACTIVE and its metrics, one per round; the metrics)."""
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")
    frames = {**load(folder), "Items": movies(folder)}
    schemas = {**DATASETS, "Items": ITEMS_SCHEMA}
    results: dict[str, tuple[list[float], dict[str, float]]] = {}
    with mock_personalize():
        s3, p = boto3.client("s3"), boto3.client("personalize")
        s3.create_bucket(Bucket="bench")
        group = p.create_dataset_group(name="ml")["datasetGroupArn"]
        wait_active(lambda: p.describe_dataset_group(datasetGroupArn=group), "datasetGroup")
        for kind, frame in frames.items():
            dataset(p, s3, group, kind, schemas[kind], frame)
        for round in range(ROUNDS):
            for recipe in TRAINERS:
                name = recipe.rsplit("/", 1)[1]
                solution = p.create_solution(name=f"{name}-{round}", datasetGroupArn=group, recipeArn=recipe)["solutionArn"]
                wait_active(lambda: p.describe_solution(solutionArn=solution), "solution")
                started = time.perf_counter()
                version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
                final = wait_active(lambda: p.describe_solution_version(solutionVersionArn=version), "solutionVersion")
                metrics = p.get_solution_metrics(solutionVersionArn=version)["metrics"]
                results.setdefault(name, ([], metrics))[0].append(time.perf_counter() - started)
                assert final["status"] == "ACTIVE", final.get("failureReason")
                p.delete_solution(solutionArn=solution)  # a dataset group holds at most 10 solutions
    return results


def main(folder: Path = DEFAULT_DATA) -> None:
    if not (folder / "u.data").exists():
        sys.exit(f"MovieLens 100K not found at {folder}: pass its folder as the first argument.")
    results = training_seconds(folder)
    medians = {name: statistics.median(seconds) for name, (seconds, _) in results.items()}
    print(f"| recipe | CreateSolutionVersion -> ACTIVE + GetSolutionMetrics, median of {ROUNDS} (range) | ratio to {BASELINE} | metric |")
    print("|---|---:|---:|---|")
    for name, (seconds, metrics) in results.items():
        shown = next(m for m in SHOWN if m in metrics)
        spread = f"{min(seconds):.2f}-{max(seconds):.2f}"
        print(f"| {name} | {medians[name]:.2f} s ({spread}) | {medians[name] / medians[BASELINE]:.2f}x | {shown} {metrics[shown]:.4f} |")
    slow = [name for name, median in medians.items() if median >= TARGET_SECONDS]
    print(f"\n{'PASS' if not slow else 'FAIL'}  every recipe under {TARGET_SECONDS:.0f} s" + (f" (not {', '.join(slow)})" if slow else ""))
    for name, (_, metrics) in results.items():
        print(f"{name}: " + ", ".join(f"{k}={v}" for k, v in sorted(metrics.items())))


if __name__ == "__main__":
    main(*(Path(a) for a in sys.argv[1:2]))
