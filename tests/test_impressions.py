"""Impressions (interactions-datasets.md "Impressions data"): the more often an item was shown and ignored, the
less exploration offers it. Shown explicitly (PutEvents' ``impression``), implicitly (an event's
``recommendationId``: the items that recommendation answered) or in the IMPRESSION column of an import."""
from __future__ import annotations

from collections import Counter

from .catalogs import COMEDY_FANS, genre_rows, with_metadata
from .conftest import INTERACTIONS_FIELDS, Clients, avro
from .data_jobs import delete_users, export, exported
from .datagen import GENRES
from .helpers import loaded_group, popularity_campaign, small_rows
from .tracking import current, make_tracker
from .workflow import Group, deploy, recommended, train

EXPLORING = {"itemExplorationConfig": {"explorationWeight": "0.3", "explorationItemAgeCutOff": "30"}}


def exploring_campaign(c: Clients, group: Group) -> str:
    version = train(c, group.dataset_group_arn)
    assert version["status"] == "ACTIVE", version.get("failureReason")
    return deploy(c, version["solutionVersionArn"], campaignConfig=EXPLORING)


def appearances(c: Clients, campaign: str) -> Counter[str]:
    """In how many of the comedy fans' answers each item appears."""
    return Counter(item for user in COMEDY_FANS for item in recommended(c, campaign, user))


def test_an_item_shown_explicitly_is_explored_less(aws: Clients) -> None:
    group = with_metadata(aws)
    campaign = exploring_campaign(aws, group)
    before = appearances(aws, campaign)
    # Exploration offers the comedy fans the new comedies, these two alike.
    assert before["comedy-new-0"] >= 0.9 * len(COMEDY_FANS) and before["comedy-new-1"] >= 0.9 * len(COMEDY_FANS)
    tracking_id = make_tracker(aws, group.dataset_group_arn)["trackingId"]
    for k in range(5):  # 50 viewers were shown comedy-new-0 beside what they watched, and left it
        events = [{**current(GENRES[0].items[0], i), "impression": ["comedy-new-0", GENRES[0].items[0]]} for i in range(10)]
        aws.events.put_events(trackingId=tracking_id, userId=f"viewer-{k}", sessionId=f"s-{k}", eventList=events)
    after = appearances(aws, campaign)
    assert after["comedy-new-0"] <= 0.5 * before["comedy-new-0"]
    assert after["comedy-new-0"] < after["comedy-new-1"] and after["comedy-new-1"] >= before["comedy-new-1"]
    # Deleted users leave nothing behind, what they were shown included.
    assert delete_users(aws, group.dataset_group_arn, [f"viewer-{k}" for k in range(5)])["status"] == "COMPLETED"
    assert appearances(aws, campaign) == before


def test_the_items_a_recommendation_answered_are_its_implicit_impressions(aws: Clients) -> None:
    group = with_metadata(aws)
    campaign = exploring_campaign(aws, group)
    # Four results: one exploration slot, the best new comedy for this fan.
    answer = aws.runtime.get_recommendations(campaignArn=campaign, userId=COMEDY_FANS[0], numResults=4)
    shown = {i["itemId"] for i in answer["itemList"]}
    (explored,) = [item for item in shown if "-new-" in item]
    other = next(f"comedy-new-{k}" for k in range(3) if f"comedy-new-{k}" not in shown)
    tracking_id = make_tracker(aws, group.dataset_group_arn)["trackingId"]
    clicked = next(item for item in shown if item != explored)
    for k in range(5):
        events = [{**current(clicked, i), "recommendationId": answer["recommendationId"]} for i in range(10)]
        aws.events.put_events(trackingId=tracking_id, userId=f"viewer-{k}", sessionId=f"s-{k}", eventList=events)
    after = appearances(aws, campaign)
    assert after[explored] <= 0.5 * after[other] and after[other] >= 0.9 * len(COMEDY_FANS)
    # An explicit list wins over the recommendation's: these events show `other` only.
    for k in range(5, 10):
        events = [{**current(clicked, i), "recommendationId": answer["recommendationId"], "impression": [other]} for i in range(20)][:10]
        aws.events.put_events(trackingId=tracking_id, userId=f"viewer-{k}", sessionId=f"s-{k}", eventList=events)
    again = appearances(aws, campaign)
    assert again[other] < after[other] and again[explored] >= after[explored]


IMPRESSIONS_SCHEMA = avro("Interactions", [*INTERACTIONS_FIELDS, {"name": "IMPRESSION", "type": ["null", "string"]}])


def test_imported_impressions_guide_exploration(aws: Clients) -> None:
    rows = genre_rows()
    for row in rows[::10]:  # one watch in ten was beside comedy-new-0
        row["IMPRESSION"] = f"comedy-new-0|{row['ITEM_ID']}"
    group = with_metadata(aws, rows, schema=IMPRESSIONS_SCHEMA)
    after = appearances(aws, exploring_campaign(aws, group))
    assert after["comedy-new-0"] <= 0.5 * after["comedy-new-1"] and after["comedy-new-1"] >= 0.9 * len(COMEDY_FANS)


def test_impressions_are_kept_with_the_events(aws: Clients) -> None:
    """The IMPRESSION field of recorded events holds what the user was shown: the explicit list, else the
    recommendation's answer."""
    group = loaded_group(aws, rows=small_rows(), schema=IMPRESSIONS_SCHEMA)
    campaign = popularity_campaign(aws, group.dataset_group_arn)
    answer = aws.runtime.get_recommendations(campaignArn=campaign, userId="user-1", numResults=5)
    tracking_id = make_tracker(aws, group.dataset_group_arn)["trackingId"]
    answered = [i["itemId"] for i in answer["itemList"]]
    events = [
        {**current(answered[0], 0), "recommendationId": answer["recommendationId"]},
        {**current(answered[1], 1), "recommendationId": answer["recommendationId"], "impression": [answered[1], "comedy-9"]},
        {**current(answered[2], 2), "recommendationId": "RID-never-given"},
    ]
    aws.events.put_events(trackingId=tracking_id, userId="user-1", sessionId="s", eventList=events)
    assert export(aws, group.dataset_arn, "shown", "PUT")["status"] == "ACTIVE"
    _, rows = exported(aws, "shown")
    assert [row["IMPRESSION"] for row in rows] == ["|".join(answered), f"{answered[1]}|comedy-9", ""]
