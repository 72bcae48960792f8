"""Recipes: train a solution version from a dataset group's data.

``check_solution_config`` refuses hyperparameters outside the recipe's table,
``check_minimum_data`` and ``check_extra_data`` apply the service's minimum data
rules and ``fit_recipe`` fits the recipe's model from its TrainingInputs. Callers apply the solution's
eventType / eventValueThreshold filtering first, since the minimum counts apply
to the filtered data.

Every recipe trains on the Interactions dataset, and on Items and Users when the
group has them; ``EXTRA_DATASETS`` names what a recipe reads besides, which its
trainer's ``fit`` takes as keywords.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping, Protocol

import pandas as pd

from ..data.schemas import dataset_label
from .affinity import ItemAffinity, ItemAttributeAffinity
from .base import ITEM_ID, USER_ID, ActionModel, Model, TrainedModel, TrainingError, unique_interactions
from .hyperparameters import Value, check_solution_config, configured_hyperparameters, parse_hyperparameters
from .next_best_action import NextBestAction
from .objective import Objective, weighing
from .popularity import PopularityCount
from .similar_items import SimilarItems
from .sims import Sims
from .trending import TrendingNow
from .user_personalization import UserPersonalization

USER_PERSONALIZATION_ARN = "arn:aws:personalize:::recipe/aws-user-personalization"
PERSONALIZED_RANKING_ARN = "arn:aws:personalize:::recipe/aws-personalized-ranking"
USER_PERSONALIZATION_V2_ARN = "arn:aws:personalize:::recipe/aws-user-personalization-v2"
PERSONALIZED_RANKING_V2_ARN = "arn:aws:personalize:::recipe/aws-personalized-ranking-v2"
POPULARITY_COUNT_ARN = "arn:aws:personalize:::recipe/aws-popularity-count"
NEXT_BEST_ACTION_ARN = "arn:aws:personalize:::recipe/aws-next-best-action"
TRENDING_NOW_ARN = "arn:aws:personalize:::recipe/aws-trending-now"
SIMS_ARN = "arn:aws:personalize:::recipe/aws-sims"
SIMILAR_ITEMS_ARN = "arn:aws:personalize:::recipe/aws-similar-items"
ITEM_AFFINITY_ARN = "arn:aws:personalize:::recipe/aws-item-affinity"
ITEM_ATTRIBUTE_AFFINITY_ARN = "arn:aws:personalize:::recipe/aws-item-attribute-affinity"

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
    ) -> TrainedModel: ...


TRAINERS: dict[str, type[Trainer]] = {
    USER_PERSONALIZATION_ARN: UserPersonalization,
    # native-recipe-search.md: the same model as User-Personalization, asked to reorder given items.
    PERSONALIZED_RANKING_ARN: UserPersonalization,
    # The same model: v2 differs from v1 in the catalog sizes it takes and in its hyperparameters.
    USER_PERSONALIZATION_V2_ARN: UserPersonalization,
    PERSONALIZED_RANKING_V2_ARN: UserPersonalization,
    POPULARITY_COUNT_ARN: PopularityCount,
    NEXT_BEST_ACTION_ARN: NextBestAction,  # type: ignore[dict-item]  # its fit takes the Actions datasets too (EXTRA_DATASETS)
    TRENDING_NOW_ARN: TrendingNow,
    SIMS_ARN: Sims,
    SIMILAR_ITEMS_ARN: SimilarItems,
    ITEM_AFFINITY_ARN: ItemAffinity,
    ITEM_ATTRIBUTE_AFFINITY_ARN: ItemAttributeAffinity,
}


@dataclass(frozen=True)
class ExtraDataset:
    """A dataset a recipe trains on besides Interactions, Items and Users."""

    keyword: str  # the trainer's fit() keyword that takes it
    dataset_type: str
    required: bool  # CreateSolutionVersion refuses a dataset group without it
    minimum: int  # distinct records it must hold, else the version fails


# native-recipe-next-best-action.md: the Actions dataset is required; Action interactions are optional
# and have no minimum (action-interactions-datasets.md). Asked of None too: AutoML's solution, whose recipes read none.
EXTRA_DATASETS: dict[str | None, tuple[ExtraDataset, ...]] = {
    NEXT_BEST_ACTION_ARN: (
        ExtraDataset("actions", "ACTIONS", required=True, minimum=1),
        ExtraDataset("action_interactions", "ACTION_INTERACTIONS", required=False, minimum=0),
    ),
}
# The column whose distinct values count a dataset's records toward its minimum.
RECORD_IDS = {"ACTIONS": "ACTION_ID"}


@dataclass(frozen=True)
class TrainingInputs:
    """What one fit (or evaluation) of a recipe works from.

    ``hyperparameters`` are the solution's algorithm and feature transformation hyperparameters
    (``configured_hyperparameters``), which CreateSolution checked; ``objective`` its
    optimizationObjective, which then weighs in every ranking; ``datasets`` the recipe's
    EXTRA_DATASETS, by its trainer's fit() keyword.
    """

    recipe_arn: str
    interactions: pd.DataFrame
    items: pd.DataFrame | None = None
    users: pd.DataFrame | None = None
    hyperparameters: Mapping[str, str] = field(default_factory=dict)
    seed: int = 0
    objective: Objective | None = None
    datasets: Mapping[str, pd.DataFrame | None] = field(default_factory=dict)

__all__ = [
    "EXTRA_DATASETS",
    "ActionModel",
    "ITEM_AFFINITY_ARN",
    "ITEM_ATTRIBUTE_AFFINITY_ARN",
    "Model",
    "NEXT_BEST_ACTION_ARN",
    "POPULARITY_COUNT_ARN",
    "SIMILAR_ITEMS_ARN",
    "SIMS_ARN",
    "TRAINERS",
    "TRENDING_NOW_ARN",
    "TrainedModel",
    "TrainingError",
    "TrainingInputs",
    "USER_PERSONALIZATION_ARN",
    "check_extra_data",
    "USER_PERSONALIZATION_V2_ARN",
    "check_minimum_data",
    "check_solution_config",
    "configured_hyperparameters",
    "fit_recipe",
    "update_recipe",
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


def check_extra_data(recipe_arn: str | None, **datasets: pd.DataFrame | None) -> None:
    """Raise TrainingError unless each of the recipe's extra datasets holds its minimum of records."""
    for extra in EXTRA_DATASETS.get(recipe_arn, ()):
        frame = datasets.get(extra.keyword)
        key = RECORD_IDS.get(extra.dataset_type)
        found = 0 if frame is None else (frame[key].nunique() if key else len(frame))
        if found < extra.minimum:
            raise TrainingError(
                f"Create failed. The {dataset_label(extra.dataset_type)} dataset holds {found} records; "
                f"the recipe {recipe_arn} needs at least {extra.minimum}."
            )


