"""GetRecommendations with filters on MovieLens 100K, side by side with the same calls unfiltered.

One aws-user-personalization campaign over every rating (EVENT_TYPE Like for
ratings > 3, Watch otherwise), with the Items (genres, year) and Users (age,
occupation) datasets. Rounds alternate between the cases so machine noise falls
on all alike; each case asks for the same users' 25 recommendations. Prints the
median per call and its ratio to the unfiltered call.

    .venv/bin/python bench/bench_filters.py [path/to/ml-100k] [calls-per-round] [rounds]
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

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "ml-100k"
USER_PERSONALIZATION = "arn:aws:personalize:::recipe/aws-user-personalization"


def avro(name: str, fields: list[dict[str, Any]]) -> str:
    return json.dumps({"type": "record", "name": name, "namespace": "com.amazonaws.personalize.schema", "fields": fields, "version": "1.0"})


SCHEMAS = {
    "Interactions": avro("Interactions", [
        {"name": "USER_ID", "type": "string"}, {"name": "ITEM_ID", "type": "string"},
        {"name": "EVENT_TYPE", "type": "string"}, {"name": "TIMESTAMP", "type": "long"},
    ]),
    "Items": avro("Items", [
        {"name": "ITEM_ID", "type": "string"}, {"name": "GENRES", "type": ["null", "string"], "categorical": True},
        {"name": "YEAR", "type": ["null", "int"]},
    ]),
    "Users": avro("Users", [
        {"name": "USER_ID", "type": "string"}, {"name": "AGE", "type": "int"},
        {"name": "OCCUPATION", "type": "string", "categorical": True},
    ]),
}
# The filters measured, with the filterValues each call gives.
CASES: dict[str, tuple[str | None, dict[str, str]]] = {
    "unfiltered": (None, {}),
    "exclude what the user rated": ("EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN (*)", {}),
    "include two genres ($GENRE)": ("INCLUDE ItemID WHERE Items.GENRES IN ($GENRE)", {"GENRE": '"Horror","Film-Noir"'}),
    "genres | not rated | IF CurrentUser": (
        "INCLUDE ItemID WHERE Items.GENRES IN ($GENRE) | EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN (\"like\") "
        "| EXCLUDE ItemID WHERE Items.YEAR < $YEAR IF CurrentUser.AGE < 30",
        {"GENRE": '"Comedy","Romance"', "YEAR": "1990"},
    ),
}


def load(folder: Path) -> dict[str, pd.DataFrame]:
    ratings = pd.read_csv(folder / "u.data", sep="\t", names=["USER_ID", "ITEM_ID", "RATING", "TIMESTAMP"])
    genres = pd.read_csv(folder / "u.genre", sep="|", names=["NAME", "CODE"])["NAME"].tolist()
    items = pd.read_csv(folder / "u.item", sep="|", encoding="latin-1", header=None)
    flags = items.iloc[:, 5:5 + len(genres)].to_numpy()
    users = pd.read_csv(folder / "u.user", sep="|", names=["USER_ID", "AGE", "GENDER", "OCCUPATION", "ZIP"])
    return {
        "Interactions": pd.DataFrame({
            "USER_ID": ratings["USER_ID"], "ITEM_ID": ratings["ITEM_ID"],
            "EVENT_TYPE": ratings["RATING"].gt(3).map({True: "Like", False: "Watch"}), "TIMESTAMP": ratings["TIMESTAMP"],
        }),
        "Items": pd.DataFrame({
            "ITEM_ID": items[0],
            "GENRES": ["|".join(g for g, on in zip(genres, row) if on) for row in flags],
            "YEAR": pd.to_datetime(items[2], format="%d-%b-%Y", errors="coerce").dt.year.astype("Int64"),
        }),
        "Users": users[["USER_ID", "AGE", "OCCUPATION"]],
    }


def wait_active(describe: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    while (resource := describe())["status"] not in ("ACTIVE", "CREATE FAILED"):
        time.sleep(0.02)
    assert resource["status"] == "ACTIVE", resource.get("failureReason")
    return resource


def new_group(p: Any, name: str) -> str:
    group = p.create_dataset_group(name=name)["datasetGroupArn"]
    wait_active(lambda: p.describe_dataset_group(datasetGroupArn=group)["datasetGroup"])
    return group


def import_dataset(p: Any, s3: Any, group: str, kind: str, frame: pd.DataFrame, schema: str, name: str) -> str:
    """A ``kind`` dataset of ``group`` (``name`` names it, its schema, file and job), ``frame`` imported into it."""
    s3.put_object(Bucket="bench", Key=f"{name}.csv", Body=frame.to_csv(index=False).encode())
    schema_arn = p.create_schema(name=name, schema=schema)["schemaArn"]
    dataset = p.create_dataset(name=name, schemaArn=schema_arn, datasetGroupArn=group, datasetType=kind)["datasetArn"]
    wait_active(lambda: p.describe_dataset(datasetArn=dataset)["dataset"])
    job = p.create_dataset_import_job(jobName=name, datasetArn=dataset, dataSource={"dataLocation": f"s3://bench/{name}.csv"})
    wait_active(lambda: p.describe_dataset_import_job(datasetImportJobArn=job["datasetImportJobArn"])["datasetImportJob"])
    return dataset


def deploy(p: Any, group: str, name: str) -> str:
    """An aws-user-personalization solution of ``group`` trained and deployed: the campaign's ARN."""
    solution = p.create_solution(name=name, datasetGroupArn=group, recipeArn=USER_PERSONALIZATION)["solutionArn"]
    wait_active(lambda: p.describe_solution(solutionArn=solution)["solution"])
    version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    wait_active(lambda: p.describe_solution_version(solutionVersionArn=version)["solutionVersion"])
    campaign = p.create_campaign(name=name, solutionVersionArn=version)["campaignArn"]
    wait_active(lambda: p.describe_campaign(campaignArn=campaign)["campaign"])
    return campaign


