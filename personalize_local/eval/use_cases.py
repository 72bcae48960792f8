"""A recommender's modelMetrics, measured as evaluating-recommenders.md describes.

The split and the metrics are those of solution versions (metrics.py): 90% of the
users train the use case's model on what it learns from; each remaining user's
oldest 90% is the input and the newest 10% is held out. Each test user is asked
what the recommender answers: their recommendations (personalized or popular
items) or the items related to the last item of their input (related items, for
which the guide gives no protocol of its own), without the items the use case
leaves out for that user as of the input's last interaction, and with the
recommender's exploration.
"""
from __future__ import annotations

from typing import Callable, Mapping, Sequence, cast

import pandas as pd

from ..recipes.base import TIMESTAMP, USER_ID, Exploration, Model, RelatedItems, catalog, chronological
from ..recipes.use_cases import UseCase, UseCaseModel
from .metrics import RecommendFn, compute_metrics, split_for_evaluation

# (model, items left out per test user, the recommender's exploration) -> the question to each test user
Query = Callable[[UseCaseModel, Mapping[str, set[str]], Exploration], RecommendFn]


def _for_user(model: UseCaseModel, excluded: Mapping[str, set[str]], exploration: Exploration) -> RecommendFn:
    ranker = cast(Model, model)  # QUERIES says which, by the use case's category

    def recommend(user: str, history: Sequence[str], k: int) -> list[str]:
        return [item for item, _ in ranker.recommend(user, history, k, excluded.get(user), exploration=exploration)]

    return recommend


def _related_to_last(model: UseCaseModel, excluded: Mapping[str, set[str]], exploration: Exploration) -> RecommendFn:
    related = cast(RelatedItems, model)
    return lambda user, history, k: [item for item, _ in related.similar(history[-1], k, excluded.get(user))]


QUERIES: dict[str, Query] = {
    "USER_PERSONALIZATION": _for_user,
    "POPULAR_ITEMS": _for_user,
    "RELATED_ITEMS": _related_to_last,
}


def evaluate_use_case(
    case: UseCase,
    interactions: pd.DataFrame,
    items: pd.DataFrame | None,
    users: pd.DataFrame | None,
    exploration: Exploration,
    seed: int = 0,
) -> dict[str, float]:
    """The eight metrics of the use case's model on the service's split; coverage over every item of the group."""
    training = case.training_interactions(interactions)
    train_df, test_inputs, test_holdout = split_for_evaluation(training, seed)
    model = case.model().fit(train_df, items, users)
    excluded = case.excluded_items(_until_inputs_end(interactions, training, test_inputs))
    ask = QUERIES[case.recipe.category](model, excluded, exploration)
    return compute_metrics(ask, test_inputs, test_holdout, len(catalog(interactions, items)))


def _until_inputs_end(
    interactions: pd.DataFrame, training: pd.DataFrame, test_inputs: Mapping[str, Sequence[str]]
) -> pd.DataFrame:
    """The test users' interactions (of any event type) up to the last one of their input."""
    times = chronological(training).groupby(USER_ID)[TIMESTAMP].agg(list)
    ends = pd.Series({user: times[user][len(inputs) - 1] for user, inputs in test_inputs.items()}, dtype="float64")
    mine = interactions[interactions[USER_ID].isin(ends.index)]
    return mine[mine[TIMESTAMP] <= mine[USER_ID].map(ends)]
