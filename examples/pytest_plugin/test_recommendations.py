"""Tests that share one training: each starts from the snapshot, in a mock of its own."""
from __future__ import annotations

from typing import Any


def recommended(aws: Any, campaign: str, user: str) -> list[str]:
    answer = aws.runtime.get_recommendations(campaignArn=campaign, userId=user, numResults=10)
    return [item["itemId"] for item in answer["itemList"]]


def test_a_comedy_fan_gets_comedies(personalize_aws: Any, movies: dict[str, str]) -> None:
    items = recommended(personalize_aws, movies["campaign"], "user-0")
    assert sum(item.startswith("comedy") for item in items) >= 7


def test_what_a_user_watches_now_changes_the_answer(personalize_aws: Any, movies: dict[str, str]) -> None:
    before = recommended(personalize_aws, movies["campaign"], "user-0")
    personalize_aws.events.put_events(
        trackingId=movies["trackingId"],
        userId="user-0",
        sessionId="evening",
        eventList=[{"eventType": "watch", "itemId": f"horror-{i}", "sentAt": 1_700_000_000 + i} for i in range(10)],
    )
    after = recommended(personalize_aws, movies["campaign"], "user-0")
    assert sum(item.startswith("horror") for item in after) > sum(item.startswith("horror") for item in before)


def test_each_test_starts_from_the_snapshot(personalize_aws: Any, movies: dict[str, str]) -> None:
    p = personalize_aws.personalize
    p.create_filter(name="unwatched", datasetGroupArn=movies["group"], filterExpression='EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("watch")')
    assert [f["name"] for f in p.list_filters(datasetGroupArn=movies["group"])["Filters"]] == ["unwatched"]


def test_and_nothing_of_another_test_remains(personalize_aws: Any, movies: dict[str, str]) -> None:
    p = personalize_aws.personalize
    assert p.list_filters(datasetGroupArn=movies["group"])["Filters"] == []
    assert sum(item.startswith("comedy") for item in recommended(personalize_aws, movies["campaign"], "user-0")) >= 7
