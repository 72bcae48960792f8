"""personalize-runtime GetRecommendations: sizes, members and errors."""
from __future__ import annotations

import pytest
from botocore.config import Config

from .conftest import Clients, make_clients
from .helpers import active_version, arn, fails, loaded_group
from .workflow import USER_PERSONALIZATION, deploy


@pytest.fixture
def campaign(aws: Clients) -> str:
    group = loaded_group(aws)
    return deploy(aws, active_version(aws, group.dataset_group_arn, recipe=USER_PERSONALIZATION))


def test_default_is_25_items_with_ids_and_scores(aws: Clients, campaign: str) -> None:
    response = aws.runtime.get_recommendations(campaignArn=campaign, userId="user-0")
    items = response["itemList"]
    assert len(items) == 25
    assert all(set(i) >= {"itemId", "score"} for i in items)
    assert all(isinstance(i["score"], float) and 0.0 <= i["score"] <= 1.0 for i in items)
    ids = [i["itemId"] for i in items]
    assert len(set(ids)) == len(ids)
    assert all(i.startswith(("comedy-", "horror-")) for i in ids)
    assert response["recommendationId"]


def test_each_response_has_its_own_recommendation_id(aws: Clients, campaign: str) -> None:
    ids = {aws.runtime.get_recommendations(campaignArn=campaign, userId="user-0")["recommendationId"] for _ in range(3)}
    assert len(ids) == 3


@pytest.mark.parametrize("n", [1, 7, 60])
def test_num_results(aws: Clients, campaign: str, n: int) -> None:
    assert len(aws.runtime.get_recommendations(campaignArn=campaign, userId="user-3", numResults=n)["itemList"]) == n


def test_500_is_the_most(aws: Clients, campaign: str) -> None:
    # The catalog holds 80 items: 500 asks for all of them.
    items = aws.runtime.get_recommendations(campaignArn=campaign, userId="user-3", numResults=500)["itemList"]
    assert 25 < len(items) <= 80
    message = fails("InvalidInputException", aws.runtime.get_recommendations, campaignArn=campaign, userId="user-3", numResults=501)
    assert "numResults" in message and "500" in message


def test_user_personalization_needs_a_user(aws: Clients, campaign: str) -> None:
    message = fails("InvalidInputException", aws.runtime.get_recommendations, campaignArn=campaign)
    assert "userId" in message


def test_unknown_user_still_gets_recommendations(aws: Clients, campaign: str) -> None:
    items = aws.runtime.get_recommendations(campaignArn=campaign, userId="never-seen", numResults=10)["itemList"]
    assert len(items) == 10


def test_unknown_campaign(aws: Clients) -> None:
    ghost = arn("campaign", "ghost")
    message = fails("ResourceNotFoundException", aws.runtime.get_recommendations, campaignArn=ghost, userId="user-0")
    assert ghost in message


def test_bad_campaign_arn(aws: Clients) -> None:
    message = fails("InvalidInputException", aws.runtime.get_recommendations, campaignArn="campaign/ghost", userId="user-0")
    assert "'campaignArn'" in message


def test_negative_num_results(aws: Clients, campaign: str) -> None:
    raw = make_clients(config=Config(parameter_validation=False))
    message = fails("InvalidInputException", raw.runtime.get_recommendations, campaignArn=campaign, userId="user-0", numResults=-1)
    assert "'numResults'" in message
    assert raw.shape_errors == [], "\n".join(raw.shape_errors)
