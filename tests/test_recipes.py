"""ListRecipes and DescribeRecipe: the service's recipe catalog."""
from __future__ import annotations

import pytest

from .conftest import Clients
from .helpers import fails
from .workflow import PERSONALIZED_RANKING_V2, POPULARITY, USER_PERSONALIZATION, USER_PERSONALIZATION_V2

ECOMMERCE_RECOMMENDED_FOR_YOU = "arn:aws:personalize:::recipe/aws-ecomm-recommended-for-you"
VOD_TOP_PICKS = "arn:aws:personalize:::recipe/aws-vod-top-picks"


def all_pages(c: Clients, **params: object) -> list[dict]:
    recipes: list[dict] = []
    token = None
    while True:
        page = c.personalize.list_recipes(**params, **({"nextToken": token} if token else {}))
        recipes += page["recipes"]
        token = page.get("nextToken")
        if token is None:
            return recipes


def test_list_without_domain_has_custom_and_domain_recipes(aws: Clients) -> None:
    recipes = aws.personalize.list_recipes()["recipes"]
    arns = {r["recipeArn"] for r in recipes}
    assert {USER_PERSONALIZATION, POPULARITY, ECOMMERCE_RECOMMENDED_FOR_YOU, VOD_TOP_PICKS} <= arns
    assert "arn:aws:personalize:::recipe/aws-sims" in arns
    for r in recipes:
        assert r["recipeArn"] == f"arn:aws:personalize:::recipe/{r['name']}"
        assert r["status"] == "ACTIVE"
        assert r["creationDateTime"] <= r["lastUpdatedDateTime"]
    assert "domain" not in next(r for r in recipes if r["recipeArn"] == USER_PERSONALIZATION)
    assert next(r for r in recipes if r["recipeArn"] == VOD_TOP_PICKS)["domain"] == "VIDEO_ON_DEMAND"
    assert aws.personalize.list_recipes(recipeProvider="SERVICE")["recipes"] == recipes


@pytest.mark.parametrize("domain, member", [("ECOMMERCE", ECOMMERCE_RECOMMENDED_FOR_YOU), ("VIDEO_ON_DEMAND", VOD_TOP_PICKS)])
def test_list_for_a_domain(aws: Clients, domain: str, member: str) -> None:
    recipes = aws.personalize.list_recipes(domain=domain)["recipes"]
    assert member in {r["recipeArn"] for r in recipes}
    assert all(r["domain"] == domain for r in recipes)
    assert USER_PERSONALIZATION not in {r["recipeArn"] for r in recipes}


def test_list_pages(aws: Clients) -> None:
    everything = aws.personalize.list_recipes()["recipes"]
    first = aws.personalize.list_recipes(maxResults=3)
    assert len(first["recipes"]) == 3 and first["nextToken"]
    paged = all_pages(aws, maxResults=3)
    assert [r["recipeArn"] for r in paged] == [r["recipeArn"] for r in everything]
    assert len({r["recipeArn"] for r in paged}) == len(paged)
    domain_paged = all_pages(aws, maxResults=2, domain="ECOMMERCE")
    assert [r["recipeArn"] for r in domain_paged] == [r["recipeArn"] for r in aws.personalize.list_recipes(domain="ECOMMERCE")["recipes"]]


def test_list_errors(aws: Clients) -> None:
    assert "???" in fails("InvalidNextTokenException", aws.personalize.list_recipes, nextToken="???")
    assert "'domain'" in fails("InvalidInputException", aws.personalize.list_recipes, domain="GAMING")
    assert "'recipeProvider'" in fails("InvalidInputException", aws.personalize.list_recipes, recipeProvider="CUSTOM")


@pytest.mark.parametrize(
    "recipe_arn, algorithm",
    [(USER_PERSONALIZATION, "aws-user-personalization"), (POPULARITY, "aws-popularity-count")],
)
def test_describe_known_recipe(aws: Clients, recipe_arn: str, algorithm: str) -> None:
    recipe = aws.personalize.describe_recipe(recipeArn=recipe_arn)["recipe"]
    assert recipe["recipeArn"] == recipe_arn
    assert recipe["name"] == recipe_arn.rsplit("/", 1)[1]
    assert recipe["algorithmArn"] == f"arn:aws:personalize:::algorithm/{algorithm}"
    assert recipe["recipeType"] == "USER_PERSONALIZATION"
    assert recipe["status"] == "ACTIVE"
    assert recipe["description"]
    assert recipe["featureTransformationArn"].startswith("arn:aws:personalize:::feature-transformation/")
    assert recipe["creationDateTime"] <= recipe["lastUpdatedDateTime"]


