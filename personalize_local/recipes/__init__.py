"""Recipes: train a solution version from a dataset group's data.

``check_solution_config`` refuses hyperparameters outside the recipe's table,
``check_minimum_data`` applies the service's minimum data rules and
``fit_recipe`` fits the recipe's model. Callers apply the solution's eventType /
eventValueThreshold filtering first, since the minimum counts apply to the
filtered data.
"""
from __future__ import annotations

from typing import Mapping, Protocol

import pandas as pd

from .base import ITEM_ID, USER_ID, Model, TrainingError, unique_interactions
from .hyperparameters import Value, check_solution_config, parse_hyperparameters
from .popularity import PopularityCount
from .user_personalization import UserPersonalization

USER_PERSONALIZATION_ARN = "arn:aws:personalize:::recipe/aws-user-personalization"
USER_PERSONALIZATION_V2_ARN = "arn:aws:personalize:::recipe/aws-user-personalization-v2"
POPULARITY_COUNT_ARN = "arn:aws:personalize:::recipe/aws-popularity-count"

MIN_INTERACTIONS = 1000
MIN_ACTIVE_USERS = 25
MIN_INTERACTIONS_PER_ACTIVE_USER = 2


class Trainer(Protocol):
    """A recipe's estimator: built from typed, already checked hyperparameters, fitted into a Model."""

    @classmethod
    def from_hyperparameters(cls, hyperparameters: Mapping[str, Value], seed: int = 0) -> "Trainer": ...

    def fit(
        self,
        interactions: pd.DataFrame,
        items: pd.DataFrame | None = None,
        users: pd.DataFrame | None = None,
    ) -> Model: ...


TRAINERS: dict[str, type[Trainer]] = {
    USER_PERSONALIZATION_ARN: UserPersonalization,
    # The same model: v2 differs from v1 in the catalog sizes it takes and in its hyperparameters.
    USER_PERSONALIZATION_V2_ARN: UserPersonalization,
    POPULARITY_COUNT_ARN: PopularityCount,
}

__all__ = [
    "Model",
    "POPULARITY_COUNT_ARN",
    "TRAINERS",
    "TrainingError",
    "USER_PERSONALIZATION_ARN",
    "USER_PERSONALIZATION_V2_ARN",
    "check_minimum_data",
    "check_solution_config",
    "fit_recipe",
]


def check_minimum_data(interactions: pd.DataFrame, event_type: str | None = None) -> None:
    """Raise TrainingError unless the data meets the service's training minimums.

    Identical records count once (the service keeps a single copy of events
    that repeat with the same timestamp and properties). ``event_type`` is the
    solution's, named in the message as the service's error does.
    """
    unique = unique_interactions(interactions)
    if len(unique) < MIN_INTERACTIONS:
        filtered = f" after filtering by event type: {event_type}" if event_type else ""
        raise TrainingError(
            f"Create failed. Dataset has fewer than {MIN_INTERACTIONS} interactions{filtered} "
            f"({len(unique)} found)."
        )
    per_user = unique.groupby(USER_ID)[ITEM_ID].size()
    active = int((per_user >= MIN_INTERACTIONS_PER_ACTIVE_USER).sum())
    if active < MIN_ACTIVE_USERS:
        raise TrainingError(
            f"Create failed. Dataset has fewer than {MIN_ACTIVE_USERS} users with at "
            f"least {MIN_INTERACTIONS_PER_ACTIVE_USER} interactions each "
            f"({active} found)."
        )


def fit_recipe(
    recipe_arn: str,
    interactions: pd.DataFrame,
    items: pd.DataFrame | None,
    users: pd.DataFrame | None,
    hyperparameters: Mapping[str, str],
    seed: int = 0,
) -> Model:
    """Fit the recipe's model; callers check the minimum data first where the service does.

    ``hyperparameters`` are the solution's algorithmHyperParameters, which CreateSolution checked.
    """
    trainer_class = TRAINERS.get(recipe_arn)
    if trainer_class is None:
        raise TrainingError(f"Recipe {recipe_arn} is not supported by this emulator.")
    trainer = trainer_class.from_hyperparameters(parse_hyperparameters(recipe_arn, hyperparameters), seed)
    return trainer.fit(interactions, items, users)
