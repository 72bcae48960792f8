"""solutionConfig.optimizationObjective: an item attribute weighs in the ranking, and average_rewards_at_k measures it."""
from __future__ import annotations

import random

import pytest

from .conftest import Clients, avro
from .datagen import interactions, to_csv
from .helpers import fails, loaded_group
from .workflow import POPULARITY, USER_PERSONALIZATION, deploy, import_csv, recommended, train

PRICED_ITEMS = avro(
    "Items",
    [
        {"name": "ITEM_ID", "type": "string"},
        {"name": "PRICE", "type": "float"},
        {"name": "DISCOUNT", "type": ["null", "float"]},
        {"name": "GENRE", "type": "string", "categorical": True},
    ],
)


def priced_group(c: Clients) -> tuple[str, dict[str, float]]:
    """The two-taste data, with an Items dataset giving each item a price."""
    rows = interactions()
    group = loaded_group(c, rows=rows)
    rng = random.Random(3)
    prices = {item: round(rng.uniform(1, 100), 2) for item in sorted({r["ITEM_ID"] for r in rows})}
    schema_arn = c.personalize.create_schema(name="priced-items", schema=PRICED_ITEMS)["schemaArn"]
    dataset_arn = c.personalize.create_dataset(
        name="items", schemaArn=schema_arn, datasetGroupArn=group.dataset_group_arn, datasetType="Items"
    )["datasetArn"]
    items = [{"ITEM_ID": item, "PRICE": price, "DISCOUNT": "", "GENRE": item.split("-")[0]} for item, price in prices.items()]
    assert import_csv(c, dataset_arn, to_csv(items), key="items.csv", job="items")["status"] == "ACTIVE"
    return group.dataset_group_arn, prices


def mean_price(items: list[str], prices: dict[str, float]) -> float:
    return sum(prices[i] for i in items) / len(items)


def test_the_objective_raises_what_recommendations_earn(aws: Clients) -> None:
    group_arn, prices = priced_group(aws)
    plain = train(aws, group_arn, name="plain")
    priced = train(aws, group_arn, name="priced", solutionConfig={"optimizationObjective": {"itemAttribute": "PRICE", "objectiveSensitivity": "HIGH"}})
    assert priced["solutionConfig"]["optimizationObjective"]["itemAttribute"] == "PRICE"

    plain_metrics = aws.personalize.get_solution_metrics(solutionVersionArn=plain["solutionVersionArn"])["metrics"]
    priced_metrics = aws.personalize.get_solution_metrics(solutionVersionArn=priced["solutionVersionArn"])["metrics"]
    assert "average_rewards_at_k" not in plain_metrics
    assert 0.0 <= priced_metrics["average_rewards_at_k"] <= 1.0

    users = [f"user-{u}" for u in range(10)]
    plain_campaign = deploy(aws, plain["solutionVersionArn"], name="plain")
    priced_campaign = deploy(aws, priced["solutionVersionArn"], name="priced")
    plain_price = sum(mean_price(recommended(aws, plain_campaign, u), prices) for u in users)
    priced_price = sum(mean_price(recommended(aws, priced_campaign, u), prices) for u in users)
    assert priced_price > plain_price * 1.2


@pytest.mark.parametrize(
    "recipe, attribute, needle",
    [
        (POPULARITY, "PRICE", "optimizationObjective"),
        (USER_PERSONALIZATION, "DISCOUNT", "optimizationObjective.itemAttribute"),  # its type includes null
        (USER_PERSONALIZATION, "GENRE", "optimizationObjective.itemAttribute"),  # not a number
        (USER_PERSONALIZATION, "WEIGHT", "optimizationObjective.itemAttribute"),  # no such column
    ],
)
def test_objective_errors(aws: Clients, recipe: str, attribute: str, needle: str) -> None:
    group_arn, _ = priced_group(aws)
    config = {"optimizationObjective": {"itemAttribute": attribute, "objectiveSensitivity": "LOW"}}
    message = fails("InvalidInputException", aws.personalize.create_solution, name="s", datasetGroupArn=group_arn, recipeArn=recipe, solutionConfig=config)
    assert needle in message
    assert aws.personalize.list_solutions()["solutions"] == []


def test_an_objective_needs_an_items_dataset(aws: Clients) -> None:
    group = loaded_group(aws)
    config = {"optimizationObjective": {"itemAttribute": "PRICE"}}
    message = fails("InvalidInputException", aws.personalize.create_solution, name="s", datasetGroupArn=group.dataset_group_arn, recipeArn=USER_PERSONALIZATION, solutionConfig=config)
    assert "Items dataset" in message and "PRICE" in message