def update_recipe(given: TrainingInputs, previous: TrainedModel) -> TrainedModel:
    """trainingMode UPDATE: the recipe's ``previous`` model with the data now folded in, not retrained."""
    trainer_class = TRAINERS.get(given.recipe_arn)
    if trainer_class is None or not hasattr(trainer_class, "update"):
        raise TrainingError(f"Recipe {given.recipe_arn} can't be trained in UPDATE mode.")
    trainer = trainer_class.from_hyperparameters(parse_hyperparameters(given.recipe_arn, given.hyperparameters), given.seed)
    update: Callable[..., TrainedModel] = getattr(trainer, "update")  # the trainers that have one (checked above)
    return update(previous, given.interactions, given.items, given.users)


def fit_recipe(given: TrainingInputs) -> TrainedModel:
    """Fit the recipe's model; callers check the minimum data first where the service does."""
    trainer_class = TRAINERS.get(given.recipe_arn)
    if trainer_class is None:
        raise TrainingError(f"Recipe {given.recipe_arn} is not supported by this emulator.")
    trainer = trainer_class.from_hyperparameters(parse_hyperparameters(given.recipe_arn, given.hyperparameters), given.seed)
    model = trainer.fit(given.interactions, given.items, given.users, **given.datasets)
    return weighing(model, given.objective, given.items)
