"""Each recipe's hyperparameters, checked at CreateSolution and read by the trainers.

The table holds what each recipe page of the developer guide lists (native-recipe-*.md,
item-*-affinity-recipe.md): name, value type, range or allowed values, default (as the
service writes it) and whether HPO may tune it. It is the one source for the recipe's
hyperparameters, so it is also what a DescribeAlgorithm's defaultHyperParameters and
defaultHyperParameterRanges would show.

Where a hyperparameter goes in solutionConfig: algorithm and featurization hyperparameters
in ``algorithmHyperParameters`` (customizing-solution-config-hpo.md), the pages' "feature
transformation hyperparameters" in ``featureTransformationParameters``. The User-Personalization
page's item exploration hyperparameters belong to campaignConfig.itemExplorationConfig, which
the campaigns check, so they are not listed here.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable, Mapping, TypeVar

from ..errors import InvalidInputException
from .catalog import get_recipe

Value = int | float | bool | str

ALGORITHM = "algorithmHyperParameters"
FEATURE_TRANSFORMATION = "featureTransformationParameters"
HPO_RANGES = "solutionConfig.hpoConfig.algorithmHyperParameterRanges"


@dataclass(frozen=True)
class Interval:
    """An inclusive numeric range."""

    low: float
    high: float

    def __contains__(self, value: object) -> bool:
        return isinstance(value, (int, float)) and self.low <= value <= self.high

    def __str__(self) -> str:
        return f"[{self.low}, {self.high}]"


@dataclass(frozen=True)
class Choices:
    """The allowed values of a categorical or boolean hyperparameter."""

    values: tuple[Value, ...]

    def __contains__(self, value: object) -> bool:
        return value in self.values

    def __str__(self) -> str:
        return ", ".join(f"'{v}'" for v in self.values)


def _number(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):  # float() also reads "nan" and "inf", which are no setting
        raise ValueError(text)
    return number


def _boolean(text: str) -> bool:
    word = text.strip().lower()
    if word not in ("true", "false"):
        raise ValueError(text)
    return word == "true"


@dataclass(frozen=True)
class ValueType:
    """How a value type reads its string form, says what it allows, and which HPO list ranges it."""

    read: Callable[[str], Value]
    allows: str  # formatted with the hyperparameter's range
    hpo_list: str


VALUE_TYPES: dict[str, ValueType] = {
    "integer": ValueType(int, "an integer in {range}", "integerHyperParameterRanges"),
    "continuous": ValueType(_number, "a number in {range}", "continuousHyperParameterRanges"),
    "categorical": ValueType(str, "one of {range}", "categoricalHyperParameterRanges"),
    "boolean": ValueType(_boolean, "true or false", "categoricalHyperParameterRanges"),
}


@dataclass(frozen=True)
class HyperParameter:
    name: str
    type: str  # a key of VALUE_TYPES
    range: Interval | Choices
    default: str
    tunable: bool = False
    member: str = ALGORITHM  # the solutionConfig map that carries it
    # Featurization (filters the data before the algorithm sees it): the feature transformation's parameter.
    featurization: bool = False

    @property
    def allowed(self) -> str:
        return VALUE_TYPES[self.type].allows.format(range=self.range)

    def read(self, text: str) -> Value:
        """The typed value of ``text``; ValueError when it is of the wrong type or out of range."""
        value = VALUE_TYPES[self.type].read(text)
        if value not in self.range:
            raise ValueError(text)
        return value


def _percentile(name: str, default: str) -> HyperParameter:
    """A featurization hyperparameter: the share of users or items kept at one end."""
    return HyperParameter(name, "continuous", Interval(0.0, 1.0), default, featurization=True)


_HIDDEN_DIMENSION = HyperParameter("hidden_dimension", "integer", Interval(32, 256), "149", tunable=True)
# native-recipe-new-item-USER_PERSONALIZATION.md and native-recipe-search.md list the same five.
_SEQUENCE_MODEL = (
    _HIDDEN_DIMENSION,
    HyperParameter("bptt", "integer", Interval(2, 32), "32", tunable=True),
    HyperParameter("recency_mask", "boolean", Choices((True, False)), "true", tunable=True),
    _percentile("min_user_history_length_percentile", "0.0"),
    _percentile("max_user_history_length_percentile", "0.99"),
)
# The v2 recipes (2024; their pages are not in this copy of the guide) replace the five above with
# one switch for the weight of recent interactions, which HPO does not tune.
_TRANSFORMER_MODEL = (HyperParameter("apply_recency_bias", "boolean", Choices((True, False)), "true"),)
# The affinity recipes take no HPO (item-affinity-recipe.md).
_AFFINITY = (replace(_HIDDEN_DIMENSION, tunable=False),)

# Keyed by recipe name. Recipes not listed (the domain use cases) take no hyperparameters.
RECIPE_HYPERPARAMETERS: dict[str, tuple[HyperParameter, ...]] = {
    "aws-user-personalization": _SEQUENCE_MODEL,
    "aws-personalized-ranking": _SEQUENCE_MODEL,
    "aws-user-personalization-v2": _TRANSFORMER_MODEL,
    "aws-personalized-ranking-v2": _TRANSFORMER_MODEL,
    # native-recipe-popularity.md: "Popularity-Count has no exposed hyperparameters".
    "aws-popularity-count": (),
    # native-recipe-trending-now.md gives only the console's labels (30 min, 1h, 3h, 1 day;
    # default 3h); the request key and values are the SDK's spelling of them.
    "aws-trending-now": (
        HyperParameter(
            "trend_discovery_frequency", "categorical",
            Choices(("30 minutes", "1 hour", "3 hours", "1 day")), "3 hours", member=FEATURE_TRANSFORMATION, featurization=True,
        ),
    ),
    "aws-similar-items": (
        HyperParameter("item_id_hidden_dim", "integer", Interval(30, 200), "100", tunable=True),
        HyperParameter("item_metadata_hidden_dim", "integer", Interval(30, 200), "100", tunable=True),
    ),
    "aws-sims": (
        HyperParameter("popularity_discount_factor", "continuous", Interval(0.0, 1.0), "0.5", tunable=True),
        HyperParameter("min_cointeraction_count", "integer", Interval(0, 10), "3", tunable=True),
        _percentile("min_user_history_length_percentile", "0.005"),
        _percentile("max_user_history_length_percentile", "0.995"),
        _percentile("min_item_interaction_count_percentile", "0.01"),
        _percentile("max_item_interaction_count_percentile", "0.9"),
    ),
    "aws-item-affinity": _AFFINITY,
    "aws-item-attribute-affinity": _AFFINITY,
    # native-recipe-next-best-action.md: one featurization hyperparameter, in days; no HPO.
    "aws-next-best-action": (HyperParameter("action_optimization_period", "integer", Interval(7, 28), "14"),),
}


def recipe_hyperparameters(recipe_arn: str) -> tuple[HyperParameter, ...]:
    recipe = get_recipe(recipe_arn)
    return RECIPE_HYPERPARAMETERS.get(recipe.name, ()) if recipe else ()


def check_solution_config(recipe_arn: str, config: Mapping[str, Any]) -> None:
    """Refuse hyperparameters the recipe does not have, and values or HPO ranges outside its table."""
    table = recipe_hyperparameters(recipe_arn)
    for member in (ALGORITHM, FEATURE_TRANSFORMATION):
        known = {hp.name: hp for hp in table if hp.member == member}
        for name, text in (config.get(member) or {}).items():
            path = f"solutionConfig.{member}.{name}"
            if name not in known:
                raise InvalidInputException(
                    f"Unknown hyperparameter at '{path}': the recipe {recipe_arn} takes {_names(known)} "
                    f"in solutionConfig.{member}."
                )
            try:
                known[name].read(text)
            except ValueError:
                raise InvalidInputException(f"Value '{text}' at '{path}' must be {known[name].allowed}.") from None
    ranges = (config.get("hpoConfig") or {}).get("algorithmHyperParameterRanges") or {}
    _check_hpo_ranges(recipe_arn, table, ranges)


def configured_hyperparameters(config: Mapping[str, Any]) -> dict[str, str]:
    """The hyperparameters a solutionConfig sets, from every member that carries them (names don't repeat)."""
    return {name: text for member in (ALGORITHM, FEATURE_TRANSFORMATION) for name, text in (config.get(member) or {}).items()}


T = TypeVar("T", bound="FromHyperparameters")


class FromHyperparameters:
    """A recipe's trainer whose constructor takes the recipe's hyperparameters by their names in the table,
    and the seed as ``random_state`` where fitting draws random numbers (``SEEDED``)."""

    SEEDED = True

    @classmethod
    def from_hyperparameters(cls: type[T], hyperparameters: Mapping[str, Value], seed: int = 0) -> T:
        seeding = {"random_state": seed} if cls.SEEDED else {}
        return cls(**seeding, **hyperparameters)


def parse_hyperparameters(recipe_arn: str, given: Mapping[str, str]) -> dict[str, Value]:
    """Typed values of hyperparameters CreateSolution accepted. Names not given stay absent, so
    each trainer keeps its own default for them."""
    known = {hp.name: hp for hp in recipe_hyperparameters(recipe_arn)}
    return {name: known[name].read(text) for name, text in given.items()}


def _within(hp: HyperParameter, entry: Mapping[str, Any]) -> bool:
    low, high = entry.get("minValue"), entry.get("maxValue")  # either may be left out
    ends_fit = all(end in hp.range for end in (low, high) if end is not None)
    return ends_fit and (low is None or high is None or low <= high)


def _among(hp: HyperParameter, entry: Mapping[str, Any]) -> bool:
    try:
        for text in entry.get("values") or []:
            hp.read(text)
    except ValueError:
        return False
    return True


# HyperParameterRanges lists: whether an entry's range lies within the hyperparameter's own.
RANGE_CHECKS: dict[str, Callable[[HyperParameter, Mapping[str, Any]], bool]] = {
    "integerHyperParameterRanges": _within,
    "continuousHyperParameterRanges": _within,
    "categoricalHyperParameterRanges": _among,
}


def _check_hpo_ranges(recipe_arn: str, table: Iterable[HyperParameter], ranges: Mapping[str, Any]) -> None:
    """API_HPOConfig.md: HPO tunes the recipe's tunable hyperparameters within their ranges."""
    tunable = {hp.name: hp for hp in table if hp.tunable}
    for list_name, fits in RANGE_CHECKS.items():
        for i, entry in enumerate(ranges.get(list_name) or [], start=1):
            path = f"{HPO_RANGES}.{list_name}.{i}.member"
            hp = tunable.get(entry.get("name", ""))
            if hp is None:
                raise InvalidInputException(
                    f"Value '{entry.get('name', '')}' at '{path}.name' is not a tunable hyperparameter of the "
                    f"recipe {recipe_arn}: tunable ones are {_names(tunable)}."
                )
            if VALUE_TYPES[hp.type].hpo_list != list_name:
                raise InvalidInputException(
                    f"Value '{hp.name}' at '{path}.name' is of type {hp.type}: give its range "
                    f"in {HPO_RANGES}.{VALUE_TYPES[hp.type].hpo_list}."
                )
            if not fits(hp, entry):
                raise InvalidInputException(f"The range at '{path}' must lie within the values of {hp.name}: {hp.allowed}.")


def _names(hyperparameters: Mapping[str, HyperParameter]) -> str:
    return ", ".join(sorted(hyperparameters)) or "none"