def test_describe_other_recipe_types(aws: Clients) -> None:
    sims = aws.personalize.describe_recipe(recipeArn="arn:aws:personalize:::recipe/aws-sims")["recipe"]
    assert sims["recipeType"] == "RELATED_ITEMS"
    ranking = aws.personalize.describe_recipe(recipeArn="arn:aws:personalize:::recipe/aws-personalized-ranking")["recipe"]
    assert ranking["recipeType"] == "PERSONALIZED_RANKING"


@pytest.mark.parametrize(
    "recipe_arn, recipe_type",
    [(USER_PERSONALIZATION_V2, "USER_PERSONALIZATION"), (PERSONALIZED_RANKING_V2, "PERSONALIZED_RANKING")],
)
def test_v2_recipes(aws: Clients, recipe_arn: str, recipe_type: str) -> None:
    recipe = aws.personalize.describe_recipe(recipeArn=recipe_arn)["recipe"]
    name = recipe_arn.rsplit("/", 1)[1]
    assert recipe["name"] == name and recipe["recipeType"] == recipe_type
    assert recipe["algorithmArn"] == f"arn:aws:personalize:::algorithm/{name}"
    assert "featureTransformationArn" not in recipe
    listed = {r["recipeArn"]: r for r in all_pages(aws)}
    assert listed[recipe_arn]["status"] == "ACTIVE" and "domain" not in listed[recipe_arn]


@pytest.mark.parametrize("recipe_arn", ["arn:aws:personalize:::recipe/aws-crystal-ball", "arn:aws:personalize:::recipe/aws-hrnn"])
def test_describe_unknown_recipe(aws: Clients, recipe_arn: str) -> None:
    message = fails("ResourceNotFoundException", aws.personalize.describe_recipe, recipeArn=recipe_arn)
    assert message == f"Resource Arn {recipe_arn} does not exist."


def test_every_algorithm_and_feature_transformation_a_recipe_names_describes(aws: Clients) -> None:
    """Following an ARN DescribeRecipe hands out never ends in an error."""
    p = aws.personalize
    recipes = [p.describe_recipe(recipeArn=r["recipeArn"])["recipe"] for r in p.list_recipes()["recipes"]]
    algorithms = {r["algorithmArn"] for r in recipes if "algorithmArn" in r}
    transformations = {r["featureTransformationArn"] for r in recipes if "featureTransformationArn" in r}
    assert algorithms and transformations
    for arn in algorithms:
        algorithm = p.describe_algorithm(algorithmArn=arn)["algorithm"]
        assert algorithm["algorithmArn"] == arn and algorithm["name"] == arn.rsplit("/", 1)[1]
    for arn in transformations:
        transformation = p.describe_feature_transformation(featureTransformationArn=arn)["featureTransformation"]
        assert transformation["featureTransformationArn"] == arn and transformation["status"] == "ACTIVE"


def test_an_algorithm_shows_the_recipe_pages_hyperparameters(aws: Clients) -> None:
    """native-recipe-new-item-USER_PERSONALIZATION.md: hidden_dimension 149 in [32, 256], bptt 32 in [2, 32], both tunable."""
    p = aws.personalize
    algorithm = p.describe_algorithm(algorithmArn="arn:aws:personalize:::algorithm/aws-user-personalization")["algorithm"]
    assert algorithm["defaultHyperParameters"]["hidden_dimension"] == "149"
    integers = {r["name"]: r for r in algorithm["defaultHyperParameterRanges"]["integerHyperParameterRanges"]}
    assert integers["hidden_dimension"] == {"name": "hidden_dimension", "minValue": 32, "maxValue": 256, "isTunable": True}
    assert integers["bptt"]["minValue"] == 2 and integers["bptt"]["maxValue"] == 32
    categorical = {r["name"]: r for r in algorithm["defaultHyperParameterRanges"]["categoricalHyperParameterRanges"]}
    assert categorical["recency_mask"]["values"] == ["true", "false"]
    assert int(algorithm["defaultResourceConfig"]["maxNumberOfTrainingJobs"]) >= 1
    # The percentiles filter the data: they are the feature transformation's.
    assert "max_user_history_length_percentile" not in algorithm["defaultHyperParameters"]
    transformation = p.describe_feature_transformation(
        featureTransformationArn="arn:aws:personalize:::feature-transformation/JSON-percentile-filtering"
    )["featureTransformation"]
    assert transformation["defaultParameters"]["max_user_history_length_percentile"] == "0.99"


@pytest.mark.parametrize("operation, member, kind", [("describe_algorithm", "algorithmArn", "algorithm"), ("describe_feature_transformation", "featureTransformationArn", "feature-transformation")])
def test_unknown_algorithm_and_transformation(aws: Clients, operation: str, member: str, kind: str) -> None:
    arn = f"arn:aws:personalize:::{kind}/aws-mind-reader"
    assert arn in fails("ResourceNotFoundException", getattr(aws.personalize, operation), **{member: arn})
