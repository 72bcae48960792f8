"""Offline solution-version metrics, as the developer guide defines them.

Split (working-with-training-metrics.md): 90% of users, with all their
interactions, form the training set. For each of the remaining 10% of users the
oldest 90% of their interactions are given to the trained model as input and the
newest 10% are held out; recommendations are compared with the held-out items.
The guide does not say how 10% of n interactions rounds: the newest
max(1, round(0.1 n)) are held out (round half to even, as Python and pandas
round), the rule a notebook writes and the one bench/quality_protocol.py states,
so a user's figures and these differ only where the guide says they do
(solution_metrics.py).

Per test user, with ``hits`` = recommended items found in the held-out items:

* precision_at_K: hits within the top K divided by K.
* reciprocal rank (top 25): 1 / rank of the best-ranked hit, 0 without hits.
* NDCG at K: sum of 1/log(1 + position) over hits in the top K, divided by the
  same sum for those hits placed at positions 1..n_hits. The guide normalizes by
  the number of hits (not by the number of held-out items), so a list whose hits
  are all at the top scores 1 and a list without hits scores 0.

Each metric is the mean over test users. coverage is the number of distinct
items recommended (top 25) to any test user divided by the number of distinct
items in the Interactions and Items datasets. Values are rounded to 4 decimals.

The guide's worked example (one user, hits at ranks 2 and 5, K = 5)::

    reciprocal rank  1/2                                              = 0.5000
    ndcg_at_5        (1/log(3) + 1/log(6)) / (1/log(2) + 1/log(3))  = 0.6241
    precision_at_5   2/5                                              = 0.4000

``user_metrics`` reproduces these numbers.
"""
from __future__ import annotations

import math
from typing import Callable, Mapping, Sequence, cast

import numpy as np
import pandas as pd

from ..recipes.base import USER_ID, chronological, sequences

MAX_K = 25
NDCG_KS = (5, 10, 25)
PRECISION_KS = (5, 10, 25)
TEST_USER_SHARE = 0.1
HOLDOUT_SHARE = 0.1
DECIMALS = 4

# (user_id, input history, num_results) -> recommended item ids, best first.
RecommendFn = Callable[[str, Sequence[str], int], Sequence[str]]

METRIC_NAMES = (
    "coverage",
    "mean_reciprocal_rank_at_25",
    *(f"normalized_discounted_cumulative_gain_at_{k}" for k in NDCG_KS),
    *(f"precision_at_{k}" for k in PRECISION_KS),
)


def split_for_evaluation(
    interactions: pd.DataFrame, seed: int = 0
) -> tuple[pd.DataFrame, dict[str, list[str]], dict[str, list[str]]]:
    """Split interactions into (train_df, test_inputs, test_holdout).

    Test users are drawn at random (seeded) among users with at least two
    interactions, so every test user has at least one input and at least one
    held-out item; users with a single interaction always train.
    """
    ordered = chronological(interactions)
    test_users = _pick_test_users(ordered.groupby(USER_ID, sort=True).size(), seed)
    train_df = ordered[~ordered[USER_ID].isin(test_users)].reset_index(drop=True)
    test_inputs: dict[str, list[str]] = {}
    test_holdout: dict[str, list[str]] = {}
    for user, sequence in sequences(ordered, test_users).items():
        cut = _input_length(len(sequence))
        test_inputs[user] = sequence[:cut]
        test_holdout[user] = sequence[cut:]
    return train_df, test_inputs, test_holdout


def _pick_test_users(lengths: pd.Series, seed: int) -> list[str]:
    """``lengths``: interactions per user."""
    eligible = sorted(cast(str, user) for user, n in lengths.items() if n >= 2)  # pandas-stubs: labels are Hashable
    if not eligible:
        return []
    n_test = max(1, round(TEST_USER_SHARE * len(lengths)))
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(eligible), size=min(n_test, len(eligible)), replace=False)
    return [eligible[i] for i in sorted(chosen)]


def _input_length(n: int) -> int:
    """What is left once the newest max(1, round(10%)) are held out; for n >= 2 at least one item stays input.

    Flooring the input's 90% instead (the rule before) holds out ceil(10%): one item more for every user whose 10%
    has a fraction in (0, .5], which raised aws-sims' precision@5 on MovieLens 100K by about a quarter
    (solution_metrics.py)."""
    return max(1, n - max(1, round(HOLDOUT_SHARE * n)))


def user_metrics(recommended: Sequence[str], relevant: set[str]) -> dict[str, float]:
    """Unrounded metrics for one test user (coverage excluded)."""
    top = list(recommended[:MAX_K])
    hit_ranks = [rank for rank, item in enumerate(top, start=1) if item in relevant]
    result = {"mean_reciprocal_rank_at_25": 1.0 / hit_ranks[0] if hit_ranks else 0.0}
    for k in NDCG_KS:
        result[f"normalized_discounted_cumulative_gain_at_{k}"] = _ndcg(
            [r for r in hit_ranks if r <= k]
        )
    for k in PRECISION_KS:
        result[f"precision_at_{k}"] = sum(1 for r in hit_ranks if r <= k) / k
    return result


def _ndcg(hit_ranks: Sequence[int]) -> float:
    if not hit_ranks:
        return 0.0
    dcg = sum(1.0 / math.log(1 + rank) for rank in hit_ranks)
    ideal = sum(1.0 / math.log(1 + rank) for rank in range(1, len(hit_ranks) + 1))
    return dcg / ideal


def compute_metrics(
    recommend_fn: RecommendFn,
    test_inputs: Mapping[str, Sequence[str]],
    test_holdout: Mapping[str, Sequence[str]],
    catalog_size: int,
) -> dict[str, float]:
    """Average per-user metrics over the test users, plus catalog coverage."""
    totals = dict.fromkeys(METRIC_NAMES, 0.0)
    recommended_items: set[str] = set()
    for user, history in test_inputs.items():
        recommended = list(recommend_fn(user, history, MAX_K))[:MAX_K]
        recommended_items.update(recommended)
        for name, value in user_metrics(recommended, set(test_holdout[user])).items():
            totals[name] += value
    n_users = len(test_inputs)
    means = {name: total / n_users if n_users else 0.0 for name, total in totals.items()}
    means["coverage"] = len(recommended_items) / catalog_size if catalog_size else 0.0
    return {name: round(means[name], DECIMALS) for name in METRIC_NAMES}
