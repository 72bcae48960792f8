"""Next best action on MovieLens 100K: training through the API and answering, side by side with their floors.

The data: item interactions are the ratings > 3; the actions are 19 genre clubs ("join the Comedy
club", VALUE 1 to 10); every rating is an action interaction with the club of each of the film's
genres, Taken when the rating is 4 or 5, Not taken otherwise.

Figures in one run on the same data:
- training: CreateSolutionVersion until DescribeSolutionVersion says ACTIVE, then GetSolutionMetrics
  (boto3, mock); the same evaluation + training called directly; and one bare fit of the recipe
  (no evaluation), the floor of a version;
- answering: GetActionRecommendations per call, beside GetRecommendations of a popularity campaign
  of the same group (the cheapest runtime call), medians of alternating rounds.

    .venv/bin/python bench/bench_actions.py [path/to/ml-100k]
"""
from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

import boto3
import pandas as pd

from personalize_local import mock_personalize
from personalize_local.eval import evaluate
from personalize_local.recipes import NEXT_BEST_ACTION_ARN, POPULARITY_COUNT_ARN, TrainingInputs, fit_recipe

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "ml-100k"
CALLS, ROUNDS = 300, 5


def schema(name: str, fields: list[tuple[str, Any]], categorical: str | None = None) -> str:
    described = [{"name": n, "type": t, **({"categorical": True} if n == categorical else {})} for n, t in fields]
    return json.dumps({"type": "record", "name": name, "namespace": "com.amazonaws.personalize.schema", "fields": described, "version": "1.0"})


DATASETS = {
    "Interactions": schema("Interactions", [("USER_ID", "string"), ("ITEM_ID", "string"), ("TIMESTAMP", "long")]),
    "Actions": schema("Actions", [("ACTION_ID", "string"), ("VALUE", ["null", "long"]), ("KIND", ["null", "string"])], categorical="KIND"),
    "Action_Interactions": schema(
        "ActionInteractions", [("USER_ID", "string"), ("ACTION_ID", "string"), ("EVENT_TYPE", "string"), ("TIMESTAMP", "long")]
    ),
}


def load(folder: Path) -> dict[str, pd.DataFrame]:
    ratings = pd.read_csv(folder / "u.data", sep="\t", names=["USER_ID", "ITEM_ID", "RATING", "TIMESTAMP"], dtype=str)
    genres = pd.read_csv(folder / "u.genre", sep="|", names=["GENRE", "CODE"]).dropna()["GENRE"].tolist()
    films = pd.read_csv(folder / "u.item", sep="|", header=None, encoding="latin-1", dtype=str)
    flags = films.iloc[:, 5:].astype(int).set_axis(genres, axis=1).assign(ITEM_ID=films[0])
    film_genres = flags.melt(id_vars="ITEM_ID", var_name="GENRE", value_name="FLAG").query("FLAG == 1")[["ITEM_ID", "GENRE"]]
    liked = ratings[ratings["RATING"].astype(int) > 3]
    exposures = ratings.merge(film_genres, on="ITEM_ID")
    return {
        "Interactions": pd.DataFrame({"USER_ID": liked["USER_ID"], "ITEM_ID": liked["ITEM_ID"], "TIMESTAMP": liked["TIMESTAMP"].astype("int64")}),
        "Actions": pd.DataFrame(
            {"ACTION_ID": [f"club-{g}" for g in genres], "VALUE": [k % 10 + 1 for k in range(len(genres))], "KIND": "club"}
        ),
        "Action_Interactions": pd.DataFrame({
            "USER_ID": exposures["USER_ID"],
            "ACTION_ID": "club-" + exposures["GENRE"],
            "EVENT_TYPE": exposures["RATING"].astype(int).map(lambda r: "Taken" if r >= 4 else "Not taken"),
            "TIMESTAMP": exposures["TIMESTAMP"].astype("int64"),
        }),
    }


def wait_active(describe: Callable[[], dict[str, Any]], key: str) -> dict[str, Any]:
    while True:
        resource = describe()[key]
        if resource["status"] in ("ACTIVE", "CREATE FAILED"):
            return resource
        time.sleep(0.02)


def per_call(call: Callable[[int], Any]) -> float:
    started = time.perf_counter()
    for k in range(CALLS):
        call(k)
    return (time.perf_counter() - started) / CALLS


