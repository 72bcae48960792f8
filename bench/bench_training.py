"""Training on MovieLens 100K (ratings > 3), through the API, side by side with a bare LightFM fit.

Three figures in one run on the same data:
- api: CreateSolutionVersion until DescribeSolutionVersion says ACTIVE (as a user polls it; by
  default the first describe waits for the training; evaluation metrics included), then
  GetSolutionMetrics, all through boto3 and the mock;
- recipe: the same evaluation + training called directly, without the API;
- lightfm: a bare LightFM WARP fit of the plain user-item matrix with the recipe's epochs and
  components, the floor any LightFM-based recipe pays.

    .venv/bin/python bench/bench_training.py [path/to/ml-100k]
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import boto3
import numpy as np
import pandas as pd
import scipy.sparse as sp
from lightfm import LightFM

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from personalize_local import mock_personalize  # noqa: E402
from personalize_local.eval import evaluate  # noqa: E402
from personalize_local.recipes import USER_PERSONALIZATION_ARN, TrainingInputs, fit_recipe  # noqa: E402
from personalize_local.recipes.user_personalization import UserPersonalization  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "ml-100k"
SCHEMA = '{"type": "record", "name": "Interactions", "namespace": "com.amazonaws.personalize.schema", "fields": [{"name": "USER_ID", "type": "string"}, {"name": "ITEM_ID", "type": "string"}, {"name": "TIMESTAMP", "type": "long"}], "version": "1.0"}'


def load(folder: Path) -> pd.DataFrame:
    ratings = pd.read_csv(folder / "u.data", sep="\t", names=["USER_ID", "ITEM_ID", "RATING", "TIMESTAMP"], dtype=str)
    liked = ratings[ratings["RATING"].astype(int) > 3]
    return pd.DataFrame({"USER_ID": liked["USER_ID"], "ITEM_ID": liked["ITEM_ID"], "TIMESTAMP": liked["TIMESTAMP"].astype("int64")})


def wait_active(describe, key: str) -> dict:
    while True:
        resource = describe()[key]
        if resource["status"] in ("ACTIVE", "CREATE FAILED"):
            return resource
        time.sleep(0.02)


def through_api(frame: pd.DataFrame) -> tuple[float, dict[str, float]]:
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")
    with mock_personalize():
        s3 = boto3.client("s3")
        p = boto3.client("personalize")
        s3.create_bucket(Bucket="bench")
        s3.put_object(Bucket="bench", Key="ml.csv", Body=frame.to_csv(index=False).encode())
        schema = p.create_schema(name="ml", schema=SCHEMA)["schemaArn"]
        group = p.create_dataset_group(name="ml")["datasetGroupArn"]
        wait_active(lambda: p.describe_dataset_group(datasetGroupArn=group), "datasetGroup")
        dataset = p.create_dataset(name="ml", schemaArn=schema, datasetGroupArn=group, datasetType="Interactions")["datasetArn"]
        wait_active(lambda: p.describe_dataset(datasetArn=dataset), "dataset")
        job = p.create_dataset_import_job(jobName="ml", datasetArn=dataset, dataSource={"dataLocation": "s3://bench/ml.csv"})
        wait_active(lambda: p.describe_dataset_import_job(datasetImportJobArn=job["datasetImportJobArn"]), "datasetImportJob")
        solution = p.create_solution(name="ml", datasetGroupArn=group, recipeArn=USER_PERSONALIZATION_ARN)["solutionArn"]
        wait_active(lambda: p.describe_solution(solutionArn=solution), "solution")

        started = time.perf_counter()
        version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
        final = wait_active(lambda: p.describe_solution_version(solutionVersionArn=version), "solutionVersion")
        metrics = p.get_solution_metrics(solutionVersionArn=version)["metrics"]
        seconds = time.perf_counter() - started
        assert final["status"] == "ACTIVE", final.get("failureReason")
    return seconds, metrics


def recipe_only(frame: pd.DataFrame) -> float:
    started = time.perf_counter()
    inputs = TrainingInputs(USER_PERSONALIZATION_ARN, frame)
    evaluate(inputs)
    fit_recipe(inputs)
    return time.perf_counter() - started


def bare_lightfm(frame: pd.DataFrame) -> float:
    defaults = UserPersonalization().factor_settings
    users = frame["USER_ID"].astype("category").cat.codes.to_numpy()
    items = frame["ITEM_ID"].astype("category").cat.codes.to_numpy()
    matrix = sp.coo_matrix((np.ones(len(frame), np.float32), (users, items)))
    started = time.perf_counter()
    LightFM(no_components=defaults.no_components, loss="warp", random_state=defaults.random_state).fit(
        matrix, epochs=defaults.epochs, num_threads=defaults.num_threads
    )
    return time.perf_counter() - started


def main(folder: Path = DEFAULT_DATA) -> None:
    if not (folder / "u.data").exists():
        sys.exit(f"MovieLens 100K not found at {folder}: pass its folder as the first argument.")
    frame = load(folder)
    print(f"{len(frame)} interactions, {frame.USER_ID.nunique()} users, {frame.ITEM_ID.nunique()} items (rating > 3)")
    api_seconds, metrics = through_api(frame)
    recipe_seconds = recipe_only(frame)
    lightfm_seconds = bare_lightfm(frame)
    print(f"{'api: CreateSolutionVersion -> ACTIVE + metrics':<50}{api_seconds:7.2f} s  {api_seconds / lightfm_seconds:5.2f}x")
    print(f"{'recipe: evaluate + train, no API':<50}{recipe_seconds:7.2f} s  {recipe_seconds / lightfm_seconds:5.2f}x")
    print(f"{'lightfm: one bare WARP fit (baseline)':<50}{lightfm_seconds:7.2f} s  1.00x")
    for name, value in sorted(metrics.items()):
        print(f"  {name:<46}{value:.4f}")


if __name__ == "__main__":
    main(*(Path(a) for a in sys.argv[1:2]))
