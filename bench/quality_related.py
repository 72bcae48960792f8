"""Quality of the RELATED_ITEMS recipes on MovieLens 100K (ratings > 3), through the API.

For each seed, the service's split (personalize_local.eval.metrics.split_for_evaluation:
90% of users train; each test user's oldest 90% is input, the newest 10% held out).
The training users' interactions and the test users' inputs are imported through
boto3 into the mock; each recipe trains a solution version, a campaign deploys it,
and every test user asks GetRecommendations for 25 items:

- aws-sims (and aws-similar-items) with itemId = the last item of the user's input;
- aws-popularity-count, the baseline, without userId (one list for everybody).

The bench computes the metrics itself against the held-out items, as
working-with-training-metrics.md defines them: precision@K, NDCG@K normalized by
the number of hits (a list whose hits all sit on top scores 1), reciprocal rank
of the first hit in the top 25, and coverage (distinct recommended items over the
catalog). Rows are means over the seeds.

    .venv/bin/python bench/quality_related.py [path/to/ml-100k] [seeds, default 5]
"""
from __future__ import annotations

import math
import os
import sys
from pathlib import Path
from typing import Any, Callable, Sequence

import boto3
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_training import DEFAULT_DATA, SCHEMA, load, wait_active  # noqa: E402
from personalize_local import mock_personalize  # noqa: E402
from personalize_local.eval.metrics import split_for_evaluation  # noqa: E402

SIMS = "arn:aws:personalize:::recipe/aws-sims"
SIMILAR_ITEMS = "arn:aws:personalize:::recipe/aws-similar-items"
POPULARITY = "arn:aws:personalize:::recipe/aws-popularity-count"
TOP = 25
KS = (5, 10, 25)
METRICS = (
    *(f"precision@{k}" for k in KS),
    *(f"ndcg@{k}" for k in KS),
    "mrr@25",
    "coverage",
)


def ask_last_item(runtime: Any, campaign: str, user: str, inputs: list[str]) -> list[str]:
    answer = runtime.get_recommendations(campaignArn=campaign, itemId=inputs[-1], numResults=TOP)
    return [i["itemId"] for i in answer["itemList"]]


def ask_anyone(runtime: Any, campaign: str, user: str, inputs: list[str]) -> list[str]:
    answer = runtime.get_recommendations(campaignArn=campaign, numResults=TOP)
    return [i["itemId"] for i in answer["itemList"]]


# (row name, recipe, algorithmHyperParameters, how a test user asks)
Ask = Callable[[Any, str, str, list[str]], list[str]]
ROWS: tuple[tuple[str, str, dict[str, str], Ask], ...] = (
    ("aws-sims", SIMS, {}, ask_last_item),
    ("aws-sims, max_item_interaction_count_percentile=1", SIMS, {"max_item_interaction_count_percentile": "1.0"}, ask_last_item),
    ("aws-similar-items (no Items dataset)", SIMILAR_ITEMS, {}, ask_last_item),
    ("aws-popularity-count (baseline)", POPULARITY, {}, ask_anyone),
)


def user_metrics(recommended: list[str], relevant: set[str]) -> dict[str, float]:
    hits = [rank for rank, item in enumerate(recommended[:TOP], start=1) if item in relevant]
    metrics = {"mrr@25": 1.0 / hits[0] if hits else 0.0}
    for k in KS:
        within = [rank for rank in hits if rank <= k]
        metrics[f"precision@{k}"] = len(within) / k
        ideal = sum(1.0 / math.log(1 + position) for position in range(1, len(within) + 1))
        metrics[f"ndcg@{k}"] = sum(1.0 / math.log(1 + rank) for rank in within) / ideal if within else 0.0
    return metrics


def imported_rows(frame: pd.DataFrame, train: pd.DataFrame, inputs: dict[str, list[str]]) -> pd.DataFrame:
    """The training users' interactions plus each test user's input interactions (their oldest ones)."""
    tested = frame[frame["USER_ID"].isin(list(inputs))].sort_values(["USER_ID", "TIMESTAMP"], kind="stable")
    position = tested.groupby("USER_ID").cumcount()
    kept = position < tested["USER_ID"].map({user: len(items) for user, items in inputs.items()})
    return pd.concat([train[["USER_ID", "ITEM_ID", "TIMESTAMP"]], tested[kept.to_numpy()][["USER_ID", "ITEM_ID", "TIMESTAMP"]]])