def setup(p: Any, s3: Any, frames: dict[str, pd.DataFrame]) -> tuple[str, str]:
    """(campaign ARN, dataset group ARN) over the three datasets."""
    s3.create_bucket(Bucket="bench")
    group = new_group(p, "ml")
    for kind, frame in frames.items():
        import_dataset(p, s3, group, kind, frame, SCHEMAS[kind], kind)
    return deploy(p, group, "ml"), group


def main(folder: Path = DEFAULT_DATA, calls: int = 200, rounds: int = 5) -> None:
    if not (folder / "u.data").exists():
        sys.exit(f"MovieLens 100K not found at {folder}: pass its folder as the first argument.")
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")
    frames = load(folder)
    with mock_personalize():
        p, s3, runtime = (boto3.client(name) for name in ("personalize", "s3", "personalize-runtime"))
        campaign, group = setup(p, s3, frames)
        requests: dict[str, dict[str, Any]] = {}
        for number, (name, (expression, values)) in enumerate(CASES.items()):
            request: dict[str, Any] = {"campaignArn": campaign, "numResults": 25}
            if expression:
                request["filterArn"] = p.create_filter(name=f"f{number}", datasetGroupArn=group, filterExpression=expression)["filterArn"]
                wait_active(lambda: p.describe_filter(filterArn=request["filterArn"])["filter"])
            if values:
                request["filterValues"] = values
            requests[name] = request
        users = [str(u) for u in frames["Users"]["USER_ID"].head(calls)]
        times: dict[str, list[float]] = {name: [] for name in CASES}
        for _ in range(rounds):
            for name, request in requests.items():
                started = time.perf_counter()
                for user in users:
                    assert len(runtime.get_recommendations(userId=user, **request)["itemList"]) == 25
                times[name].append((time.perf_counter() - started) / len(users))

    baseline = statistics.median(times["unfiltered"])
    print(f"{len(frames['Interactions'])} interactions, {len(frames['Items'])} items, {len(frames['Users'])} users; "
          f"{calls} calls x {rounds} alternating rounds, medians per call")
    for name, samples in times.items():
        median = statistics.median(samples)
        print(f"{name:<40}{median * 1e3:8.2f} ms   {median / baseline:.2f}x")


if __name__ == "__main__":
    args = sys.argv[1:]
    main(Path(args[0]) if args else DEFAULT_DATA, *(int(a) for a in args[1:3]))
