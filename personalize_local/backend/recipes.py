"""The recipe catalog: ListRecipes, DescribeRecipe, DescribeAlgorithm, DescribeFeatureTransformation."""
from __future__ import annotations

from typing import Any, ClassVar

from ..errors import ResourceNotFoundException
from ..recipes.algorithms import describe_algorithm, describe_feature_transformation
from ..recipes.catalog import get_recipe, list_recipes, to_description, to_summary
from .core import BackendCore, paginate


class RecipesService:
    """The recipe catalog, its algorithms and feature transformations, as every account and region sees them."""

    OPERATIONS: ClassVar[tuple[str, ...]] = (
        "ListRecipes", "DescribeRecipe", "DescribeAlgorithm", "DescribeFeatureTransformation"
    )

    def __init__(self, core: BackendCore) -> None:
        self.core = core

    def list_recipes(
        self,
        recipe_provider: str | None = None,
        next_token: str | None = None,
        max_results: int | None = None,
        domain: str | None = None,
    ) -> dict[str, Any]:
        # The model's enums already limit recipeProvider to SERVICE and domain to known domains.
        call = {"list": "recipes", "recipeProvider": recipe_provider, "domain": domain}
        page, token = paginate(list_recipes(domain), next_token, max_results, "recipe_arn", call)
        return {"recipes": [to_summary(r) for r in page], "nextToken": token}

    def describe_recipe(self, recipe_arn: str) -> dict[str, Any]:
        recipe = get_recipe(recipe_arn)
        if recipe is None:
            raise ResourceNotFoundException.for_arn(recipe_arn)
        return {"recipe": to_description(recipe)}

    def describe_algorithm(self, algorithm_arn: str) -> dict[str, Any]:
        algorithm = describe_algorithm(algorithm_arn)
        if algorithm is None:
            raise ResourceNotFoundException.for_arn(algorithm_arn)
        return {"algorithm": algorithm}

    def describe_feature_transformation(self, feature_transformation_arn: str) -> dict[str, Any]:
        transformation = describe_feature_transformation(feature_transformation_arn)
        if transformation is None:
            raise ResourceNotFoundException.for_arn(feature_transformation_arn)
        return {"featureTransformation": transformation}
