"""Offline evaluation of a recipe, producing the service's solution metrics."""
from __future__ import annotations

from typing import Callable, Mapping

import pandas as pd

from ..recipes import NEXT_BEST_ACTION_ARN
from ..recipes.objective import Objective
from .actions import evaluate_actions
from .metrics import METRIC_NAMES, compute_metrics, evaluate_items, split_for_evaluation

# How each recipe is evaluated, when not on its item interactions.
EVALUATORS: dict[str, Callable[..., dict[str, float]]] = {NEXT_BEST_ACTION_ARN: evaluate_actions}


def evaluate(
    recipe_arn: str,
    interactions: pd.DataFrame,
    items: pd.DataFrame | None,
    users: pd.DataFrame | None,
    hyperparameters: Mapping[str, str],
    seed: int = 0,
    objective: Objective | None = None,
    **datasets: pd.DataFrame | None,
) -> dict[str, float]:
    """The solution version's metrics; ``datasets`` are the recipe's extra datasets, by keyword.

    An optimization objective applies to item recommendations only (CreateSolution checks it)."""
    evaluator = EVALUATORS.get(recipe_arn)
    if evaluator is not None:
        return evaluator(recipe_arn, interactions, items, users, hyperparameters, seed, **datasets)
    return evaluate_items(recipe_arn, interactions, items, users, hyperparameters, seed, objective)


__all__ = ["METRIC_NAMES", "compute_metrics", "evaluate", "split_for_evaluation"]
