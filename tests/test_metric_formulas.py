"""The metric formulas, pinned to the worked examples of working-with-training-metrics.md."""
from __future__ import annotations

import pytest

from personalize_local.eval.metrics import user_metrics

RECOMMENDED = [f"item-{rank}" for rank in range(1, 26)]


def test_the_guides_example_user_relevant_at_ranks_two_and_five() -> None:
    # "The second and fifth recommendations match records in the testing data for this user."
    metrics = user_metrics(RECOMMENDED, {"item-2", "item-5"})
    assert round(metrics["mean_reciprocal_rank_at_25"], 4) == 0.5
    assert round(metrics["normalized_discounted_cumulative_gain_at_5"], 4) == 0.6241
    assert round(metrics["precision_at_5"], 4) == 0.4


def test_mean_reciprocal_rank_over_three_users_counts_each_ones_highest_hit() -> None:
    # Users clicking ranks (4, 10), (2, 4, 12) and (6): (1/4 + 1/2 + 1/6) / 3 = .3056.
    clicked = [{4, 10}, {2, 4, 12}, {6}]
    ranks = [user_metrics(RECOMMENDED, {f"item-{rank}" for rank in ranks})["mean_reciprocal_rank_at_25"] for ranks in clicked]
    assert round(sum(ranks) / len(ranks), 4) == 0.3056


def test_precision_at_ten_counts_hits_over_all_ten() -> None:
    # "if you recommend 10 items to a user, and the user interacts with 3 of them ... 3 / 10 = .30".
    assert user_metrics(RECOMMENDED, {"item-1", "item-7", "item-9", "item-20"})["precision_at_10"] == pytest.approx(0.3)
