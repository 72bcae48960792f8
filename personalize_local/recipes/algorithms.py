"""DescribeAlgorithm and DescribeFeatureTransformation: what the recipes' ARNs lead to.

Both are read off the recipe catalog and its hyperparameter table, so an ARN that
DescribeRecipe hands out always describes: an algorithm's default hyperparameters and
their ranges (with whether HPO may tune them), a feature transformation's default
featurization parameters.
"""
from __future__ import annotations

from typing import Any

from .catalog import RECIPES, RecipeInfo
from .hyperparameters import VALUE_TYPES, Choices, HyperParameter, recipe_hyperparameters
from .training import DEFAULT_TRAINING_JOBS

# HPO here trains one candidate at a time.
DEFAULT_PARALLEL_TRAINING_JOBS = 1
# DefaultHyperParameterRanges has one list per value type, named as hpoConfig's.
_RANGE_LISTS = ("integerHyperParameterRanges", "continuousHyperParameterRanges", "categoricalHyperParameterRanges")


def _first(attribute: str, arn: str) -> RecipeInfo | None:
    return next((r for r in RECIPES if getattr(r, attribute) == arn), None)


def _range(hp: HyperParameter) -> dict[str, Any]:
    if isinstance(hp.range, Choices):
        values = [str(v).lower() if isinstance(v, bool) else str(v) for v in hp.range.values]
        return {"name": hp.name, "values": values, "isTunable": hp.tunable}
    cast = int if hp.type == "integer" else float
    return {"name": hp.name, "minValue": cast(hp.range.low), "maxValue": cast(hp.range.high), "isTunable": hp.tunable}


def _name(arn: str) -> str:
    return arn.rsplit("/", 1)[1]


def describe_algorithm(algorithm_arn: str) -> dict[str, Any] | None:
    recipe = _first("algorithm_arn", algorithm_arn)
    if recipe is None:
        return None
    algorithm = [hp for hp in recipe_hyperparameters(recipe.recipe_arn) if not hp.featurization]
    ranges: dict[str, list[dict[str, Any]]] = {key: [] for key in _RANGE_LISTS}
    for hp in algorithm:
        ranges[VALUE_TYPES[hp.type].hpo_list].append(_range(hp))
    return {
        "name": _name(algorithm_arn),
        "algorithmArn": algorithm_arn,
        "defaultHyperParameters": {hp.name: hp.default for hp in algorithm},
        "defaultHyperParameterRanges": ranges,
        "defaultResourceConfig": {
            "maxNumberOfTrainingJobs": str(DEFAULT_TRAINING_JOBS),
            "maxParallelTrainingJobs": str(DEFAULT_PARALLEL_TRAINING_JOBS),
        },
        "creationDateTime": recipe.creation_date_time,
        "lastUpdatedDateTime": recipe.last_updated_date_time,
    }


def describe_feature_transformation(transformation_arn: str) -> dict[str, Any] | None:
    recipe = _first("feature_transformation_arn", transformation_arn)
    if recipe is None:
        return None
    featurization = [hp for hp in recipe_hyperparameters(recipe.recipe_arn) if hp.featurization]
    return {
        "name": _name(transformation_arn),
        "featureTransformationArn": transformation_arn,
        "defaultParameters": {hp.name: hp.default for hp in featurization},
        "status": "ACTIVE",
        "creationDateTime": recipe.creation_date_time,
        "lastUpdatedDateTime": recipe.last_updated_date_time,
    }
