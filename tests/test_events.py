"""Event trackers and PutEvents: live events that reach the dataset and the recommendations."""
from __future__ import annotations

import json
from typing import Any, Callable

import pytest

from .conftest import INTERACTIONS_FIELDS, Clients, Restore, avro
from .datagen import TASTES, to_csv
from .helpers import ACCOUNT, active_version, arn, fails, items_and_users_schemas, loaded_group, new_group, share_of_taste, small_rows
from .tracking import SENT, current, make_tracker
from .workflow import USER_PERSONALIZATION, create_group, deploy, import_csv, recommended, wait

HORROR = TASTES[1].items


def legacy(item: str, i: int) -> dict[str, Any]:
    return {"eventType": "watch", "properties": json.dumps({"itemId": item}), "sentAt": SENT + i}


def test_create_describe_list_delete(aws: Clients) -> None:
    p = aws.personalize
    group_arn = new_group(aws, "g")
    created = p.create_event_tracker(name="tracker", datasetGroupArn=group_arn)
    assert created["eventTrackerArn"].startswith(arn("event-tracker", ""))
    assert created["trackingId"]
    tracker = wait(lambda: p.describe_event_tracker(eventTrackerArn=created["eventTrackerArn"])["eventTracker"])
    assert tracker["status"] == "ACTIVE"
    assert tracker["name"] == "tracker"
    assert tracker["eventTrackerArn"] == created["eventTrackerArn"]
    assert tracker["trackingId"] == created["trackingId"]
    assert tracker["datasetGroupArn"] == group_arn
    assert tracker["accountId"] == ACCOUNT

    other = new_group(aws, "other")
    other_tracker = make_tracker(aws, other, "other-tracker")
    listed = p.list_event_trackers(datasetGroupArn=group_arn)["eventTrackers"]
    assert [(t["name"], t["eventTrackerArn"], t["status"]) for t in listed] == [("tracker", created["eventTrackerArn"], "ACTIVE")]
    assert {t["eventTrackerArn"] for t in p.list_event_trackers()["eventTrackers"]} == {created["eventTrackerArn"], other_tracker["eventTrackerArn"]}
    page = p.list_event_trackers(maxResults=1)
    assert len(page["eventTrackers"]) == 1 and page["nextToken"]
    assert "bogus" in fails("InvalidNextTokenException", p.list_event_trackers, nextToken="bogus")

    p.delete_event_tracker(eventTrackerArn=created["eventTrackerArn"])
    message = fails("ResourceNotFoundException", p.describe_event_tracker, eventTrackerArn=created["eventTrackerArn"])
    assert message == f"Resource Arn {created['eventTrackerArn']} does not exist."
    assert p.list_event_trackers(datasetGroupArn=group_arn)["eventTrackers"] == []
    # The group may have a tracker again.
    assert make_tracker(aws, group_arn, "replacement")["trackingId"] != created["trackingId"]


def test_one_tracker_per_group(aws: Clients) -> None:
    p = aws.personalize
    group_arn = new_group(aws, "g")
    make_tracker(aws, group_arn, "first")
    message = fails("LimitExceededException", p.create_event_tracker, name="second", datasetGroupArn=group_arn)
    assert group_arn in message
    assert [t["name"] for t in p.list_event_trackers()["eventTrackers"]] == ["first"]


def test_create_errors(aws: Clients) -> None:
    p = aws.personalize
    ghost = arn("dataset-group", "ghost")
    assert fails("ResourceNotFoundException", p.create_event_tracker, name="t", datasetGroupArn=ghost) == f"Resource Arn {ghost} does not exist."
    group_arn = new_group(aws, "g")
    assert "'name'" in fails("InvalidInputException", p.create_event_tracker, name="t/1", datasetGroupArn=group_arn)
    make_tracker(aws, group_arn, "taken")
    message = fails("ResourceAlreadyExistsException", p.create_event_tracker, name="taken", datasetGroupArn=new_group(aws, "g2"))
    assert "taken" in message
    ghost_tracker = arn("event-tracker", "0123abcd")
    assert ghost_tracker in fails("ResourceNotFoundException", p.describe_event_tracker, eventTrackerArn=ghost_tracker)
    assert ghost_tracker in fails("ResourceNotFoundException", p.delete_event_tracker, eventTrackerArn=ghost_tracker)


def test_interactions_dataset_shows_the_tracking_id(aws: Clients) -> None:
    p = aws.personalize
    group = loaded_group(aws)
    items_schema, _ = items_and_users_schemas(aws, "g")
    items_arn = p.create_dataset(name="items", schemaArn=items_schema, datasetGroupArn=group.dataset_group_arn, datasetType="Items")["datasetArn"]
    assert "trackingId" not in p.describe_dataset(datasetArn=group.dataset_arn)["dataset"]

    tracker = make_tracker(aws, group.dataset_group_arn)
    assert p.describe_dataset(datasetArn=group.dataset_arn)["dataset"]["trackingId"] == tracker["trackingId"]
    assert "trackingId" not in p.describe_dataset(datasetArn=items_arn)["dataset"]

    p.delete_event_tracker(eventTrackerArn=tracker["eventTrackerArn"])
    assert "trackingId" not in p.describe_dataset(datasetArn=group.dataset_arn)["dataset"]


