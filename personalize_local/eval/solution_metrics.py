"""What GetSolutionMetrics reports for each recipe, computed as working-with-training-metrics.md describes.

By the recipe's category:

* USER_PERSONALIZATION and POPULAR_ITEMS: the split of metrics.py (90% of users
  train; each test user's oldest 90% is the input, the newest 10% held out) and
  its metrics, the test user's input given to ``recommend``. Trending-Now adds
  trend_prediction_accuracy (trends.py).
* RELATED_ITEMS: the guide gives these recipes no protocol of their own, so
  they are evaluated on the same split and metrics, each test user's query
  being the last item of their input: ``similar`` to that item is compared
  with the held-out items. That is what GetRecommendations with that itemId
  answers (backend/recommendations.py: the same call, nothing left out without
  a filter, no exploration, the item itself never among its related items).
* USER_SEGMENTATION: the split, coverage, and the hit and recall at 1% of segments.py.
* PERSONALIZED_RANKING: as USER_PERSONALIZATION (the model ranks the whole catalog).
* PERSONALIZED_ACTIONS: on the action interactions (actions.py).

With an optimization objective (optimizing-solution-for-objective.md), the ranking
weighs the objective too and average_rewards_at_k joins the metrics.

The model is fitted without the minimum data check: the rules apply to the
whole dataset, not to the training share. Coverage is relative to every item of
the Interactions and Items datasets.

Beside a user's own evaluation. Issue 19's protocol (bench/quality_related.py:
each test user's earlier interactions train, the newest max(1, round(10%)) are
held out, mean of seeds 1-3) measured aws-sims at P@5 .0277 on MovieLens 100K
(ratings > 3) where these metrics said .0425. Three causes, measured with the
aws-sims of bada303 over 20 draws of each split, one difference at a time
(bench/quality_solution_metrics.py, BENCHMARKS.md):

1. The holdout's rounding, which the guide leaves open: flooring the input's
   90% held out ceil(10%), one item more for two test users in five, which
   raised P@5 by .006-.008 (.0255 to .0334 on the protocol's test users). Now
   aligned with the protocol (metrics.py): the one cause that was neither the
   guide's nor chance.
2. Chance. These figures come from one split (seed 0) of the version's data, 94
   test users on MovieLens 100K, and P@5 varies with the draw by about .007
   (sd). Every user of the data is in each of the protocol's three training
   sets, so the three versions drew the same test users: one draw, not three.
   It was a lucky one under the old rounding (.0426 where 20 draws averaged
   .0335) and is an unlucky one under the new (.0206, where 20 draws average
   .0275 ± .0071, the protocol's .0277).
3. The guide's own split, kept: its test users do not train ("90% of your users
   and their interactions"). For related items that moves P@5 by under .002
   either way, and NDCG@10 and MRR@25 up by about .006: trained on, a test
   user's own history draws items they already saw (never hits) toward their
   last item, and a request with only an itemId cannot leave those out.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable, Mapping, Sequence

import pandas as pd

from ..recipes import TRENDING_NOW_ARN, TrainingInputs, fit_recipe
from ..recipes.base import Model, RelatedItems, TrainedModel, catalog
from ..recipes.catalog import known_recipe
from ..recipes.objective import METRIC as OBJECTIVE_METRIC
from ..recipes.objective import average_rewards
from ..recipes.trending import TrendingNow
from .actions import evaluate_actions
from .metrics import DECIMALS, MAX_K, RecommendFn, compute_metrics, split_for_evaluation
from .segments import evaluate_segments
from .trends import held_out_rows, trend_prediction_accuracy


def _for_user(model: Model) -> RecommendFn:
    return lambda user, history, k: [item for item, _ in model.recommend(user, history, k)]


def _for_last_item(model: RelatedItems) -> RecommendFn:
    return lambda user, history, k: [item for item, _ in model.similar(history[-1], k)]


def _trend(model: TrendingNow, interactions: pd.DataFrame, test_holdout: Mapping[str, Sequence[str]]) -> dict[str, float]:
    top = [item for item, _ in model.recommend("", [], MAX_K)]
    return {"trend_prediction_accuracy": trend_prediction_accuracy(top, held_out_rows(interactions, test_holdout), model.interval)}


# Metrics a recipe reports beyond its category's: (model, all interactions, held-out items) -> metrics.
EXTRA_METRICS: dict[str, Callable[..., dict[str, float]]] = {TRENDING_NOW_ARN: _trend}

Evaluation = Callable[[TrainingInputs], dict[str, float]]


def _by_test_users(query: Callable[[Any], RecommendFn]) -> Evaluation:
    """``query`` asks the model of a category's recipes (EVALUATIONS): a Model, or RelatedItems."""
    def evaluate(given: TrainingInputs) -> dict[str, float]:
        train_df, test_inputs, test_holdout = split_for_evaluation(given.interactions, given.seed)
        model = fit_recipe(replace(given, interactions=train_df))
        asked, recommended = query(model), {}

        def recommend(user: str, history: Sequence[str], k: int) -> list[str]:
            recommended[user] = list(asked(user, history, k))
            return recommended[user]

        metrics = compute_metrics(recommend, test_inputs, test_holdout, len(catalog(given.interactions, given.items)))
        extra = EXTRA_METRICS.get(given.recipe_arn)
        if extra:
            metrics.update(extra(model, given.interactions, test_holdout))
        if given.objective is not None:
            rewards = average_rewards(recommended, test_holdout, given.objective.rewards(given.items), MAX_K)
            metrics[OBJECTIVE_METRIC] = round(rewards, DECIMALS)
        return metrics

    return evaluate


def _by_segments(given: TrainingInputs) -> dict[str, float]:
    def fit(training: pd.DataFrame) -> TrainedModel:
        return fit_recipe(replace(given, interactions=training, objective=None))

    return evaluate_segments(fit, given.interactions, given.items, given.seed)


EVALUATIONS: dict[str, Evaluation] = {
    "USER_PERSONALIZATION": _by_test_users(_for_user),
    "PERSONALIZED_RANKING": _by_test_users(_for_user),
    "POPULAR_ITEMS": _by_test_users(_for_user),
    "RELATED_ITEMS": _by_test_users(_for_last_item),
    "USER_SEGMENTATION": _by_segments,
    "PERSONALIZED_ACTIONS": evaluate_actions,
}


def evaluate(given: TrainingInputs) -> dict[str, float]:
    """The solution version's metrics: split, train on the training share, score the testing share."""
    return EVALUATIONS[known_recipe(given.recipe_arn).category](given)
