"""Training the item-based, trending and segmentation recipes on MovieLens 100K, through the API.

One dataset group holds the interactions (ratings > 3) and an Items dataset (genres as a
categorical field, titles as a textual one). For each recipe, the time from
CreateSolutionVersion until DescribeSolutionVersion says ACTIVE, plus GetSolutionMetrics
(the evaluation is part of training), side by side with aws-popularity-count, the cheapest
recipe through the same path.

    .venv/bin/python bench/bench_related_training.py [path/to/ml-100k]
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import boto3
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_training import DEFAULT_DATA, SCHEMA, load, wait_active  # noqa: E402
from personalize_local import mock_personalize  # noqa: E402

RECIPES = (
    "aws-popularity-count",
    "aws-sims",
    "aws-similar-items",
    "aws-trending-now",
    "aws-item-affinity",
    "aws-item-attribute-affinity",
)
ITEMS_SCHEMA = json.dumps({
    "type": "record", "name": "Items", "namespace": "com.amazonaws.personalize.schema", "version": "1.0",
    "fields": [
        {"name": "ITEM_ID", "type": "string"},
        {"name": "GENRES", "type": ["null", "string"], "categorical": True},
        {"name": "TITLE", "type": ["null", "string"], "textual": True},
    ],
})


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


def training_seconds(folder: Path) -> dict[str, tuple[float, dict[str, float]]]:
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")
    results = {}
    with mock_personalize():
        s3, p = boto3.client("s3"), boto3.client("personalize")
        s3.create_bucket(Bucket="bench")
        group = p.create_dataset_group(name="ml")["datasetGroupArn"]
        wait_active(lambda: p.describe_dataset_group(datasetGroupArn=group), "datasetGroup")
        dataset(p, s3, group, "Interactions", SCHEMA, load(folder))
        dataset(p, s3, group, "Items", ITEMS_SCHEMA, movies(folder))
        for name in RECIPES:
            solution = p.create_solution(name=name, datasetGroupArn=group, recipeArn=f"arn:aws:personalize:::recipe/{name}")["solutionArn"]
            wait_active(lambda: p.describe_solution(solutionArn=solution), "solution")
            started = time.perf_counter()
            version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
            final = wait_active(lambda: p.describe_solution_version(solutionVersionArn=version), "solutionVersion")
            metrics = p.get_solution_metrics(solutionVersionArn=version)["metrics"]
            results[name] = (time.perf_counter() - started, metrics)
            assert final["status"] == "ACTIVE", final.get("failureReason")
    return results


def main(folder: Path = DEFAULT_DATA) -> None:
    if not (folder / "u.data").exists():
        sys.exit(f"MovieLens 100K not found at {folder}: pass its folder as the first argument.")
    results = training_seconds(folder)
    baseline = results["aws-popularity-count"][0]
    print("| recipe | CreateSolutionVersion -> ACTIVE + GetSolutionMetrics | ratio to aws-popularity-count |")
    print("|---|---:|---:|")
    for name, (seconds, _) in results.items():
        print(f"| {name} | {seconds:.2f} s | {seconds / baseline:.2f}x |")
    for name, (_, metrics) in results.items():
        print(f"{name}: " + ", ".join(f"{k}={v}" for k, v in sorted(metrics.items())))


if __name__ == "__main__":
    main(*(Path(a) for a in sys.argv[1:2]))
