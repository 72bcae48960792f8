"""solutionConfig.eventsConfig (v2 recipes): only the listed event types train, each at its threshold and weight."""
from __future__ import annotations

from typing import Any

from .conftest import Clients, avro
from .datagen import START, to_csv
from .helpers import fails, loaded_group
from .workflow import USER_PERSONALIZATION, create_group, deploy, import_csv, train

USER_PERSONALIZATION_V2 = "arn:aws:personalize:::recipe/aws-user-personalization-v2"
VALUED_FIELDS = [
    {"name": "USER_ID", "type": "string"},
    {"name": "ITEM_ID", "type": "string"},
    {"name": "EVENT_TYPE", "type": "string"},
    {"name": "EVENT_VALUE", "type": ["null", "float"]},
    {"name": "TIMESTAMP", "type": "long"},
]
VALUED_SCHEMA = avro("Interactions", VALUED_FIELDS)


def shop_rows() -> list[dict[str, object]]:
    """80 shoppers: each views 12 of 40 'viewed' items and buys 14 of 40 'bought' items; 'viewed' items are never bought."""
    rows: list[dict[str, object]] = []
    for u in range(80):
        for k in range(12):
            rows.append({"USER_ID": f"user-{u}", "ITEM_ID": f"viewed-{(u + 3 * k) % 40}", "EVENT_TYPE": "view", "TIMESTAMP": START + u * 100 + k})
        for k in range(14):
            rows.append({"USER_ID": f"user-{u}", "ITEM_ID": f"bought-{(u + 3 * k) % 40}", "EVENT_TYPE": "purchase", "TIMESTAMP": START + u * 100 + 50 + k})
    return rows


def top(c: Clients, group_arn: str, name: str, events: list[dict[str, Any]]) -> list[tuple[str, float]]:
    version = train(c, group_arn, name=name, recipe=USER_PERSONALIZATION_V2, solutionConfig={"eventsConfig": {"eventParametersList": events}})
    assert version["status"] == "ACTIVE", version.get("failureReason")
    campaign = deploy(c, version["solutionVersionArn"], name=name)
    answer = c.runtime.get_recommendations(campaignArn=campaign, userId="newcomer", numResults=40)["itemList"]
    return [(i["itemId"], i["score"]) for i in answer]


def test_only_the_listed_event_types_train(aws: Clients) -> None:
    group = loaded_group(aws, rows=shop_rows())
    purchases = top(aws, group.dataset_group_arn, "purchases", [{"eventType": "purchase", "weight": 1.0}])
    assert purchases and all(item.startswith("bought-") for item, _ in purchases)
    both = top(aws, group.dataset_group_arn, "both", [{"eventType": "purchase", "weight": 1.0}, {"eventType": "view", "weight": 1.0}])
    assert any(item.startswith("viewed-") for item, _ in both)


def test_weights_change_what_is_learnt(aws: Clients) -> None:
    group = loaded_group(aws, rows=shop_rows())
    views_weigh = top(aws, group.dataset_group_arn, "views", [{"eventType": "purchase", "weight": 0.1}, {"eventType": "view", "weight": 1.0}])
    purchases_weigh = top(aws, group.dataset_group_arn, "buys", [{"eventType": "purchase", "weight": 1.0}, {"eventType": "view", "weight": 0.1}])
    assert views_weigh != purchases_weigh
    again = top(aws, group.dataset_group_arn, "views-again", [{"eventType": "purchase", "weight": 0.1}, {"eventType": "view", "weight": 1.0}])
    assert again == views_weigh  # the same configuration trains the same model


def test_a_threshold_keeps_the_events_of_its_type_at_or_above_it(aws: Clients) -> None:
    cheap = {"bought-7", "bought-8"}
    rows = [{**row, "EVENT_VALUE": 1.0 if row["ITEM_ID"] in cheap else 5.0} for row in shop_rows()]
    group = create_group(aws, "valued", schema=VALUED_SCHEMA)
    assert import_csv(aws, group.dataset_arn, to_csv(rows, [f["name"] for f in VALUED_FIELDS]))["status"] == "ACTIVE"
    kept = {item for item, _ in top(aws, group.dataset_group_arn, "kept", [{"eventType": "purchase", "eventValueThreshold": 3.0, "weight": 1.0}])}
    assert kept and not kept & cheap and all(item.startswith("bought-") for item in kept)
    every = {item for item, _ in top(aws, group.dataset_group_arn, "every", [{"eventType": "purchase", "weight": 1.0}])}
    assert cheap <= every


def test_only_v2_recipes_take_it(aws: Clients) -> None:
    group = loaded_group(aws)
    config = {"eventsConfig": {"eventParametersList": [{"eventType": "watch", "weight": 0.5}]}}
    message = fails("InvalidInputException", aws.personalize.create_solution, name="v1", datasetGroupArn=group.dataset_group_arn,
                    recipeArn=USER_PERSONALIZATION, solutionConfig=config)
    assert "solutionConfig.eventsConfig" in message
