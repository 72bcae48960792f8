"""The service's built-in recipe catalog, backing ListRecipes and DescribeRecipe.

Names, ARNs, algorithm/feature-transformation ARNs and recipe types come from the
developer guide's recipe pages (native-recipe-*.md, item-*-affinity-recipe.md) and
domain use-case pages (ECOMMERCE-use-cases.md, VIDEO_ON_DEMAND-use-cases.md).
Where the guide gives no value, the rule used is stated next to the table.
Descriptions are our own wording; dates are fixed, plausible release dates.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

_ARN_PREFIX = "arn:aws:personalize:::"

# Values of the model's Domain enum.
DOMAINS: tuple[str, ...] = ("ECOMMERCE", "VIDEO_ON_DEMAND")


@dataclass(frozen=True)
class RecipeInfo:
    name: str
    recipe_arn: str
    # Value DescribeRecipe reports as recipeType.
    recipe_type: str
    # None where the guide documents no ARN (omitted from DescribeRecipe; the member is optional).
    algorithm_arn: str | None
    feature_transformation_arn: str | None
    description: str
    # The guide's grouping (working-with-predefined-recipes.md): USER_PERSONALIZATION,
    # POPULAR_ITEMS, PERSONALIZED_RANKING, RELATED_ITEMS, USER_SEGMENTATION or (the current
    # guide's) PERSONALIZED_ACTIONS. It can differ
    # from recipe_type (Popularity-Count is POPULAR_ITEMS here but reports USER_PERSONALIZATION).
    category: str
    # "ECOMMERCE" / "VIDEO_ON_DEMAND" for domain use cases, None for custom recipes.
    domain: str | None
    creation_date_time: datetime
    last_updated_date_time: datetime
    status: str = "ACTIVE"


def _utc(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=timezone.utc)


def _build(rows: tuple[tuple[Any, ...], ...], domain: str | None = None) -> tuple[RecipeInfo, ...]:
    out = []
    for name, recipe_type, category, algorithm, transformation, created, updated, text in rows:
        out.append(
            RecipeInfo(
                name=name,
                recipe_arn=f"{_ARN_PREFIX}recipe/{name}",
                recipe_type=recipe_type or category,
                algorithm_arn=f"{_ARN_PREFIX}algorithm/{algorithm}" if algorithm else None,
                feature_transformation_arn=(
                    f"{_ARN_PREFIX}feature-transformation/{transformation}" if transformation else None
                ),
                description=text,
                category=category,
                domain=domain,
                creation_date_time=_utc(created),
                last_updated_date_time=_utc(updated),
            )
        )
    return tuple(out)


# Columns: name, recipe type (None: the page gives none, so the guide's category is used),
# category, algorithm name, feature-transformation name (None: the guide lists none),
# created, last updated, description.
_CUSTOM_ROWS: tuple[tuple[Any, ...], ...] = (
    # native-recipe-new-item-USER_PERSONALIZATION.md. The page lists no feature
    # transformation; JSON-percentile-filtering is inferred from its percentile
    # featurization hyperparameters, shared with HRNN and Personalized-Ranking.
    ("aws-user-personalization", None, "USER_PERSONALIZATION",
     "aws-user-personalization", "JSON-percentile-filtering", "2020-08-17", "2022-11-15",
     "Predicts which items each user is most likely to engage with next, learning from "
     "interactions and optional user and item metadata while exploring newer items."),
    # native-recipe-user-personalization-v2.md (2024, not in this copy of the guide): the same
    # API as aws-user-personalization for catalogs of up to 5 million items. No feature
    # transformation ARN is documented for it, so none is shown.
    ("aws-user-personalization-v2", None, "USER_PERSONALIZATION",
     "aws-user-personalization-v2", None, "2024-05-02", "2024-05-02",
     "Predicts which items each user is most likely to engage with next, for catalogs of up "
     "to 5 million items, learning from the order of each user's interactions."),
    # native-recipe-popularity.md (page states recipe type USER_PERSONALIZATION).
    ("aws-popularity-count", "USER_PERSONALIZATION", "POPULAR_ITEMS",
     "aws-popularity-count", "sims", "2019-06-10", "2019-06-10",
     "Returns one list for everybody, ordered by how many distinct users interacted with "
     "each item; handy as a baseline."),
    # native-recipe-trending-now.md (no recipe type or feature transformation on the page).
    ("aws-trending-now", None, "POPULAR_ITEMS",
     "aws-trending-now-custom", None, "2022-11-17", "2022-11-17",
     "Surfaces the items whose interaction counts are rising fastest over a configurable "
     "time interval."),
    # native-recipe-search.md
    ("aws-personalized-ranking", "PERSONALIZED_RANKING", "PERSONALIZED_RANKING",
     "aws-personalized-ranking", "JSON-percentile-filtering", "2019-06-10", "2020-08-17",
     "Reorders a list of candidate items supplied by the caller according to how "
     "interested a given user is likely to be in each."),
    # native-recipe-personalized-ranking-v2.md (2024, not in this copy of the guide), as for
    # aws-user-personalization-v2.
    ("aws-personalized-ranking-v2", "PERSONALIZED_RANKING", "PERSONALIZED_RANKING",
     "aws-personalized-ranking-v2", None, "2024-05-02", "2024-05-02",
     "Reorders a list of candidate items supplied by the caller for a given user, for "
     "catalogs of up to 5 million items."),
    # native-recipe-similar-items.md (no recipe type or feature transformation on the page).
    ("aws-similar-items", None, "RELATED_ITEMS",
     "aws-similar-items", None, "2022-10-20", "2022-10-20",
     "Finds items related to a given item by combining co-occurrence in user histories "
     "with similarity of item metadata."),
    # native-recipe-sims.md
    ("aws-sims", "RELATED_ITEMS", "RELATED_ITEMS",
     "aws-sims", "sims", "2019-06-10", "2019-06-10",
     "Finds items related to a given item from how often the two appear together in "
     "users' interaction histories."),
    # item-affinity-recipe.md
    ("aws-item-affinity", "USER_SEGMENTATION", "USER_SEGMENTATION",
     "aws-item-affinity", "item-affinity", "2022-09-14", "2022-09-14",
     "Builds, for each input item, a ranked segment of the users most likely to "
     "interact with it."),
    # item-attribute-affinity-recipe.md
    ("aws-item-attribute-affinity", "USER_SEGMENTATION", "USER_SEGMENTATION",
     "aws-item-attribute-affinity", "item-attribute-affinity", "2022-09-14", "2022-09-14",
     "Builds, for each input item attribute value, a ranked segment of the users most "
     "likely to interact with items carrying it."),
    # The current guide's native-recipe-next-best-action.md (recipe and algorithm ARNs; it lists
    # no feature transformation).
    ("aws-next-best-action", "PERSONALIZED_ACTIONS", "PERSONALIZED_ACTIONS",
     "aws-next-best-action", None, "2023-11-27", "2023-11-27",
     "Recommends the actions each user is most likely to take within the action optimization "
     "period, such as enrolling in a loyalty program, learning from action and item interactions."),
)

# Domain use cases. The guide documents only their recipe ARNs, so there is no
# algorithm or feature-transformation ARN, and recipe type is the category implied by
# each use case's GetRecommendations requirements (itemId required -> RELATED_ITEMS).
_ECOMMERCE_ROWS: tuple[tuple[Any, ...], ...] = (
    ("aws-ecomm-popular-items-by-views", None, "POPULAR_ITEMS", None, None,
     "2021-11-19", "2021-11-19",
     "Suggests the products shoppers have viewed most often."),
    ("aws-ecomm-popular-items-by-purchases", None, "POPULAR_ITEMS", None, None,
     "2021-11-19", "2021-11-19",
     "Suggests the products shoppers have bought most often."),
    ("aws-ecomm-frequently-bought-together", None, "RELATED_ITEMS", None, None,
     "2021-11-19", "2021-11-19",
     "Given a product, suggests others that shoppers tend to purchase along with it."),
    ("aws-ecomm-customers-who-viewed-x-also-viewed", None, "RELATED_ITEMS", None, None,
     "2021-11-19", "2021-11-19",
     "Given a product, suggests others that viewers of it also looked at, leaving out "
     "what the user already bought."),
    ("aws-ecomm-recommended-for-you", None, "USER_PERSONALIZATION", None, None,
     "2021-11-19", "2022-08-25",
     "Personalized product suggestions for one shopper, with some exploration of "
     "less-seen products."),
)

_VIDEO_ON_DEMAND_ROWS: tuple[tuple[Any, ...], ...] = (
    ("aws-vod-because-you-watched-x", None, "RELATED_ITEMS", None, None,
     "2021-11-19", "2021-11-19",
     "Given a title, suggests others watched by people who watched it, leaving out what "
     "the user has seen."),
    ("aws-vod-more-like-x", None, "RELATED_ITEMS", None, None,
     "2021-11-19", "2021-11-19",
     "Given a title, suggests titles alike in content and in who watches them."),
    ("aws-vod-most-popular", None, "POPULAR_ITEMS", None, None,
     "2021-11-19", "2021-11-19",
     "Suggests the titles watched by the largest number of viewers."),
    ("aws-vod-trending-now", None, "POPULAR_ITEMS", None, None,
     "2022-11-17", "2022-11-17",
     "Suggests titles whose viewership is climbing quickly right now."),
    ("aws-vod-top-picks", None, "USER_PERSONALIZATION", None, None,
     "2021-11-19", "2022-08-25",
     "Personalized title suggestions for one viewer, with some exploration of "
     "less-seen titles."),
)

# Everything ListRecipes returns, custom recipes first.
CUSTOM_RECIPES: tuple[RecipeInfo, ...] = _build(_CUSTOM_ROWS)
DOMAIN_RECIPES: tuple[RecipeInfo, ...] = (
    _build(_ECOMMERCE_ROWS, "ECOMMERCE") + _build(_VIDEO_ON_DEMAND_ROWS, "VIDEO_ON_DEMAND")
)
RECIPES: tuple[RecipeInfo, ...] = CUSTOM_RECIPES + DOMAIN_RECIPES

# legacy-user-personalization-recipes.md: "Legacy HRNN recipes are no longer available".
# Kept out of RECIPES (not listed, not describable); here only so callers can tell a
# retired recipe from an unknown one.
_LEGACY_ROWS: tuple[tuple[Any, ...], ...] = (
    ("aws-hrnn", "USER_PERSONALIZATION", "USER_PERSONALIZATION",
     "aws-hrnn", "JSON-percentile-filtering", "2019-06-10", "2019-06-10",
     "Retired hierarchical recurrent network that models each user's interaction sequence."),
    ("aws-hrnn-metadata", "USER_PERSONALIZATION", "USER_PERSONALIZATION",
     "aws-hrnn-metadata", "featurize_metadata", "2019-06-10", "2019-06-10",
     "Retired HRNN variant that also draws on user and item metadata."),
    ("aws-hrnn-coldstart", "USER_PERSONALIZATION", "USER_PERSONALIZATION",
     "aws-hrnn-coldstart", "featurize_coldstart", "2019-06-10", "2019-06-10",
     "Retired HRNN-Metadata variant aimed at recommending newly added items."),
)
LEGACY_RECIPES: tuple[RecipeInfo, ...] = _build(_LEGACY_ROWS)

_BY_ARN: dict[str, RecipeInfo] = {r.recipe_arn: r for r in RECIPES}
_LEGACY_BY_ARN: dict[str, RecipeInfo] = {r.recipe_arn: r for r in LEGACY_RECIPES}


def get_recipe(arn: str) -> RecipeInfo | None:
    """The available recipe with this ARN, or None."""
    return _BY_ARN.get(arn)


def known_recipe(arn: str) -> RecipeInfo:
    """The available recipe with this ARN, which a resource already checked names one (KeyError otherwise)."""
    return _BY_ARN[arn]


def get_legacy_recipe(arn: str) -> RecipeInfo | None:
    """The retired (HRNN) recipe with this ARN, or None."""
    return _LEGACY_BY_ARN.get(arn)


def list_recipes(domain: str | None = None) -> list[RecipeInfo]:
    """ListRecipes order. No domain: every recipe (API_ListRecipes.md: "If you don't
    specify a domain, all recipes are returned"). A domain: only its use cases; an
    unknown domain gives [] (the handler should reject it as InvalidInputException)."""
    if domain is None:
        return list(RECIPES)
    return [r for r in DOMAIN_RECIPES if r.domain == domain]


def to_description(r: RecipeInfo) -> dict[str, Any]:
    """Members of the model's Recipe shape (DescribeRecipe's `recipe`)."""
    out: dict[str, Any] = {
        "name": r.name,
        "recipeArn": r.recipe_arn,
        "algorithmArn": r.algorithm_arn,
        "featureTransformationArn": r.feature_transformation_arn,
        "status": r.status,
        "description": r.description,
        "creationDateTime": r.creation_date_time,
        "recipeType": r.recipe_type,
        "lastUpdatedDateTime": r.last_updated_date_time,
    }
    return {k: v for k, v in out.items() if v is not None}


def to_summary(r: RecipeInfo) -> dict[str, Any]:
    """Members of the model's RecipeSummary shape (one ListRecipes entry)."""
    out: dict[str, Any] = {
        "name": r.name,
        "recipeArn": r.recipe_arn,
        "status": r.status,
        "creationDateTime": r.creation_date_time,
        "lastUpdatedDateTime": r.last_updated_date_time,
    }
    if r.domain is not None:
        out["domain"] = r.domain
    return out
