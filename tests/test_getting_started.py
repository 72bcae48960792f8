"""The service's getting-started path, end to end through boto3: import, train, evaluate, deploy, recommend, record events."""
from __future__ import annotations

import pytest

from .conftest import Clients
from .datagen import ML_100K, TASTES, interactions, ml_100k_csv, taste_of, to_csv
from .helpers import METRICS, share_of_taste
from .workflow import recommended, walk


def test_generated_data_whole_path(aws: Clients) -> None:
    campaign_arn, metrics = walk(aws, to_csv(interactions()))

    assert set(metrics) == METRICS
    assert all(0.0 <= value <= 1.0 for value in metrics.values())
    # Two clean tastes: a learned model ranks the held-out items well above chance (1/80 per slot).
    assert metrics["precision_at_10"] > 0.05

    # Recommendations follow the data: a comedy fan gets mostly comedy.
    user = "user-0"
    assert taste_of(user).name == "comedy"
    response = aws.runtime.get_recommendations(campaignArn=campaign_arn, userId=user)
    items = response["itemList"]
    assert len(items) == 25
    assert response["recommendationId"]
    scores = [i["score"] for i in items]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0
    before = [i["itemId"] for i in items[:10]]
    assert share_of_taste(before, "comedy") >= 0.7

    # A burst of horror clicks changes this user's recommendations at once, without retraining.
    tracker = aws.personalize.create_event_tracker(name="tracker", datasetGroupArn=aws.personalize.list_dataset_groups()["datasetGroups"][0]["datasetGroupArn"])
    horror = TASTES[1].items
    events = [
        {"eventType": "watch", "itemId": horror[i], "sentAt": 1_700_000_000 + i}
        for i in range(10)
    ]
    aws.events.put_events(trackingId=tracker["trackingId"], userId=user, sessionId="session-1", eventList=events)
    after = recommended(aws, campaign_arn, user)
    assert after != before
    assert share_of_taste(after, "horror") > share_of_taste(before, "horror")


def test_new_user_is_served_from_events_alone(aws: Clients) -> None:
    campaign_arn, _ = walk(aws, to_csv(interactions()))
    tracker = aws.personalize.create_event_tracker(
        name="tracker", datasetGroupArn=aws.personalize.list_dataset_groups()["datasetGroups"][0]["datasetGroupArn"]
    )
    cold = recommended(aws, campaign_arn, "newcomer")
    horror = TASTES[1].items
    aws.events.put_events(
        trackingId=tracker["trackingId"],
        userId="newcomer",
        sessionId="s",
        eventList=[{"eventType": "watch", "itemId": horror[i], "sentAt": 1_700_000_000 + i} for i in range(8)],
    )
    warm = recommended(aws, campaign_arn, "newcomer")
    assert warm != cold
    assert share_of_taste(warm, "horror") >= 0.7


@pytest.mark.skipif(not (ML_100K / "u.data").exists(), reason=f"MovieLens 100K not found at {ML_100K}")
def test_movielens_whole_path(aws: Clients) -> None:
    campaign_arn, metrics = walk(aws, ml_100k_csv())
    assert set(metrics) == METRICS
    assert metrics["precision_at_25"] > 0.01
    assert metrics["normalized_discounted_cumulative_gain_at_25"] > 0.02

    user = "196"
    before = recommended(aws, campaign_arn, user, n=25)
    group_arn = aws.personalize.list_dataset_groups()["datasetGroups"][0]["datasetGroupArn"]
    tracker = aws.personalize.create_event_tracker(name="tracker", datasetGroupArn=group_arn)
    aws.events.put_events(
        trackingId=tracker["trackingId"],
        userId=user,
        sessionId="s",
        eventList=[{"eventType": "watch", "itemId": item, "sentAt": 1_900_000_000 + i} for i, item in enumerate(["1", "50", "100", "172", "181"])],
    )
    after = recommended(aws, campaign_arn, user, n=25)
    assert after != before, f"clicks did not move user {user}'s recommendations"
