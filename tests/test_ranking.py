"""aws-personalized-ranking and GetPersonalizedRanking: the user's own taste first among the caller's items."""
from __future__ import annotations

import random
from collections import Counter

import pytest

from personalize_local.eval.metrics import user_metrics

from .conftest import Clients
from .datagen import GENRES, TASTES, interactions, taste_of
from .helpers import arn, fails, loaded_group
from .workflow import PERSONALIZED_RANKING, USER_PERSONALIZATION, deploy, recommended, train


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


def test_the_ranking_orders_a_users_candidates_as_their_own_recommendations_do_and_better_than_popularity(aws: Clients) -> None:
    # Four genres, each user watching mostly their own (the pattern), the lower-numbered titles of each more often (what
    # popularity sees). Each user's first watch of a title; twenty users' last two held out, each pair ranked among 20
    # titles the user never watched.
    firsts = {(row["USER_ID"], row["ITEM_ID"]): row for row in reversed(interactions(per_user=20, tastes=GENRES))}
    rows = sorted(firsts.values(), key=lambda row: int(str(row["TIMESTAMP"])))
    held = {f"user-{u}": [row for row in rows if row["USER_ID"] == f"user-{u}"][-2:] for u in range(3, 100, 5)}
    out = {id(row) for last in held.values() for row in last}
    given = [row for row in rows if id(row) not in out]
    group = loaded_group(aws, rows=given)
    ranking = deploy(aws, train(aws, group.dataset_group_arn, name="ranking", recipe=PERSONALIZED_RANKING)["solutionVersionArn"], name="ranking")
    personal = deploy(
        aws, train(aws, group.dataset_group_arn, name="personal", recipe=USER_PERSONALIZATION)["solutionVersionArn"],
        name="personal", campaignConfig={"itemExplorationConfig": {"explorationWeight": "0"}},  # its order, nothing explored
    )
    catalog = sorted({item for taste in GENRES for item in taste.items})
    counts = Counter(str(row["ITEM_ID"]) for row in given)
    rng = random.Random(19)
    ndcg: dict[str, list[float]] = {"ranking": [], "personal": [], "popularity": []}
    for user, last in held.items():
        hits = {str(row["ITEM_ID"]) for row in last}
        seen = {str(row["ITEM_ID"]) for row in rows if row["USER_ID"] == user}
        listed = [*hits, *rng.sample([item for item in catalog if item not in seen], 20)]
        rng.shuffle(listed)
        answer = aws.runtime.get_personalized_ranking(campaignArn=ranking, userId=user, inputList=listed)["personalizedRanking"]
        full = recommended(aws, personal, user, n=len(catalog))  # the whole catalog, in its order
        orders = {
            "ranking": [entry["itemId"] for entry in answer],
            "personal": [item for item in full if item in listed],
            "popularity": sorted(listed, key=lambda item: -counts[item]),
        }
        for name, order in orders.items():
            ndcg[name].append(user_metrics(order, hits)["normalized_discounted_cumulative_gain_at_10"])
    means = {name: sum(values) / len(values) for name, values in ndcg.items()}
    assert means["ranking"] >= means["personal"] - 1e-9, means  # the same model: as good as its own order
    assert means["ranking"] > means["popularity"] + 0.1, means