def build_live(c: Clients) -> tuple[str, str]:
    group = loaded_group(c)
    campaign = deploy(c, active_version(c, group.dataset_group_arn, recipe=USER_PERSONALIZATION))
    return campaign, make_tracker(c, group.dataset_group_arn)["trackingId"]


@pytest.fixture
def live(from_snapshot: Restore) -> tuple[str, str]:
    """(campaign ARN, tracking ID) over a trained aws-user-personalization version (trained once a session)."""
    return from_snapshot(build_live)


@pytest.mark.parametrize("shape", [current, legacy], ids=["itemId-member", "itemId-in-properties"])
def test_put_events_change_recommendations(aws: Clients, live: tuple[str, str], shape: Callable[[str, int], dict[str, Any]]) -> None:
    campaign, tracking_id = live
    cold = recommended(aws, campaign, "newcomer")
    aws.events.put_events(trackingId=tracking_id, userId="newcomer", sessionId="s", eventList=[shape(HORROR[i], i) for i in range(8)])
    warm = recommended(aws, campaign, "newcomer")
    assert warm != cold
    assert share_of_taste(warm, "horror") >= 0.7


def test_anonymous_session_events_count_for_the_session(aws: Clients, live: tuple[str, str]) -> None:
    campaign, tracking_id = live
    cold = recommended(aws, campaign, "session-9")
    aws.events.put_events(trackingId=tracking_id, sessionId="session-9", eventList=[current(HORROR[i], i) for i in range(8)])
    warm = recommended(aws, campaign, "session-9")
    assert warm != cold and share_of_taste(warm, "horror") >= 0.7


def test_an_anonymous_session_joins_its_user_at_once(aws: Clients, live: tuple[str, str]) -> None:
    """Once an event carries both the session and a user, the session's clicks are the user's: the user's very next
    answer reflects them, without waiting for training."""
    campaign, tracking_id = live
    aws.events.put_events(trackingId=tracking_id, sessionId="session-5", eventList=[current(HORROR[i], i) for i in range(8)])
    comedy = TASTES[0].items
    aws.events.put_events(trackingId=tracking_id, userId="member-5", sessionId="session-5", eventList=[current(comedy[0], 100)])
    assert share_of_taste(recommended(aws, campaign, "member-5"), "horror") >= 0.7
    # Another user's session stays theirs.
    aws.events.put_events(trackingId=tracking_id, userId="member-6", sessionId="session-6", eventList=[current(comedy[1], 200)])
    assert share_of_taste(recommended(aws, campaign, "member-6"), "horror") < 0.5


def test_a_joined_sessions_clicks_count_for_the_users_filters(aws: Clients, live: tuple[str, str]) -> None:
    """An exclude-history filter keeps out what the user clicked before logging in, once the session is theirs."""
    campaign, tracking_id = live
    group_arn = aws.personalize.list_dataset_groups()["datasetGroups"][0]["datasetGroupArn"]
    seen_arn = aws.personalize.create_filter(
        name="unseen", datasetGroupArn=group_arn, filterExpression='EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("*")'
    )["filterArn"]
    filtered = lambda user: [i["itemId"] for i in aws.runtime.get_recommendations(campaignArn=campaign, userId=user, numResults=25, filterArn=seen_arn)["itemList"]]  # noqa: E731
    clicked = filtered("member-7")[:3]
    aws.events.put_events(trackingId=tracking_id, sessionId="session-7", eventList=[current(item, i) for i, item in enumerate(clicked)])
    assert set(clicked) & set(filtered("member-7"))  # still anonymous: the session's clicks are not the user's yet
    aws.events.put_events(trackingId=tracking_id, userId="member-7", sessionId="session-7", eventList=[current(HORROR[30], 50)])
    after = filtered("member-7")
    assert len(after) == 25 and not (set(clicked) | {HORROR[30]}) & set(after)


def test_unknown_tracking_id(aws: Clients, live: tuple[str, str]) -> None:
    message = fails("InvalidInputException", aws.events.put_events, trackingId="no-such-tracker", userId="u", sessionId="s", eventList=[current("comedy-1", 0)])
    assert "trackingId" in message and "no-such-tracker" in message


def test_event_without_an_item(aws: Clients, live: tuple[str, str]) -> None:
    campaign, tracking_id = live
    before = recommended(aws, campaign, "newcomer")
    events = [current(HORROR[0], 0), {"eventType": "watch", "sentAt": SENT + 1}]
    message = fails("InvalidInputException", aws.events.put_events, trackingId=tracking_id, userId="newcomer", sessionId="s", eventList=events)
    assert "itemId" in message
    # Nothing of the refused batch landed.
    assert recommended(aws, campaign, "newcomer") == before


