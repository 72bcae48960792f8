"""Bulk data and recorded events live apart, as in the service: what each one changes, and when."""
from __future__ import annotations

from .conftest import Clients
from .datagen import TASTES, START, to_csv
from .helpers import loaded_group, personal_campaign, share_of_taste, small_rows
from .tracking import SENT, tracker_of, watched
from .workflow import import_csv, recommended, train

COMEDY, HORROR = (t.items for t in TASTES)


def test_a_full_import_keeps_the_recorded_events(aws: Clients) -> None:
    group = loaded_group(aws)
    tracking_id = tracker_of(aws, group.dataset_group_arn)
    aws.events.put_events(trackingId=tracking_id, userId="newcomer", sessionId="s", eventList=watched(HORROR, 8))

    # The daily bulk re-import replaces the bulk data only.
    job = import_csv(aws, group.dataset_arn, to_csv(small_rows()), key="again.csv", job="again", mode="FULL")
    assert job["status"] == "ACTIVE"
    campaign = personal_campaign(aws, group.dataset_group_arn, "after-reimport")
    assert share_of_taste(recommended(aws, campaign, "newcomer"), "horror") >= 0.7


def test_bulk_data_reaches_recommendations_through_a_new_version_only(aws: Clients) -> None:
    group = loaded_group(aws)
    campaign = personal_campaign(aws, group.dataset_group_arn, "first")
    before = recommended(aws, campaign, "user-0")
    assert share_of_taste(before, "comedy") >= 0.7

    # user-0 binges horror, but in bulk: the campaign's answer stays until a new version is trained.
    binge = [
        {"USER_ID": "user-0", "ITEM_ID": HORROR[i % len(HORROR)], "EVENT_TYPE": "watch", "TIMESTAMP": START + 10**7 + i}
        for i in range(1000)
    ]
    job = import_csv(aws, group.dataset_arn, to_csv(binge), key="binge.csv", job="binge", mode="INCREMENTAL")
    assert job["status"] == "ACTIVE"
    assert recommended(aws, campaign, "user-0") == before

    retrained = personal_campaign(aws, group.dataset_group_arn, "second")
    assert share_of_taste(recommended(aws, retrained, "user-0"), "horror") >= share_of_taste(before, "horror") + 0.3


def test_an_event_reusing_an_event_id_is_not_kept(aws: Clients) -> None:
    # 1000 watches in bulk; the solution trains on clicks only, of which 999 distinct ones are recorded.
    group = loaded_group(aws, rows=small_rows()[:1000])
    tracking_id = tracker_of(aws, group.dataset_group_arn)
    for call in range(100):
        events = [
            {"eventId": f"e-{call}-{i}", "eventType": "click", "itemId": COMEDY[i], "sentAt": SENT + call * 10 + i}
            for i in range(10)
        ]
        if call == 99:
            # The last event reuses the first one's ID: the service drops it.
            events[-1]["eventId"] = "e-0-0"
        aws.events.put_events(trackingId=tracking_id, userId=f"clicker-{call % 40}", sessionId="s", eventList=events)
    version = train(aws, group.dataset_group_arn, name="clicks", eventType="click")
    assert version["status"] == "CREATE FAILED"
    assert "(999 found)" in version["failureReason"]


def test_an_anonymous_session_joins_its_user_at_the_next_training(aws: Clients) -> None:
    group = loaded_group(aws)
    tracking_id = tracker_of(aws, group.dataset_group_arn)
    # Browsing before signing in: horror, under the session only.
    aws.events.put_events(trackingId=tracking_id, sessionId="session-42", eventList=watched(HORROR, 8))
    # Signed in: one comedy event carries both the session and the user.
    aws.events.put_events(trackingId=tracking_id, userId="member-7", sessionId="session-42", eventList=watched(COMEDY, 1, offset=100))

    campaign = personal_campaign(aws, group.dataset_group_arn, "linked")
    assert share_of_taste(recommended(aws, campaign, "member-7"), "horror") >= 0.7
