"""Why GetSolutionMetrics of a related-items recipe differs from issue 19's protocol (solution_metrics.py says it).

On MovieLens 100K (ratings > 3), for aws-sims by default, computed directly (what GetRecommendations with an
itemId answers is the model's ``similar``, tests/test_solution_metrics.py pins it):

- the issue's protocol: Split.by_users, seeds 1-3, the test users' earlier interactions train, each asks about their
  last input item (bench/quality_related.py through the API);
- GetSolutionMetrics of those three versions (the emulator's split, seed 0, of each version's data);
- GetSolutionMetrics' own protocol over DRAWS draws of the whole data (its seeds 0..DRAWS-1), and its seed 0 alone;
- the protocol's test users over the same DRAWS draws with each difference switched on its own: the holdout's
  rounding (max(1, round(10%)), or ceil(10%) as flooring the input's 90% gives) and whether the test users'
  earlier interactions train.

    .venv/bin/python bench/quality_solution_metrics.py [path/to/ml-100k] [recipe ARN]
"""
from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from quality_protocol import TEST_SHARE, Split, measure  # first: puts the repository on the path
from bench_training import DEFAULT_DATA, load  # noqa: I001

from personalize_local.eval import evaluate
from personalize_local.recipes import TrainingInputs, fit_recipe

SIMS = "arn:aws:personalize:::recipe/aws-sims"
ISSUE_SEEDS = (1, 2, 3)
DRAWS = 20
SHOWN = ("precision_at_5", "normalized_discounted_cumulative_gain_at_10", "mean_reciprocal_rank_at_25", "coverage")
# Held out of a test user's n interactions, by rule.
HOLDOUTS: dict[str, Callable[[int], int]] = {
    "round": lambda n: max(1, round(TEST_SHARE * n)),
    "ceil": lambda n: n - min(max(1, math.floor((1 - TEST_SHARE) * n)), n - 1),
}


def asked(model: Any, inputs: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """Each test user's 25 items related to their last input item (``model``: a RelatedItems)."""
    return {user: [item for item, _ in model.similar(items[-1], 25)] for user, items in inputs.items()}


def by_users_draw(
    recipe: str, interactions: pd.DataFrame, seed: int, held: Callable[[int], int], test_users_train: bool
) -> dict[str, float]:
    """Split.by_users' test users, ``held`` of each one's newest held out; their earlier interactions train or not."""
    split = Split.by_users(interactions, seed)
    ordered = interactions.sort_values("TIMESTAMP", kind="stable")
    sequences = {user: list(rows["ITEM_ID"]) for user, rows in ordered[ordered["USER_ID"].isin(split.holdout)].groupby("USER_ID")}
    inputs = {user: items[: len(items) - held(len(items))] for user, items in sequences.items()}
    holdout = {user: items[len(items) - held(len(items)) :] for user, items in sequences.items()}
    others = interactions[~interactions["USER_ID"].isin(sequences)]
    given = [others]
    if test_users_train:
        mine = ordered[ordered["USER_ID"].isin(sequences)]
        position = mine.groupby("USER_ID").cumcount()
        given.append(mine[position < mine["USER_ID"].map({user: len(items) for user, items in inputs.items()})])
    model = fit_recipe(TrainingInputs(recipe, pd.concat(given, ignore_index=True)))
    return measure(asked(model, inputs), holdout, interactions["ITEM_ID"].nunique())


def line(name: str, figures: Sequence[Mapping[str, float]]) -> None:
    cells = [f"{np.mean([f[k] for f in figures]):.4f}" + (f" ± {np.std([f[k] for f in figures]):.4f}" if len(figures) > 3 else "") for k in SHOWN]
    print(f"| {name} | " + " | ".join(cells) + " |", flush=True)



def main(folder: Path = DEFAULT_DATA, recipe: str = SIMS) -> None:
    interactions = load(folder)
    print(f"{recipe} on {len(interactions)} interactions (rating > 3); mean (± sd over draws where there are {DRAWS})")
    print()
    print("| evaluation | " + " | ".join(SHOWN) + " |")
    print("|---|" + "---:|" * len(SHOWN))
    splits = [Split.by_users(interactions, seed) for seed in ISSUE_SEEDS]
    line("issue's protocol, seeds 1-3", [measure(asked(fit_recipe(TrainingInputs(recipe, s.data)), s.inputs), s.holdout, s.catalog_size) for s in splits])
    line("GetSolutionMetrics of those three versions", [evaluate(TrainingInputs(recipe, s.data)) for s in splits])
    guide = [evaluate(TrainingInputs(recipe, interactions, seed=seed)) for seed in range(DRAWS)]
    line("GetSolutionMetrics' protocol, its seed 0", guide[:1])
    line(f"GetSolutionMetrics' protocol, seeds 0-{DRAWS - 1}", guide)
    for rule in HOLDOUTS:
        for train in (True, False):
            name = f"protocol's test users, {rule}(10%) held out, {'their earlier interactions train' if train else 'test users do not train'}"
            line(name + f", seeds 0-{DRAWS - 1}", [by_users_draw(recipe, interactions, seed, HOLDOUTS[rule], train) for seed in range(DRAWS)])


if __name__ == "__main__":
    main(*[Path(a) for a in sys.argv[1:2]], *sys.argv[2:3])
