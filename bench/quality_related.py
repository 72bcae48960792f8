"""Related items on MovieLens 100K (ratings > 3) under issue 19's protocol, with the goal beside each figure.

Seeds 1, 2 and 3 (quality_protocol.Split.by_users: users shuffled by the seed, the first 10% held out
as test users, each test user's newest max(1, round(10%)) interactions by TIMESTAMP held out). For
each, the recipe is trained through the API on the rest and deployed; each test user asks
GetRecommendations with itemId = their last training item, 25 items, and quality_protocol.measure
scores the answer against their held-out items. Rows:

- aws-sims with its defaults, reported beside the goal row but not held to it: the default
  max_item_interaction_count_percentile of 0.9 leaves the most popular tenth of the catalog out of
  training (native-recipe-sims.md: no neighbours, no one's neighbour), the items a quarter of the
  held-out interactions are with (DEFAULTS_NOTE);
- aws-sims keeping every item (max_item_interaction_count_percentile 1.0), held to the issue's goal
  row (GOAL);
- aws-similar-items without an Items dataset, and with one carrying ml-100k's genres (u.item), the
  latter held to "at least as good as" aws-sims on each metric, each recipe as a user gets it (its
  defaults; aws-similar-items has no featurization hyperparameters). Its gap to aws-sims keeping
  every item is printed beside, not held to: on seeds 1-3 it is within a standard error below, on
  seeds 4-23 level (BENCHMARKS.md);
- the issue's plain model, computed here in numpy (PLAIN_ISSUE: the figures the issue gives for it,
  to check that this protocol reproduces them).

A PASS/FAIL line per target, and the run exits with an error if one fails. One more check, on the
recipe fitted directly: every related item of each cold item (fewer than COLD training interactions)
shares a genre with it, with Items.

    .venv/bin/python bench/quality_related.py [path/to/ml-100k]
    .venv/bin/python bench/quality_related.py --seeds 4-23 [path/to/ml-100k]

The second form checks that a difference is more than the three seeds' luck: the same rows on other
seeds, each recipe fitted directly (the campaigns answer what the model's ``similar`` answers), no goals.

bench/quality.py runs :func:`related_items` as one of its sections (on its own splits) and checks
that aws-sims (SIMS_ROW, its defaults) beats popularity.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from quality_protocol import TOP, Asked, Row, Split, about_last_item, measure, through_api  # first: puts the repository on the path
from bench_training import DEFAULT_DATA, load  # noqa: I001

from personalize_local.recipes import TrainingInputs, fit_recipe
from personalize_local.recipes.base import RelatedItems
from personalize_local.recipes.hyperparameters import configured_hyperparameters
from personalize_local.recipes.similar_items import COLD_INTERACTIONS, SimilarItems

SEEDS = (1, 2, 3)
SIMS_ROW = "aws-sims"
SIMS_ALL_ITEMS_ROW = "aws-sims, max_item_interaction_count_percentile 1.0"
SIMILAR_ROW = "aws-similar-items (no Items dataset)"
SIMILAR_GENRES_ROW = "aws-similar-items (Items: genres)"
PLAIN_ROW = "plain model (numpy, direct)"
SIMS = "arn:aws:personalize:::recipe/aws-sims"
SIMILAR_ITEMS = "arn:aws:personalize:::recipe/aws-similar-items"

P5, NDCG10, MRR25, COVERAGE = (
    "precision_at_5", "normalized_discounted_cumulative_gain_at_10", "mean_reciprocal_rank_at_25", "coverage",
)
SHOWN = {P5: "P@5", NDCG10: "NDCG@10", MRR25: "MRR@25", COVERAGE: "coverage"}
# Issue 19's goal for aws-sims, on the mean of the seeds; GOAL_ROW is held to it.
GOAL = {P5: 0.045, NDCG10: 0.165, MRR25: 0.135, COVERAGE: 0.35}
GOAL_ROW = SIMS_ALL_ITEMS_ROW
DEFAULTS_NOTE = (
    f"{SIMS_ROW} (defaults) is not held to the goal: its max_item_interaction_count_percentile of 0.9 leaves the most "
    "popular tenth of the items out of training (native-recipe-sims.md), and those are the asked item for about 40% "
    "of the test users, who then get popular items"
)
# What the issue reports for its plain model: this protocol should reproduce it.
PLAIN_ISSUE = {P5: 0.0426, NDCG10: 0.1547, MRR25: 0.1250, COVERAGE: 0.40}
# A unit of the last digit the issue gives.
PLAIN_TOLERANCE = {P5: 0.0001, NDCG10: 0.0001, MRR25: 0.0001, COVERAGE: 0.01}

# The plain model: steps within WINDOW of a user's time-ordered history, 1/d forward and BACKWARD/d
# backward, plus COSINE times the cosine co-occurrence, each row scaled so that its best is 1.
WINDOW, BACKWARD, COSINE = 5, 0.5, 0.5

# (row name, recipe, solutionConfig, whether its dataset group has the Items dataset)
RECIPES: tuple[tuple[str, str, Mapping[str, Any], bool], ...] = (
    (SIMS_ROW, SIMS, {}, False),
    (SIMS_ALL_ITEMS_ROW, SIMS, {"algorithmHyperParameters": {"max_item_interaction_count_percentile": "1.0"}}, False),
    (SIMILAR_ROW, SIMILAR_ITEMS, {}, False),
    (SIMILAR_GENRES_ROW, SIMILAR_ITEMS, {}, True),
)


def genres(folder: Path = DEFAULT_DATA) -> pd.DataFrame:
    """ITEM_ID and GENRES ('|' between them) of every movie of u.item, by u.genre's names."""
    names = pd.read_csv(folder / "u.genre", sep="|", names=["GENRE", "INDEX"])["GENRE"].tolist()
    movies = pd.read_csv(folder / "u.item", sep="|", encoding="latin-1", header=None)
    flags = movies.iloc[:, 5:].to_numpy(dtype=bool)
    return pd.DataFrame({"ITEM_ID": movies[0].astype(str), "GENRES": ["|".join(np.array(names)[row]) for row in flags]})


