"""Recommendation quality on MovieLens 100K (ratings > 3) under the service's evaluation protocol.

Five random user splits (seeds 0..4, quality_protocol.py). For each, the service is given every
training user's interactions and each test user's oldest 90% through boto3 (S3, import job),
trains a solution version, deploys a campaign, and each test user's top 25 comes from
GetRecommendations; the metrics are computed here and averaged over the splits. Rows:

- aws-user-personalization and aws-popularity-count, through the API;
- a bare LightFM WARP fit of the same splits (the user-item matrix, the recipe's components
  and epochs, the user's own items left out), computed directly.

For every version trained through the API, its GetSolutionMetrics must agree within 0.01 with
the metrics computed here on the split the emulator used (see quality_protocol.through_api).

A section is a function (interactions, splits) -> rows; SECTIONS lists them, and another
recipe's file adds its own.

    .venv/bin/python bench/quality.py [path/to/ml-100k]
"""
from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp
from lightfm import LightFM

from quality_protocol import METRICS, TOP, Row, Section, Split, measure, through_api  # first: puts the repository on the path
from bench_training import DEFAULT_DATA, load  # noqa: I001

from personalize_local.recipes.user_personalization import BLEND, UserPersonalization

SEEDS = range(5)
AGREEMENT = 0.01
TARGETS = {
    "precision_at_5": 0.09,
    "normalized_discounted_cumulative_gain_at_10": 0.28,
    "mean_reciprocal_rank_at_25": 0.24,
    "coverage": 0.25,
}
SHOWN = ("precision_at_5", "precision_at_25", "normalized_discounted_cumulative_gain_at_10", "mean_reciprocal_rank_at_25", "coverage")
USER_PERSONALIZATION = "arn:aws:personalize:::recipe/aws-user-personalization"
POPULARITY = "arn:aws:personalize:::recipe/aws-popularity-count"


# The offline metrics see no exploration, so the measured campaign explores nothing; the campaign
# as deployed by default (explorationWeight 0.3) is shown beside it.
NO_EXPLORATION = {"itemExplorationConfig": {"explorationWeight": "0"}}


def user_personalization(interactions: pd.DataFrame, splits: Sequence[Split]) -> list[Row]:
    campaigns = {"aws-user-personalization": NO_EXPLORATION, "aws-user-personalization, default exploration 0.3": {}}
    return [row for split in splits for row in through_api(USER_PERSONALIZATION, split, campaigns)]


def popularity(interactions: pd.DataFrame, splits: Sequence[Split]) -> list[Row]:
    return [row for split in splits for row in through_api(POPULARITY, split, {"aws-popularity-count": {}})]


def bare_lightfm(interactions: pd.DataFrame, splits: Sequence[Split]) -> list[Row]:
    settings = UserPersonalization().factor_settings
    rows = []
    for split in splits:
        users = pd.Categorical(split.data["USER_ID"])
        items = pd.Categorical(split.data["ITEM_ID"])
        matrix = sp.csr_matrix((np.ones(len(split.data), np.float32), (users.codes, items.codes)))
        model = LightFM(no_components=settings.no_components, loss="warp", random_state=settings.random_state)
        model.fit(matrix.tocoo(), epochs=settings.epochs, num_threads=settings.num_threads)
        scores = model.user_embeddings @ model.item_embeddings.T + model.item_biases
        recommended = {}
        for user in split.inputs:
            row = users.categories.get_loc(user)
            own = scores[row].copy()
            own[matrix[row].indices] = -np.inf  # already seen
            recommended[user] = list(items.categories[np.argsort(-own, kind="stable")[:TOP]])
        rows.append(Row("bare LightFM WARP (direct)", split.seed, measure(recommended, split.holdout, split.catalog_size)))
    return rows


def views_alone(interactions: pd.DataFrame, splits: Sequence[Split]) -> list[Row]:
    """Each view of aws-user-personalization alone and the blend, computed directly (no exploration)."""
    models = {
        "item-to-item view alone (direct)": {"linear": 1.0, "factors": 0.0},
        "factor view alone (direct)": {"linear": 0.0, "factors": 1.0},
        "the blend (direct)": BLEND,
    }
    rows = []
    for split in splits:
        model = UserPersonalization().fit(split.data)
        for name, weights in models.items():
            model.view_weights = weights  # the views themselves do not depend on the weights: one fit serves all
            recommended = {user: [item for item, _ in model.recommend(user, history, TOP)] for user, history in split.inputs.items()}
            rows.append(Row(name, split.seed, measure(recommended, split.holdout, split.catalog_size)))
    return rows


SECTIONS: list[Section] = [user_personalization, views_alone, bare_lightfm, popularity]


def table(rows: list[Row]) -> None:
    names = list(dict.fromkeys(row.name for row in rows))
    print(f"| row (mean of {len(SEEDS)} splits) | " + " | ".join(SHOWN) + " |")
    print("|---|" + "---:|" * len(SHOWN))
    for name in names:
        mine = [row.metrics for row in rows if row.name == name]
        cells = [f"{np.mean([m[k] for m in mine]):.4f} ± {np.std([m[k] for m in mine]):.4f}" for k in SHOWN]
        print(f"| {name} | " + " | ".join(cells) + " |")
    print("| target (aws-user-personalization) | " + " | ".join(f">= {TARGETS[k]}" if k in TARGETS else "" for k in SHOWN) + " |")


def agreement(rows: list[Row]) -> bool:
    """Print the largest gap between GetSolutionMetrics and our computation on the emulator's split."""
    fine = True
    for row in rows:
        if row.reported is None or row.recomputed is None:
            continue
        gaps = {k: abs(row.reported[k] - row.recomputed[k]) for k in METRICS}
        worst = max(gaps, key=gaps.get)
        ok = gaps[worst] <= AGREEMENT
        fine &= ok
        print(f"  {row.name:<28} split {row.seed}: largest gap {gaps[worst]:.4f} ({worst}) {'ok' if ok else 'DISAGREES'}")
    return fine


def main(folder: Path = DEFAULT_DATA) -> None:
    if not (folder / "u.data").exists():
        sys.exit(f"MovieLens 100K not found at {folder}: pass its folder as the first argument.")
    interactions = load(folder)
    splits = [Split.draw(interactions, seed) for seed in SEEDS]
    print(f"{len(interactions)} interactions (rating > 3); {len(splits[0].inputs)} test users per split")
    rows: list[Row] = []
    for section in SECTIONS:
        started = time.perf_counter()
        rows += section(interactions, splits)
        print(f"  section {section.__name__}: {time.perf_counter() - started:.1f} s")
    print()
    table(rows)
    print("\nGetSolutionMetrics vs the metrics computed here on the emulator's split (|gap| <= 0.01):")
    if not agreement(rows):
        sys.exit("GetSolutionMetrics disagree with the benchmark's computation")
    mean = {k: np.mean([r.metrics[k] for r in rows if r.name == "aws-user-personalization"]) for k in TARGETS}
    missed = [k for k, target in TARGETS.items() if mean[k] < target]
    print("\ntargets met" if not missed else f"\ntargets missed: {', '.join(missed)}")


if __name__ == "__main__":
    main(*(Path(a) for a in sys.argv[1:2]))
