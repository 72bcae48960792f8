"""aws-personalized-ranking and GetPersonalizedRanking: the user's own taste first among the caller's items."""
from __future__ import annotations

import pytest

from .conftest import Clients
from .datagen import TASTES, interactions, taste_of
from .helpers import arn, fails, loaded_group
from .workflow import PERSONALIZED_RANKING, USER_PERSONALIZATION, deploy, train


@pytest.fixture
def ranking_campaign(aws: Clients) -> str:
    group = loaded_group(aws, rows=interactions())
    version = train(aws, group.dataset_group_arn, name="ranking", recipe=PERSONALIZED_RANKING)
    assert version["status"] == "ACTIVE", version.get("failureReason")
    assert version["recipeArn"] == PERSONALIZED_RANKING
    return deploy(aws, version["solutionVersionArn"], name="ranking")


def test_the_users_taste_ranks_first(aws: Clients, ranking_campaign: str) -> None:
    comedy, horror = (taste.items[:10] for taste in TASTES)
    candidates = [item for pair in zip(horror, comedy) for item in pair]  # interleaved
    for user in ("user-0", "user-1"):
        answer = aws.runtime.get_personalized_ranking(campaignArn=ranking_campaign, userId=user, inputList=candidates)
        ranked = answer["personalizedRanking"]
        assert answer["recommendationId"]
        assert sorted(r["itemId"] for r in ranked) == sorted(candidates)  # every candidate, once
        order = [r["itemId"] for r in ranked]
        own = taste_of(user).name
        assert all(item.startswith(own) for item in order[:3]), (user, order)
        positions = {mine: [i for i, item in enumerate(order) if item.startswith(own) == mine] for mine in (True, False)}
        assert sum(positions[True]) < sum(positions[False]), (user, order)  # own taste higher on the whole
        scores = [r["score"] for r in ranked]
        assert scores == sorted(scores, reverse=True)
        assert sum(scores) == pytest.approx(1.0, abs=1e-4)  # rankings.md: the scores sum to 1


def test_items_without_data_come_last_without_a_score(aws: Clients, ranking_campaign: str) -> None:
    candidates = ["brand-new", "comedy-1", "horror-1", "comedy-1", "also-new"]
    ranked = aws.runtime.get_personalized_ranking(campaignArn=ranking_campaign, userId="user-0", inputList=candidates)["personalizedRanking"]
    assert [r["itemId"] for r in ranked[:2]] == ["comedy-1", "horror-1"]
    assert ranked[2:] == [{"itemId": "brand-new"}, {"itemId": "also-new"}]
    # A user the model has never seen still gets a ranking of the known items.
    unknown = aws.runtime.get_personalized_ranking(campaignArn=ranking_campaign, userId="stranger", inputList=candidates)["personalizedRanking"]
    assert {r["itemId"] for r in unknown} == {"brand-new", "comedy-1", "horror-1", "also-new"}


def test_ranking_errors(aws: Clients, ranking_campaign: str) -> None:
    runtime = aws.runtime
    message = fails("InvalidInputException", runtime.get_personalized_ranking, campaignArn=ranking_campaign, userId="u", inputList=["x"] * 501)
    assert "inputList" in message
    assert "GetPersonalizedRanking" in fails("InvalidInputException", runtime.get_recommendations, campaignArn=ranking_campaign, userId="user-0")
    ghost = arn("campaign", "ghost")
    assert ghost in fails("ResourceNotFoundException", runtime.get_personalized_ranking, campaignArn=ghost, userId="u", inputList=["x"])

    group_arn = aws.personalize.list_dataset_groups()["datasetGroups"][0]["datasetGroupArn"]
    personal = deploy(aws, train(aws, group_arn, name="personal", recipe=USER_PERSONALIZATION)["solutionVersionArn"], name="personal")
    message = fails("InvalidInputException", runtime.get_personalized_ranking, campaignArn=personal, userId="user-0", inputList=["comedy-1"])
    assert "GetRecommendations" in message