def through_api(frames: dict[str, pd.DataFrame]) -> tuple[float, dict[str, float], float, float]:
    """Seconds to an ACTIVE version with its metrics; its metrics; seconds per GetActionRecommendations and per GetRecommendations."""
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")
    with mock_personalize():
        s3, p, runtime = (boto3.client(service) for service in ("s3", "personalize", "personalize-runtime"))
        s3.create_bucket(Bucket="bench")
        group = p.create_dataset_group(name="ml")["datasetGroupArn"]
        wait_active(lambda: p.describe_dataset_group(datasetGroupArn=group), "datasetGroup")
        for dataset_type, frame in frames.items():
            s3.put_object(Bucket="bench", Key=f"{dataset_type}.csv", Body=frame.to_csv(index=False).encode())
            schema_arn = p.create_schema(name=dataset_type, schema=DATASETS[dataset_type])["schemaArn"]
            dataset = p.create_dataset(name=dataset_type, schemaArn=schema_arn, datasetGroupArn=group, datasetType=dataset_type)["datasetArn"]
            job = p.create_dataset_import_job(jobName=dataset_type, datasetArn=dataset, dataSource={"dataLocation": f"s3://bench/{dataset_type}.csv"})
            final = wait_active(lambda: p.describe_dataset_import_job(datasetImportJobArn=job["datasetImportJobArn"]), "datasetImportJob")
            assert final["status"] == "ACTIVE", final.get("failureReason")
        campaigns = {}
        for recipe in (NEXT_BEST_ACTION_ARN, POPULARITY_COUNT_ARN):
            name = recipe.rsplit("/", 1)[1]
            solution = p.create_solution(name=name, datasetGroupArn=group, recipeArn=recipe)["solutionArn"]
            wait_active(lambda: p.describe_solution(solutionArn=solution), "solution")
            started = time.perf_counter()
            version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
            final = wait_active(lambda: p.describe_solution_version(solutionVersionArn=version), "solutionVersion")
            metrics = p.get_solution_metrics(solutionVersionArn=version)["metrics"]
            assert final["status"] == "ACTIVE", final.get("failureReason")
            if recipe == NEXT_BEST_ACTION_ARN:
                seconds, action_metrics = time.perf_counter() - started, metrics
            campaigns[recipe] = p.create_campaign(name=name, solutionVersionArn=version)["campaignArn"]
            wait_active(lambda: p.describe_campaign(campaignArn=campaigns[recipe]), "campaign")
        actions, items = [], []
        for _ in range(ROUNDS):
            actions.append(per_call(lambda k: runtime.get_action_recommendations(campaignArn=campaigns[NEXT_BEST_ACTION_ARN], userId=str(k % 943 + 1))))
            items.append(per_call(lambda k: runtime.get_recommendations(campaignArn=campaigns[POPULARITY_COUNT_ARN], userId=str(k % 943 + 1))))
    return seconds, action_metrics, statistics.median(actions), statistics.median(items)


def directly(frames: dict[str, pd.DataFrame]) -> tuple[float, float]:
    """Seconds of evaluation + training, and of one fit alone, without the API."""
    extras = {"actions": frames["Actions"], "action_interactions": frames["Action_Interactions"]}
    inputs = TrainingInputs(NEXT_BEST_ACTION_ARN, frames["Interactions"], datasets=extras)
    started = time.perf_counter()
    evaluate(inputs)
    fit_recipe(inputs)
    both = time.perf_counter() - started
    started = time.perf_counter()
    fit_recipe(inputs)
    return both, time.perf_counter() - started


def main(folder: Path = DEFAULT_DATA) -> None:
    if not (folder / "u.data").exists():
        sys.exit(f"MovieLens 100K not found at {folder}: pass its folder as the first argument.")
    frames = load(folder)
    print(", ".join(f"{len(frame)} {name}" for name, frame in frames.items()))
    api_seconds, metrics, per_action_call, per_item_call = through_api(frames)
    recipe_seconds, fit_seconds = directly(frames)
    print(f"{'api: CreateSolutionVersion -> ACTIVE + metrics':<52}{api_seconds:7.2f} s  {api_seconds / fit_seconds:5.2f}x")
    print(f"{'recipe: evaluate + train, no API':<52}{recipe_seconds:7.2f} s  {recipe_seconds / fit_seconds:5.2f}x")
    print(f"{'fit: one training, no evaluation (baseline)':<52}{fit_seconds:7.2f} s  1.00x")
    print(f"{'GetActionRecommendations (next best action)':<52}{per_action_call * 1e6:7.0f} us {per_action_call / per_item_call:5.2f}x")
    print(f"{'GetRecommendations (popularity, baseline)':<52}{per_item_call * 1e6:7.0f} us  1.00x")
    for name, value in sorted(metrics.items()):
        print(f"  {name:<50}{value:.4f}")


if __name__ == "__main__":
    main(*(Path(a) for a in sys.argv[1:2]))
