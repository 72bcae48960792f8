"""Time evaluation and training of the recipes on MovieLens 100K.

Usage: python bench/bench_training.py [path/to/ml-100k/u.data]

Keeps ratings above 3 (about 55k interactions), then for each recipe times
``evaluate`` (split + train on 90% of users + next-item metrics) and ``train``
(minimum data check + train on everything), printing seconds and metrics.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Callable, TypeVar

import pandas as pd

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from personalize_local.eval import evaluate  # noqa: E402
from personalize_local.recipes import (  # noqa: E402
    POPULARITY_COUNT_ARN,
    USER_PERSONALIZATION_ARN,
    train,
)

DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data" / "ml-100k" / "u.data"
MIN_RATING = 3
T = TypeVar("T")


def load_movielens(path: Path) -> pd.DataFrame:
    ratings = pd.read_csv(
        path, sep="\t", names=["USER_ID", "ITEM_ID", "RATING", "TIMESTAMP"], dtype=str
    )
    liked = ratings[ratings["RATING"].astype(int) > MIN_RATING]
    return pd.DataFrame(
        {
            "USER_ID": liked["USER_ID"],
            "ITEM_ID": liked["ITEM_ID"],
            "TIMESTAMP": liked["TIMESTAMP"].astype("int64"),
        }
    ).reset_index(drop=True)


def timed(action: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = action()
    return result, time.perf_counter() - start


def bench(recipe_arn: str, interactions: pd.DataFrame) -> None:
    metrics, evaluate_seconds = timed(
        lambda: evaluate(recipe_arn, interactions, None, None, {}, seed=0)
    )
    _, train_seconds = timed(lambda: train(recipe_arn, interactions, None, None, {}, seed=0))
    print(f"\n{recipe_arn.rsplit('/', 1)[-1]}")
    print(f"  evaluate: {evaluate_seconds:6.2f} s")
    print(f"  train:    {train_seconds:6.2f} s")
    print(f"  total:    {evaluate_seconds + train_seconds:6.2f} s")
    for name, value in metrics.items():
        print(f"  {name:45s} {value:.4f}")


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else DEFAULT_DATA
    if not path.is_file():
        print(f"MovieLens 100K ratings not found at {path}; pass the u.data path.", file=sys.stderr)
        return 2
    interactions = load_movielens(path)
    print(
        f"{len(interactions)} interactions, {interactions['USER_ID'].nunique()} users, "
        f"{interactions['ITEM_ID'].nunique()} items (rating > {MIN_RATING})"
    )
    for recipe_arn in (USER_PERSONALIZATION_ARN, POPULARITY_COUNT_ARN):
        bench(recipe_arn, interactions)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
