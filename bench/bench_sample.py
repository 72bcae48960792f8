"""The service's own Python getting-started sample, unchanged, on MovieLens 100K (ratings > 3).

The sample (getting-started-python.md) imports right after creating the dataset, trains
right after creating the solution, asks for recommendations right after creating the
campaign, and waits with time.sleep(60) between describes. Two figures in one run:
- sample: the whole sample through boto3 and the mock, and how many minute-long sleeps it
  took (each one a minute of a user's test suite);
- recipe: the import's parse and the training (evaluation + fit) called directly, the
  work the sample cannot avoid.

    .venv/bin/python bench/bench_sample.py [path/to/ml-100k]
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import time
from pathlib import Path

import boto3
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from personalize_local import mock_personalize  # noqa: E402
from personalize_local.data.csv_import import read_csv_files  # noqa: E402
from personalize_local.data.schemas import parse_schema  # noqa: E402
from personalize_local.eval import evaluate  # noqa: E402
from personalize_local.recipes import USER_PERSONALIZATION_ARN, TrainingInputs, fit_recipe  # noqa: E402
from tests import service_sample  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "ml-100k"
ROLE_ARN = "arn:aws:iam::123456789012:role/PersonalizeRole"


def load(folder: Path) -> bytes:
    ratings = pd.read_csv(folder / "u.data", sep="\t", names=["USER_ID", "ITEM_ID", "RATING", "TIMESTAMP"], dtype=str)
    liked = ratings[ratings["RATING"].astype(int) > 3]
    return liked[["USER_ID", "ITEM_ID", "TIMESTAMP"]].to_csv(index=False).encode()


def sample(body: bytes) -> tuple[float, int, list[str]]:
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")
    sleeps: list[float] = []
    with mock_personalize():
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="bench")
        s3.put_object(Bucket="bench", Key="ratings.csv", Body=body)
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):  # the sample prints as it goes
            items = service_sample.run(
                boto3.client("personalize"), boto3.client("personalize-runtime"), "s3://bench/ratings.csv", ROLE_ARN, sleeps.append
            )
        seconds = time.perf_counter() - started
    return seconds, len(sleeps), items


def recipe_only(body: bytes) -> float:
    schema = parse_schema(json.dumps(service_sample.SCHEMA), None)
    started = time.perf_counter()
    frame = read_csv_files([("ratings.csv", body)], schema, "INTERACTIONS")
    inputs = TrainingInputs(USER_PERSONALIZATION_ARN, frame)
    evaluate(inputs)
    fit_recipe(inputs)
    return time.perf_counter() - started


def main(folder: Path = DEFAULT_DATA) -> None:
    if not (folder / "u.data").exists():
        sys.exit(f"MovieLens 100K not found at {folder}: pass its folder as the first argument.")
    body = load(folder)
    sample_seconds, sleeps, items = sample(body)
    recipe_seconds = recipe_only(body)
    print(f"{'sample: the service sample, unchanged, via boto3':<52}{sample_seconds:7.2f} s  {sample_seconds / recipe_seconds:5.2f}x")
    print(f"{'recipe: parse + evaluate + train, no API':<52}{recipe_seconds:7.2f} s  1.00x")
    print(f"time.sleep(60) calls the sample made: {sleeps}  (recommended for user 123: {', '.join(items[:5])}, ...)")


if __name__ == "__main__":
    main(*(Path(a) for a in sys.argv[1:2]))