def related_items(interactions: pd.DataFrame, splits: Sequence[Split], folder: Path = DEFAULT_DATA) -> list[Row]:
    """Each recipe of RECIPES through the API, and the plain model, on each split."""
    items = genres(folder)
    rows = [
        row
        for split in splits
        for name, recipe, config, with_items in RECIPES
        for row in through_api(
            recipe, split, [Asked(name, about_last_item, reads_history=False)], config, items if with_items else None
        )
    ]
    return rows + [Row(PLAIN_ROW, split.seed, measure(plain_model(split), split.holdout, split.catalog_size)) for split in splits]


def related_items_directly(splits: Sequence[Split], folder: Path = DEFAULT_DATA) -> list[Row]:
    """The rows of :func:`related_items`, each recipe fitted directly and asked through its ``similar``."""
    items = genres(folder)
    rows = []
    for split in splits:
        for name, recipe, config, with_items in RECIPES:
            model = fit_recipe(TrainingInputs(recipe, split.data, items if with_items else None, hyperparameters=configured_hyperparameters(config)))
            assert isinstance(model, RelatedItems)
            answers = {user: [item for item, _ in model.similar(inputs[-1], TOP)] for user, inputs in split.inputs.items()}
            rows.append(Row(name, split.seed, measure(answers, split.holdout, split.catalog_size)))
        rows.append(Row(PLAIN_ROW, split.seed, measure(plain_model(split), split.holdout, split.catalog_size)))
    return rows


def _scaled_rows(matrix: np.ndarray) -> np.ndarray:
    return matrix / np.maximum(matrix.max(axis=1, keepdims=True), 1e-12)


def plain_model(split: Split) -> dict[str, list[str]]:
    """The issue's plain model, written from its description: each test user's 25 items about their last input item."""
    data = split.data.sort_values(["USER_ID", "TIMESTAMP"], kind="stable")
    catalog = pd.Categorical(data["ITEM_ID"])
    items, users = catalog.codes.astype(np.int64), data["USER_ID"].to_numpy()
    n = len(catalog.categories)
    steps = np.zeros((n, n))
    for d in range(1, WINDOW + 1):
        same = users[d:] == users[:-d]
        earlier, later = items[:-d][same], items[d:][same]
        np.add.at(steps, (earlier, later), 1.0 / d)
        np.add.at(steps, (later, earlier), BACKWARD / d)
    who = sp.csr_matrix((np.ones(items.size), (pd.Categorical(users).codes, items)))
    who.data[:] = 1.0
    together = (who.T @ who).toarray()
    popularity = np.diag(together).copy()
    np.fill_diagonal(together, 0.0)
    cosine = together / np.sqrt(np.outer(popularity, popularity))
    scores = _scaled_rows(steps) + COSINE * _scaled_rows(cosine)
    np.fill_diagonal(scores, -np.inf)
    position = {item: k for k, item in enumerate(catalog.categories)}
    return {user: list(catalog.categories[np.argsort(-scores[position[inputs[-1]]], kind="stable")[:TOP]]) for user, inputs in split.inputs.items()}


def cold_items_share_genres(split: Split, items: pd.DataFrame) -> tuple[int, int]:
    """aws-similar-items fitted on the split with Items: (cold items with a genre, those whose 25 related items
    share a genre with them, but for the popular items topping up a list when fewer than 25 items share one)."""
    model = SimilarItems().fit(split.data, items)
    counts = split.data.groupby("ITEM_ID")["USER_ID"].nunique()
    of = {item: set(g.split("|")) - {""} for item, g in zip(items["ITEM_ID"], items["GENRES"])}
    cold = [item for item in items["ITEM_ID"] if counts.get(item, 0) < COLD_INTERACTIONS and of[item]]

    def shares(item: str) -> bool:
        sharing = [bool(of[item] & of[other]) for other, _ in model.similar(item, TOP)]
        available = sum(bool(of[item] & genres_) for other, genres_ in of.items() if other != item)
        return sharing == [True] * min(TOP, available) + [False] * (TOP - min(TOP, available))

    return len(cold), sum(map(shares, cold))


