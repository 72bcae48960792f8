"""recommenderConfig: checked against the use case and the dataset group, shown with its defaults.

- minRecommendationRequestsPerSecond: 1 by default (API_CreateRecommender.md).
- itemExplorationConfig: only for the use cases that explore (Recommended for you,
  Top picks for you), with the use case pages' defaults and bounds.
- trainingDataConfig: excludedDatasetColumns / includedDatasetColumns, keyed by a
  dataset type the group has (any case, like datasetType), naming metadata
  columns of its schema: create-recommender-configure-columns.md says EVENT_TYPE
  can't be excluded, and neither can the identifiers and timestamps every
  recommender trains on. Included columns keep only those metadata columns.
- enableMetadataWithRecommendations: false by default.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import pandas as pd

from ..data.schemas import Schema, dataset_label, dataset_rules, normalize_dataset_type
from ..errors import InvalidInputException
from ..recipes.base import NO_EXPLORATION, Exploration
from ..recipes.use_cases import UseCase
from .campaigns import ExplorationKeys, check_exploration

CONFIG = "recommenderConfig"
DEFAULT_REQUESTS_PER_SECOND = 1
# ECOMMERCE-use-cases.md, VIDEO_ON_DEMAND-use-cases.md: "Specify a decimal value between 0 to 1. The
# default is 0.3"; the item age cut-off's "minimum is 1 day and the default is 30 days".
EXPLORATION: ExplorationKeys = {
    "explorationWeight": ("0.3", lambda x: 0.0 <= x <= 1.0, "a number from 0 to 1"),
    "explorationItemAgeCutOff": ("30", lambda x: x >= 1.0, "a finite number of days, at least 1"),
}
# trainingDataConfig's lists, and which columns of the named dataset each leaves in training.
COLUMN_LISTS = ("excludedDatasetColumns", "includedDatasetColumns")
TRAINED_DATASET_TYPES = ("INTERACTIONS", "ITEMS", "USERS")


@dataclass(frozen=True)
class Setup:
    """A recommender's recommenderConfig as given, checked; defaults are filled in where it is read or shown."""

    case: UseCase
    given: dict[str, Any]
    # trainingDataConfig with canonical dataset types: {list name: {dataset type: columns}}.
    columns: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    @property
    def exploration(self) -> dict[str, str]:
        """itemExplorationConfig with the defaults filled in; {} for use cases that don't explore."""
        if not self.case.explores:
            return {}
        given = self.given.get("itemExplorationConfig") or {}
        return {key: given.get(key, default) for key, (default, _, _) in EXPLORATION.items()}

    @property
    def exploration_values(self) -> Exploration:
        """The numbers of the exploration; none for use cases without it."""
        exploration = self.exploration
        if not exploration:
            return NO_EXPLORATION
        return Exploration(float(exploration["explorationWeight"]), float(exploration["explorationItemAgeCutOff"]))

    def members(self) -> dict[str, Any]:
        exploration = self.exploration
        return {
            **{key: value for key, value in self.given.items() if key != "itemExplorationConfig"},
            **({"itemExplorationConfig": exploration} if exploration else {}),
            "minRecommendationRequestsPerSecond": self.given.get("minRecommendationRequestsPerSecond", DEFAULT_REQUESTS_PER_SECOND),
            "enableMetadataWithRecommendations": bool(self.given.get("enableMetadataWithRecommendations", False)),
        }

    def training_columns(self, frame: pd.DataFrame, dataset_type: str, domain: str | None) -> pd.DataFrame:
        """``frame`` without the columns trainingDataConfig keeps out of training."""
        excluded = set(self.columns.get("excludedDatasetColumns", {}).get(dataset_type, ()))
        included = self.columns.get("includedDatasetColumns", {}).get(dataset_type)
        if included is not None:
            rules = dataset_rules(dataset_type, domain)
            excluded |= {name for name in frame.columns if rules.is_metadata(name) and name not in included}
        return frame.drop(columns=[name for name in frame.columns if name in excluded])


def check_setup(case: UseCase, given: Mapping[str, Any], schemas: Mapping[str, Schema], domain: str | None) -> Setup:
    """The config, refused where the use case or the group's datasets (``schemas``, by type) can't take it."""
    config = dict(given)
    exploration = config.get("itemExplorationConfig")
    if exploration:
        if not case.explores:
            raise InvalidInputException(
                f"Value at '{CONFIG}.itemExplorationConfig': the use case {case.recipe.name} doesn't explore; "
                "only Recommended for you and Top picks for you do."
            )
        check_exploration(exploration, EXPLORATION, f"{CONFIG}.itemExplorationConfig")
    training = config.get("trainingDataConfig") or {}
    columns = {name: _checked_columns(name, training[name], schemas, domain) for name in COLUMN_LISTS if training.get(name)}
    both = set.intersection(*(set(lists) for lists in columns.values())) if len(columns) == len(COLUMN_LISTS) else set()
    if both:
        raise InvalidInputException(
            f"Value at '{CONFIG}.trainingDataConfig' names the {dataset_label(min(both))} dataset in both "
            f"{' and '.join(COLUMN_LISTS)}: choose its columns one way."
        )
    return Setup(case, config, columns)


def _checked_columns(
    name: str, by_type: Mapping[str, list[str]], schemas: Mapping[str, Schema], domain: str | None
) -> dict[str, list[str]]:
    where = f"{CONFIG}.trainingDataConfig.{name}"
    checked: dict[str, list[str]] = {}
    for key, columns in by_type.items():
        dataset_type = normalize_dataset_type(key)
        if dataset_type not in TRAINED_DATASET_TYPES:
            labels = ", ".join(dataset_label(t) for t in TRAINED_DATASET_TYPES)
            raise InvalidInputException(f"Value '{key}' at '{where}' is not a dataset type recommenders train on: use {labels}.")
        schema = schemas.get(dataset_type)
        if schema is None:
            raise InvalidInputException(f"Value '{key}' at '{where}': the dataset group has no {dataset_label(dataset_type)} dataset.")
        rules = dataset_rules(dataset_type, domain)
        for column in columns:
            if schema.field(column) is None:
                raise InvalidInputException(f"Value '{column}' at '{where}.{key}' is not a column of the {dataset_label(dataset_type)} dataset.")
            if not rules.is_metadata(column):
                raise InvalidInputException(
                    f"Value '{column}' at '{where}.{key}': {column} is always used in training; only metadata columns can be chosen."
                )
        checked[dataset_type] = list(columns)
    return checked