def test_bad_properties(aws: Clients, live: tuple[str, str]) -> None:
    _, tracking_id = live
    event = {"eventType": "watch", "itemId": "comedy-1", "properties": "[1, 2]", "sentAt": SENT}
    message = fails("InvalidInputException", aws.events.put_events, trackingId=tracking_id, userId="u", sessionId="s", eventList=[event])
    assert "properties" in message


def test_more_than_ten_events(aws: Clients, live: tuple[str, str]) -> None:
    campaign, tracking_id = live
    before = recommended(aws, campaign, "newcomer")
    events = [current(HORROR[i], i) for i in range(11)]
    message = fails("InvalidInputException", aws.events.put_events, trackingId=tracking_id, userId="newcomer", sessionId="s", eventList=events)
    assert "'eventList'" in message and "10" in message
    assert recommended(aws, campaign, "newcomer") == before
    # Ten is fine.
    aws.events.put_events(trackingId=tracking_id, userId="newcomer", sessionId="s", eventList=events[:10])
    assert recommended(aws, campaign, "newcomer") != before


def test_an_event_over_ten_kilobytes(aws: Clients, live: tuple[str, str]) -> None:
    """limits.md: an event holds at most 10 KB; the model's lengths count characters, so UTF-8 can outgrow it."""
    campaign, tracking_id = live
    before = recommended(aws, campaign, "newcomer")
    wide = ["\u20ac" * 256 for _ in range(25)]  # 25 impressions of 768 bytes each
    events = [current(HORROR[0], 0), {**current(HORROR[1], 1), "impression": wide}]
    message = fails("InvalidInputException", aws.events.put_events, trackingId=tracking_id, userId="newcomer", sessionId="s", eventList=events)
    assert "'eventList.2.member'" in message and "10 KB" in message
    assert recommended(aws, campaign, "newcomer") == before  # nothing of the call was kept
    # Within the limit the same event is kept.
    aws.events.put_events(trackingId=tracking_id, userId="newcomer", sessionId="s", eventList=[{**events[1], "impression": wide[:8]}])
    assert recommended(aws, campaign, "newcomer") != before


def test_group_without_interactions_dataset(aws: Clients) -> None:
    group_arn = new_group(aws, "bare")
    tracking_id = make_tracker(aws, group_arn)["trackingId"]
    message = fails("InvalidInputException", aws.events.put_events, trackingId=tracking_id, userId="u", sessionId="s", eventList=[current("comedy-1", 0)])
    assert group_arn in message


def test_deleted_tracker_no_longer_takes_events(aws: Clients) -> None:
    group = loaded_group(aws)
    tracker = make_tracker(aws, group.dataset_group_arn)
    aws.personalize.delete_event_tracker(eventTrackerArn=tracker["eventTrackerArn"])
    message = fails("InvalidInputException", aws.events.put_events, trackingId=tracker["trackingId"], userId="u", sessionId="s", eventList=[current("comedy-1", 0)])
    assert tracker["trackingId"] in message


# EVENT_ATTRIBUTION_SOURCE without null: an event that doesn't fill it is refused.
ATTRIBUTED_SCHEMA = avro("Interactions", [*INTERACTIONS_FIELDS, {"name": "EVENT_ATTRIBUTION_SOURCE", "type": "string"}])


def test_event_attribution_source_comes_from_the_metric_attribution_member(aws: Clients) -> None:
    group = create_group(aws, "attributed", schema=ATTRIBUTED_SCHEMA)
    rows = [{**row, "EVENT_ATTRIBUTION_SOURCE": "bulk"} for row in small_rows()]
    assert import_csv(aws, group.dataset_arn, to_csv(rows))["status"] == "ACTIVE"
    campaign = deploy(aws, active_version(aws, group.dataset_group_arn, recipe=USER_PERSONALIZATION))
    tracking_id = make_tracker(aws, group.dataset_group_arn)["trackingId"]
    cold = recommended(aws, campaign, "newcomer")

    # As a property, the source doesn't count: the field stays empty and the event is refused.
    in_properties = {**current(HORROR[0], 0), "properties": json.dumps({"eventAttributionSource": "partner"})}
    message = fails("InvalidInputException", aws.events.put_events, trackingId=tracking_id, userId="newcomer", sessionId="s", eventList=[in_properties])
    assert "'eventList.1.member.metricAttribution.eventAttributionSource'" in message
    assert recommended(aws, campaign, "newcomer") == cold

    # In metricAttribution, it fills the field: the events are recorded and reach the recommendations.
    events = [{**current(HORROR[i], i), "metricAttribution": {"eventAttributionSource": "partner"}} for i in range(8)]
    aws.events.put_events(trackingId=tracking_id, userId="newcomer", sessionId="s", eventList=events)
    warm = recommended(aws, campaign, "newcomer")
    assert warm != cold and share_of_taste(warm, "horror") >= 0.7
