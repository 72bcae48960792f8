"""Promotions (promoting-items.md): a share of the answer for items passing the promotion's filter."""
from __future__ import annotations

import json

import pytest

from .catalogs import ITEM_ROWS, SHOP_ITEMS_SCHEMA, add_dataset, holds
from .conftest import Clients
from .datagen import interactions
from .helpers import fails, loaded_group, make_filter
from .workflow import USER_PERSONALIZATION, deploy, train


@pytest.fixture
def promoting(aws: Clients) -> tuple[str, str]:
    """A comedy fan's campaign, and a filter of horror films to promote."""
    group = loaded_group(aws, "promo", rows=interactions())
    add_dataset(aws, group.dataset_group_arn, "Items", SHOP_ITEMS_SCHEMA, ITEM_ROWS)
    version = train(aws, group.dataset_group_arn, name="personal", recipe=USER_PERSONALIZATION)
    campaign = deploy(aws, version["solutionVersionArn"], name="personal", campaignConfig={"itemExplorationConfig": {"explorationWeight": "0"}})
    horror = make_filter(aws, group.dataset_group_arn, 'INCLUDE ItemID WHERE Items.GENRES IN ("Horror")', name="horror")
    return campaign, horror


def ask(c: Clients, campaign: str, horror: str, percent: int, n: int = 10, **options: object) -> list[dict]:
    promotion = {"name": "scary", "percentPromotedItems": percent, "filterArn": horror}
    return c.runtime.get_recommendations(campaignArn=campaign, userId="user-0", numResults=n, promotions=[promotion], **options)["itemList"]


def test_the_promoted_share_matches_the_percentage(aws: Clients, promoting: tuple[str, str]) -> None:
    campaign, horror = promoting
    plain = [i["itemId"] for i in aws.runtime.get_recommendations(campaignArn=campaign, userId="user-0", numResults=10)["itemList"]]
    assert not any(holds(item, "Horror") for item in plain)  # a comedy fan: no horror unless promoted
    for percent, expected in ((40, 4), (25, 3), (100, 10)):
        answer = ask(aws, campaign, horror, percent)
        promoted = [i for i in answer if i.get("promotionName") == "scary"]
        assert len(answer) == 10 and len({i["itemId"] for i in answer}) == 10  # nothing twice
        assert len(promoted) == expected and all(holds(i["itemId"], "Horror") for i in promoted)
        assert [i["itemId"] for i in answer if "promotionName" not in i] == plain[: 10 - expected]
        scores = [i["score"] for i in promoted]
        assert scores == sorted(scores, reverse=True)  # in sorted order among themselves
    assert ask(aws, campaign, horror, 40) == ask(aws, campaign, horror, 40)  # the same places every time


def test_the_request_filter_leaves_promoted_items_alone(aws: Clients, promoting: tuple[str, str]) -> None:
    campaign, horror = promoting
    group_arn = aws.personalize.describe_filter(filterArn=horror)["filter"]["datasetGroupArn"]
    no_horror = make_filter(aws, group_arn, 'EXCLUDE ItemID WHERE Items.GENRES IN ("Horror")', name="no-horror")
    answer = ask(aws, campaign, horror, 30, filterArn=no_horror)
    assert sum("promotionName" in i for i in answer) == 3 and all(holds(i["itemId"], "Horror") == ("promotionName" in i) for i in answer)


def test_a_promotion_needs_its_filter(aws: Clients, promoting: tuple[str, str]) -> None:
    campaign, _ = promoting
    message = fails("InvalidInputException", aws.runtime.get_recommendations, campaignArn=campaign, userId="user-0",
                    promotions=[{"name": "scary", "percentPromotedItems": 20}])
    assert "promotions.1.member.filterArn" in message


def test_v2_answers_give_the_promoted_items_reason(aws: Clients, promoting: tuple[str, str]) -> None:
    """PredictedItem.reason: User-Personalization-v2 marks promoted items "Promoted item"."""
    _, horror = promoting
    group_arn = aws.personalize.describe_filter(filterArn=horror)["filter"]["datasetGroupArn"]
    version = train(aws, group_arn, name="v2", recipe="arn:aws:personalize:::recipe/aws-user-personalization-v2")
    campaign = deploy(aws, version["solutionVersionArn"], name="v2")
    answer = ask(aws, campaign, horror, 30)
    assert [i.get("reason") for i in answer if "promotionName" in i] == [["Promoted item"]] * 3
    # The others are there by relevance, or by exploration (which v2 does on its own), and say so.
    assert all(i.get("reason", ["Exploration"]) == ["Exploration"] for i in answer if "promotionName" not in i)
    # v1 answers carry no reasons.
    v1, _ = promoting
    assert all("reason" not in i for i in ask(aws, v1, horror, 30))


def test_promotions_follow_put_items_and_events_at_once(aws: Clients, promoting: tuple[str, str]) -> None:
    """The promotion's filter reads only Items: what it selects changes with the Items data; the scores with events."""
    campaign, horror = promoting
    group_arn = aws.personalize.describe_filter(filterArn=horror)["filter"]["datasetGroupArn"]
    before = ask(aws, campaign, horror, 40)
    plain = [i["itemId"] for i in before if "promotionName" not in i]
    # The fan's favourite comedy becomes a horror film: the best of the promotable items now.
    datasets = aws.personalize.list_datasets(datasetGroupArn=group_arn)["datasets"]
    items_arn = next(d["datasetArn"] for d in datasets if d["datasetType"] == "ITEMS")
    aws.events.put_items(datasetArn=items_arn, items=[{"itemId": plain[0], "properties": json.dumps({"genres": "Horror"})}])
    promoted = [i["itemId"] for i in ask(aws, campaign, horror, 40) if "promotionName" in i]
    assert promoted[0] == plain[0]

    # Events: the same request is scored on the history they make, promoted items included.
    tracking_id = aws.personalize.create_event_tracker(name="tracker", datasetGroupArn=group_arn)["trackingId"]
    scores = {i["itemId"]: i["score"] for i in ask(aws, campaign, horror, 40)}
    aws.events.put_events(trackingId=tracking_id, userId="user-0", sessionId="s", eventList=[
        {"eventType": "watch", "itemId": item, "sentAt": 2_000_000_000 + k} for k, item in enumerate(promoted[1:])
    ])
    after = {i["itemId"]: i["score"] for i in ask(aws, campaign, horror, 40)}
    assert after != scores
