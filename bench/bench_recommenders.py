"""Every domain use case on MovieLens 100K: creating the recommender through the API and answering, beside their floors.

The data, one dataset group per domain:
- ECOMMERCE: every rating is a View; ratings of 4 or 5 are also a Purchase, a second later;
- VIDEO_ON_DEMAND: ratings of 3 to 5 are a Watch, lower ones a Click; the Items dataset holds each
  film's genres and release date.

Figures in one run on the same data, per use case:
- create: CreateRecommender until DescribeRecommender says ACTIVE (boto3, mock; the model and its
  modelMetrics), beside the same training and evaluation called directly, without the API;
- answer: GetRecommendations per call (userId and itemId as the use case needs), beside that of
  Most popular, the cheapest answer (a stored list), medians of alternating rounds.

    .venv/bin/python bench/bench_recommenders.py [path/to/ml-100k]
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
from personalize_local.eval.use_cases import evaluate_use_case
from personalize_local.recipes.use_cases import USE_CASES, Need, fit_use_case

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "ml-100k"
CALLS, ROUNDS = 200, 3
BASELINE = "aws-vod-most-popular"
DOMAINS = {"ECOMMERCE": "aws-ecomm-", "VIDEO_ON_DEMAND": "aws-vod-"}


def schema(name: str, fields: list[tuple[str, str]], categorical: str | None = None) -> str:
    described = [{"name": n, "type": t, **({"categorical": True} if n == categorical else {})} for n, t in fields]
    return json.dumps({"type": "record", "name": name, "namespace": "com.amazonaws.personalize.schema", "fields": described, "version": "1.0"})


SCHEMAS = {
    "Interactions": schema("Interactions", [("USER_ID", "string"), ("ITEM_ID", "string"), ("EVENT_TYPE", "string"), ("TIMESTAMP", "long")]),
    "Items": schema("Items", [("ITEM_ID", "string"), ("GENRES", "string"), ("CREATION_TIMESTAMP", "long")], categorical="GENRES"),
}


def load(folder: Path) -> dict[str, dict[str, pd.DataFrame]]:
    ratings = pd.read_csv(folder / "u.data", sep="\t", names=["USER_ID", "ITEM_ID", "RATING", "TIMESTAMP"], dtype=str)
    ratings = ratings.assign(RATING=ratings["RATING"].astype(int), TIMESTAMP=ratings["TIMESTAMP"].astype("int64"))
    genres = pd.read_csv(folder / "u.genre", sep="|", names=["GENRE", "CODE"]).dropna()["GENRE"].tolist()
    films = pd.read_csv(folder / "u.item", sep="|", header=None, encoding="latin-1", dtype=str)
    flags = films.iloc[:, 5:].astype(int).set_axis(genres, axis=1)
    released = (pd.to_datetime(films[2], format="%d-%b-%Y") - pd.Timestamp(0)) // pd.Timedelta(seconds=1)
    items = pd.DataFrame({
        "ITEM_ID": films[0],
        "GENRES": flags.apply(lambda row: "|".join(g for g in genres if row[g]), axis=1),
        "CREATION_TIMESTAMP": released.fillna(ratings["TIMESTAMP"].min()).astype("int64"),
    })

    def events(rows: pd.DataFrame, event_type: str, later: int = 0) -> pd.DataFrame:
        return pd.DataFrame({"USER_ID": rows["USER_ID"], "ITEM_ID": rows["ITEM_ID"], "EVENT_TYPE": event_type, "TIMESTAMP": rows["TIMESTAMP"] + later})

    liked, watched = ratings[ratings["RATING"] >= 4], ratings["RATING"] >= 3
    return {
        "ECOMMERCE": {"Interactions": pd.concat([events(ratings, "View"), events(liked, "Purchase", 1)], ignore_index=True)},
        "VIDEO_ON_DEMAND": {
            "Interactions": pd.concat([events(ratings[watched], "Watch"), events(ratings[~watched], "Click")], ignore_index=True),
            "Items": items,
        },
    }


def wait_active(describe: Callable[[], dict[str, Any]], key: str) -> dict[str, Any]:
    while True:
        resource = describe()[key]
        if resource["status"] in ("ACTIVE", "CREATE FAILED"):
            return resource
        time.sleep(0.02)


def request(name: str, k: int, users: list[str], items: list[str]) -> dict[str, str]:
    """The k-th request to a use case: a user and an item of the data, where it needs them."""
    case = USE_CASES[f"arn:aws:personalize:::recipe/{name}"]
    wanted = {"userId": (case.user_id, users[k % len(users)]), "itemId": (case.item_id, items[k % len(items)])}
    return {member: value for member, (need, value) in wanted.items() if need is Need.REQUIRED}


def through_api(data: dict[str, dict[str, pd.DataFrame]]) -> dict[str, tuple[float, dict[str, float], float, float]]:
    """Per use case: seconds to an ACTIVE recommender, its modelMetrics, seconds per GetRecommendations and their ratio
    to the baseline's."""
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")
    results: dict[str, tuple[float, dict[str, float]]] = {}
    arns: dict[str, str] = {}
    with mock_personalize():
        s3, p, runtime = (boto3.client(service) for service in ("s3", "personalize", "personalize-runtime"))
        s3.create_bucket(Bucket="bench")
        for domain, frames in data.items():
            group = p.create_dataset_group(name=domain.lower().replace("_", "-"), domain=domain)["datasetGroupArn"]
            wait_active(lambda: p.describe_dataset_group(datasetGroupArn=group), "datasetGroup")
            for dataset_type, frame in frames.items():
                key = f"{domain}-{dataset_type}"
                s3.put_object(Bucket="bench", Key=f"{key}.csv", Body=frame.to_csv(index=False).encode())
                schema_arn = p.create_schema(name=key, schema=SCHEMAS[dataset_type], domain=domain)["schemaArn"]
                dataset = p.create_dataset(name=key, schemaArn=schema_arn, datasetGroupArn=group, datasetType=dataset_type)["datasetArn"]
                job = p.create_dataset_import_job(jobName=key, datasetArn=dataset, dataSource={"dataLocation": f"s3://bench/{key}.csv"})
                final = wait_active(lambda: p.describe_dataset_import_job(datasetImportJobArn=job["datasetImportJobArn"]), "datasetImportJob")
                assert final["status"] == "ACTIVE", final.get("failureReason")
            for recipe_arn in (arn for arn in USE_CASES if arn.rsplit("/", 1)[1].startswith(DOMAINS[domain])):
                name = recipe_arn.rsplit("/", 1)[1]
                started = time.perf_counter()
                arns[name] = p.create_recommender(name=name, datasetGroupArn=group, recipeArn=recipe_arn)["recommenderArn"]
                final = wait_active(lambda: p.describe_recommender(recommenderArn=arns[name]), "recommender")
                assert final["status"] == "ACTIVE", final.get("failureReason")
                results[name] = (time.perf_counter() - started, final["modelMetrics"])
        users = sorted(data["ECOMMERCE"]["Interactions"]["USER_ID"].unique())
        items = sorted(data["ECOMMERCE"]["Interactions"]["ITEM_ID"].unique())

        def per_call(name: str) -> float:
            asks = [request(name, k, users, items) for k in range(CALLS)]
            started = time.perf_counter()
            for ask in asks:
                runtime.get_recommendations(recommenderArn=arns[name], **ask)
            return (time.perf_counter() - started) / CALLS

        # Each use case's batch right beside one of the baseline's, so both meet the same machine load.
        calls: dict[str, list[tuple[float, float]]] = {name: [] for name in arns}
        for _ in range(ROUNDS):
            for name in arns:
                calls[name].append((per_call(name), per_call(BASELINE)))
    return {
        name: (seconds, metrics, statistics.median(c for c, _ in calls[name]), statistics.median(c / b for c, b in calls[name]))
        for name, (seconds, metrics) in results.items()
    }


