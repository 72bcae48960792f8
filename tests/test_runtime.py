"""personalize-runtime GetRecommendations: sizes, members and errors."""
from __future__ import annotations

import re

import pytest
from botocore.config import Config

from .conftest import Clients, Restore, make_clients
from .helpers import active_version, arn, fails, loaded_group, popularity_campaign
from .workflow import USER_PERSONALIZATION, deploy, recommended


def build_campaign(c: Clients) -> str:
    group = loaded_group(c)
    return deploy(c, active_version(c, group.dataset_group_arn, recipe=USER_PERSONALIZATION))


@pytest.fixture
def campaign(from_snapshot: Restore) -> str:
    """A campaign of a trained aws-user-personalization version (trained once a session)."""
    return from_snapshot(build_campaign)


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
    # Shaped as the service's: RID- and a version 4 UUID (its variant bits set).
    assert all(re.fullmatch(r"RID-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", i) for i in ids)


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


def test_popular_items_need_no_user(aws: Clients) -> None:
    # aws-popularity-count is a POPULAR_ITEMS recipe: userId is needed only with a filter.
    campaign = popularity_campaign(aws, loaded_group(aws).dataset_group_arn)
    anyone = aws.runtime.get_recommendations(campaignArn=campaign)["itemList"]
    assert len(anyone) == 25
    assert anyone == aws.runtime.get_recommendations(campaignArn=campaign, userId="user-0")["itemList"]


def test_one_result_is_the_best_item_not_an_explored_one(aws: Clients) -> None:
    # The default explorationWeight 0.3 of one slot rounds to none: the user's best item, as without exploration.
    group = loaded_group(aws)
    version = active_version(aws, group.dataset_group_arn, recipe=USER_PERSONALIZATION)
    exploring = deploy(aws, version, name="exploring")
    exploiting = deploy(aws, version, name="exploiting", campaignConfig={"itemExplorationConfig": {"explorationWeight": "0"}})
    for user in ("user-0", "user-1", "user-2", "never-seen"):
        assert recommended(aws, exploring, user, n=1) == recommended(aws, exploiting, user, n=1)


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