def mean(rows: Sequence[Row], name: str, metric: str) -> float:
    return float(np.mean([row.metrics[metric] for row in rows if row.name == name]))


def table(rows: Sequence[Row], seeds: Sequence[int] = SEEDS, with_goals: bool = True) -> None:
    """Mean of the seeds, each figure with its goal: the issue's for aws-sims keeping every item, aws-sims'
    (defaults) figure for aws-similar-items with Items, the issue's figure for the plain model."""
    goals: dict[str, dict[str, str]] = {
        SIMS_ROW: {m: "defaults, see below" for m in SHOWN},
        GOAL_ROW: {m: f"≥ {GOAL[m]}" for m in SHOWN},
        SIMILAR_GENRES_ROW: {m: f"≥ {mean(rows, SIMS_ROW, m):.4f}" for m in SHOWN},
        PLAIN_ROW: {m: f"issue: {PLAIN_ISSUE[m]}" for m in SHOWN},
    } if with_goals else {}
    print(f"| ml-100k, related items (mean of seeds {', '.join(map(str, seeds))}) | " + " | ".join(SHOWN.values()) + " |")
    print("|---|" + "---:|" * len(SHOWN))
    for name in dict.fromkeys(row.name for row in rows):
        cells = [f"{mean(rows, name, m):.4f}" + (f" ({goals[name][m]})" if name in goals else "") for m in SHOWN]
        print(f"| {name} | " + " | ".join(cells) + " |")


def verdicts(rows: Sequence[Row]) -> list[tuple[bool, str]]:
    found: list[tuple[bool, str]] = []
    for m, label in SHOWN.items():
        sims, similar, plain = mean(rows, GOAL_ROW, m), mean(rows, SIMILAR_GENRES_ROW, m), mean(rows, PLAIN_ROW, m)
        found.append((sims >= GOAL[m], f"{GOAL_ROW} {label} {sims:.4f} >= {GOAL[m]}"))
        defaults = mean(rows, SIMS_ROW, m)
        found.append((similar >= defaults, f"{SIMILAR_GENRES_ROW} {label} {similar:.4f} >= {SIMS_ROW}'s {defaults:.4f} "
                      f"({similar - sims:+.4f} beside {GOAL_ROW})"))
        found.append((abs(plain - PLAIN_ISSUE[m]) <= PLAIN_TOLERANCE[m], f"{PLAIN_ROW} {label} {plain:.4f} reproduces the issue's {PLAIN_ISSUE[m]}"))
    return found


def other_seeds(interactions: pd.DataFrame, seeds: Sequence[int], folder: Path) -> None:
    started = time.perf_counter()
    rows = related_items_directly([Split.by_users(interactions, seed) for seed in seeds], folder)
    print(f"  {time.perf_counter() - started:.1f} s, each recipe fitted directly\n")
    table(rows, seeds, with_goals=False)


def main(arguments: Sequence[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_DATA, help="MovieLens 100K's folder")
    parser.add_argument("--seeds", help="other seeds, FIRST-LAST, each recipe fitted directly, no goals")
    given = parser.parse_args(arguments)
    folder: Path = given.folder
    if not (folder / "u.data").exists():
        sys.exit(f"MovieLens 100K not found at {folder}: pass its folder as the first argument.")
    interactions = load(folder)
    if given.seeds:
        first, last = map(int, given.seeds.split("-"))
        other_seeds(interactions, range(first, last + 1), folder)
        return
    splits = [Split.by_users(interactions, seed) for seed in SEEDS]
    print(f"{len(interactions)} interactions (rating > 3); {len(splits[0].holdout)} test users per split")
    started = time.perf_counter()
    rows = related_items(interactions, splits, folder)
    print(f"  {time.perf_counter() - started:.1f} s\n")
    table(rows)
    print(f"\n{DEFAULTS_NOTE}.\n")
    found = verdicts(rows)
    cold, sharing = cold_items_share_genres(splits[0], genres(folder))
    found.append((sharing == cold, f"{SIMILAR_GENRES_ROW}: {sharing} of {cold} cold items (< {COLD_INTERACTIONS} users, seed {SEEDS[0]}) get related items that share a genre"))
    for passed, text in found:
        print(f"{'PASS' if passed else 'FAIL'}  {text}")
    if not all(passed for passed, _ in found):
        sys.exit(f"{sum(not passed for passed, _ in found)} of {len(found)} targets missed")


if __name__ == "__main__":
    main(sys.argv[1:])