def directly(data: dict[str, dict[str, pd.DataFrame]]) -> dict[str, float]:
    """Per use case: seconds of the training and evaluation a recommender's creation does, without the API."""
    seconds = {}
    for recipe_arn, case in USE_CASES.items():
        frames = data[case.recipe.domain]
        interactions, items = frames["Interactions"], frames.get("Items")
        started = time.perf_counter()
        fit_use_case(case, interactions, items, None)
        evaluate_use_case(case, interactions, items, None, (0.3, 30.0) if case.explores else (0.0, 0.0))
        seconds[recipe_arn.rsplit("/", 1)[1]] = time.perf_counter() - started
    return seconds


def main(folder: Path = DEFAULT_DATA) -> None:
    if not (folder / "u.data").exists():
        sys.exit(f"MovieLens 100K not found at {folder}: pass its folder as the first argument.")
    data = load(folder)
    for domain, frames in data.items():
        counts = frames["Interactions"]["EVENT_TYPE"].value_counts()
        print(f"{domain}: " + ", ".join(f"{n} {event}" for event, n in counts.items()) + (f", {len(frames['Items'])} items" if "Items" in frames else ""))
    api = through_api(data)
    direct = directly(data)
    print(f"{'use case':<46}{'create (api)':>13}{'direct':>9}{'ratio':>7}{'GetRecs':>10}{'ratio':>7}{'p@10':>8}{'coverage':>9}")
    for name, (seconds, metrics, per_call, ratio) in api.items():
        print(
            f"{name:<46}{seconds:11.2f} s{direct[name]:7.2f} s{seconds / direct[name]:6.2f}x"
            f"{per_call * 1e6:8.0f} us{ratio:6.2f}x{metrics['precision_at_10']:8.4f}{metrics['coverage']:9.4f}"
        )


if __name__ == "__main__":
    main(*(Path(a) for a in sys.argv[1:2]))