def one_split(frame: pd.DataFrame, seed: int) -> dict[str, dict[str, float]]:
    train, inputs, holdout = split_for_evaluation(frame, seed)
    rows = imported_rows(frame, train, inputs)
    catalog_size = frame["ITEM_ID"].nunique()
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")
    results: dict[str, dict[str, float]] = {}
    with mock_personalize():
        s3, p, runtime = boto3.client("s3"), boto3.client("personalize"), boto3.client("personalize-runtime")
        s3.create_bucket(Bucket="bench")
        s3.put_object(Bucket="bench", Key="ml.csv", Body=rows.to_csv(index=False).encode())
        schema = p.create_schema(name="ml", schema=SCHEMA)["schemaArn"]
        group = p.create_dataset_group(name="ml")["datasetGroupArn"]
        wait_active(lambda: p.describe_dataset_group(datasetGroupArn=group), "datasetGroup")
        dataset = p.create_dataset(name="ml", schemaArn=schema, datasetGroupArn=group, datasetType="Interactions")["datasetArn"]
        wait_active(lambda: p.describe_dataset(datasetArn=dataset), "dataset")
        job = p.create_dataset_import_job(jobName="ml", datasetArn=dataset, dataSource={"dataLocation": "s3://bench/ml.csv"})
        wait_active(lambda: p.describe_dataset_import_job(datasetImportJobArn=job["datasetImportJobArn"]), "datasetImportJob")
        for k, (name, recipe, hyperparameters, ask) in enumerate(ROWS):
            config = {"solutionConfig": {"algorithmHyperParameters": hyperparameters}} if hyperparameters else {}
            solution = p.create_solution(name=f"s{k}", datasetGroupArn=group, recipeArn=recipe, **config)["solutionArn"]
            wait_active(lambda: p.describe_solution(solutionArn=solution), "solution")
            version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
            final = wait_active(lambda: p.describe_solution_version(solutionVersionArn=version), "solutionVersion")
            assert final["status"] == "ACTIVE", final.get("failureReason")
            campaign = p.create_campaign(name=f"c{k}", solutionVersionArn=version)["campaignArn"]
            wait_active(lambda: p.describe_campaign(campaignArn=campaign), "campaign")
            totals = dict.fromkeys(METRICS, 0.0)
            recommended_items: set[str] = set()
            for user, history in inputs.items():
                recommended = ask(runtime, campaign, user, history)
                recommended_items.update(recommended)
                for metric, value in user_metrics(recommended, set(holdout[user])).items():
                    totals[metric] += value / len(inputs)
            totals["coverage"] = len(recommended_items) / catalog_size
            results[name] = totals
    return results


def run(frame: pd.DataFrame, seeds: Sequence[int]) -> list[dict[str, Any]]:
    """One row per recipe: its name and the mean of each metric over the seeds' splits."""
    per_seed = [one_split(frame, seed) for seed in seeds]
    return [
        {"recipe": name, **{metric: float(np.mean([split[name][metric] for split in per_seed])) for metric in METRICS}}
        for name, *_ in ROWS
    ]


def main(folder: Path = DEFAULT_DATA, seeds: int = 5) -> None:
    if not (folder / "u.data").exists():
        sys.exit(f"MovieLens 100K not found at {folder}: pass its folder as the first argument.")
    frame = load(folder)
    print(f"{len(frame)} interactions (rating > 3), seeds 0..{seeds - 1}, top {TOP} per test user")
    rows = run(frame, range(seeds))
    print("| recipe | " + " | ".join(METRICS) + " |")
    print("|---|" + "---:|" * len(METRICS))
    for row in rows:
        print(f"| {row['recipe']} | " + " | ".join(f"{row[m]:.4f}" for m in METRICS) + " |")
    baseline = rows[-1]
    for row in rows[:-1]:
        beaten = [m for m in METRICS if row[m] > baseline[m]]
        print(f"{row['recipe']} beats the baseline on {len(beaten)}/{len(METRICS)} metrics")


if __name__ == "__main__":
    main(*(Path(a) for a in sys.argv[1:2]), *(int(a) for a in sys.argv[2:3]))
