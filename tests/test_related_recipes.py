"""RELATED_ITEMS (aws-sims, aws-similar-items), Trending-Now and USER_SEGMENTATION recipes, as users reach them."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pandas as pd
import pytest

from personalize_local.recipes import ITEM_AFFINITY_ARN, ITEM_ATTRIBUTE_AFFINITY_ARN, TrainingInputs, fit_recipe
from personalize_local.recipes.base import UnknownSegmentInput

from .catalogs import GROUP_ITEMS, ITEM_COLUMNS, USERS_PER_GROUP, co_watched_rows, group_items, item_rows, with_items
from .conftest import Clients, Clock
from .datagen import ML_100K, START, to_csv
from .helpers import METRICS, active_version, fails, loaded_group, small_rows
from .tracking import make_tracker, record_watches
from .workflow import POPULARITY, SIMILAR_ITEMS, SIMS, TRENDING_NOW, create_group, deploy, import_csv, train

# As a recorded run of the service's user segmentation sample shows them, for both recipes.
SEGMENT_METRICS = {"coverage", "hits_at_1_percent", "recall_at_1_percent"}


def related(c: Clients, campaign: str, item: str, n: int = 25) -> list[dict[str, Any]]:
    return c.runtime.get_recommendations(campaignArn=campaign, itemId=item, numResults=n)["itemList"]


def ids(answer: list[dict[str, Any]]) -> list[str]:
    return [entry["itemId"] for entry in answer]


def campaign_of(c: Clients, group_arn: str, recipe: str, name: str, **options: Any) -> str:
    return deploy(c, active_version(c, group_arn, name=name, recipe=recipe, **options), name=name)


# aws-sims ---------------------------------------------------------------------------------------


def test_sims_neighbours_are_the_items_watched_with_it(aws: Clients) -> None:
    group = loaded_group(aws, rows=co_watched_rows())
    campaign = campaign_of(aws, group.dataset_group_arn, SIMS, "sims")
    answer = related(aws, campaign, "g0-3", 8)
    assert set(ids(answer)[:7]) == group_items(0) - {"g0-3"}
    # The blockbuster, the most popular item, is outside the default item percentiles: it only tops the list up.
    assert ids(answer)[7] == "blockbuster"
    assert all("score" not in entry for entry in answer)  # the service shows no scores for SIMS


@pytest.mark.parametrize(
    "discount, firsts",
    # 0: popularity wins, the blockbuster (watched by every user) first; 0.5: an item of g2-0's own group,
    # the one its users most often watched next.
    [("0.5", group_items(2) - {"g2-0"}), ("0.0", {"blockbuster"})],
)
def test_sims_popularity_discount_factor(aws: Clients, discount: str, firsts: set[str]) -> None:
    group = loaded_group(aws, rows=co_watched_rows())
    config = {"algorithmHyperParameters": {"popularity_discount_factor": discount, "max_item_interaction_count_percentile": "1.0"}}
    campaign = campaign_of(aws, group.dataset_group_arn, SIMS, "sims", solutionConfig=config)
    assert ids(related(aws, campaign, "g2-0", 1))[0] in firsts


def test_sims_unknown_item_gets_popular_items(aws: Clients) -> None:
    group = loaded_group(aws, rows=co_watched_rows())
    sims = campaign_of(aws, group.dataset_group_arn, SIMS, "sims")
    popular = campaign_of(aws, group.dataset_group_arn, POPULARITY, "popular")
    expected = ids(aws.runtime.get_recommendations(campaignArn=popular, numResults=10)["itemList"])
    assert ids(related(aws, sims, "never-seen", 10)) == expected


def test_sims_metrics_beat_popularity_on_co_watched_data(aws: Clients) -> None:
    group = loaded_group(aws, rows=co_watched_rows())
    metrics = {}
    for recipe in (SIMS, POPULARITY):
        version = active_version(aws, group.dataset_group_arn, name=recipe.rsplit("/", 1)[1], recipe=recipe)
        metrics[recipe] = aws.personalize.get_solution_metrics(solutionVersionArn=version)["metrics"]
    assert set(metrics[SIMS]) == METRICS
    assert metrics[SIMS]["mean_reciprocal_rank_at_25"] > metrics[POPULARITY]["mean_reciprocal_rank_at_25"]
    assert metrics[SIMS]["precision_at_10"] > metrics[POPULARITY]["precision_at_10"]


# Titles on a ring: user u watches the blockbuster, then walks WALK titles forward from title u % TITLES, so every
# title has the same number of users (none falls outside aws-sims' default item percentiles but the blockbuster).
TITLES, WALKERS, WALK = 30, 120, 10


def title(t: int) -> str:
    return f"title-{t % TITLES:02d}"


def walk_rows(walkers: range = range(WALKERS)) -> list[dict[str, object]]:
    return [
        {"USER_ID": f"walker-{u}", "ITEM_ID": item, "EVENT_TYPE": "watch", "TIMESTAMP": START + 100 * u + step}
        for u in walkers
        for step, item in enumerate(["blockbuster"] + [title(u + k) for k in range(WALK)])
    ]


def test_sims_related_items_are_what_users_went_on_to() -> None:
    model = fit_recipe(TrainingInputs(SIMS, frame(walk_rows())))
    # Title t and the titles around it share as many users on either side: the next one comes first, the previous
    # one (what led there, which a user asking about t has mostly seen) after it.
    for t in range(TITLES):
        related = [item for item, _ in model.similar(title(t), 10)]
        assert related[0] == title(t + 1)
        assert related.index(title(t + 1)) < related.index(title(t - 1))


@pytest.mark.parametrize("top", [1, 5])
def test_sims_predicts_the_next_title_where_popularity_cannot(top: int) -> None:
    """Every fourth walker's last title is held out; each asks about the title before it. Among the first ``top``
    related items: the held-out title always, first of all; among popularity's, hardly ever."""
    rows = walk_rows()
    held = {f"walker-{u}": title(u + WALK - 1) for u in range(0, WALKERS, 4)}
    training = frame([row for row in rows if held.get(str(row["USER_ID"])) != row["ITEM_ID"]])
    asked = {user: title(int(user.split("-")[1]) + WALK - 2) for user in held}
    sims, popularity = fit_recipe(TrainingInputs(SIMS, training)), fit_recipe(TrainingInputs(POPULARITY, training))
    popular = [item for item, _ in popularity.recommend("", [], top)]
    assert all(held[user] in [item for item, _ in sims.similar(about, top)] for user, about in asked.items())
    assert sum(held[user] in popular for user in held) <= 0.2 * len(held)


# GetRecommendations by category ------------------------------------------------------------------


def test_related_items_need_an_item_id(aws: Clients) -> None:
    group = loaded_group(aws, rows=co_watched_rows())
    campaign = campaign_of(aws, group.dataset_group_arn, SIMS, "sims")
    message = fails("InvalidInputException", aws.runtime.get_recommendations, campaignArn=campaign, userId="user-0-1")
    assert "'itemId'" in message and "aws-sims" in message
    # userId is not used for related items: the answer is the item's alone.
    with_user = aws.runtime.get_recommendations(campaignArn=campaign, itemId="g0-0", userId="user-0-1", numResults=5)
    assert ids(with_user["itemList"]) == ids(related(aws, campaign, "g0-0", 5))


def test_related_items_honour_num_results(aws: Clients) -> None:
    group = loaded_group(aws, rows=co_watched_rows())
    campaign = campaign_of(aws, group.dataset_group_arn, SIMS, "sims")
    assert len(related(aws, campaign, "g0-0", 30)) == 30  # neighbours, then popular items
    assert related(aws, campaign, "g0-0", 0) == []
    assert len(aws.runtime.get_recommendations(campaignArn=campaign, itemId="g0-0")["itemList"]) == 25


# aws-trending-now --------------------------------------------------------------------------------


HOUR = 3600


def trend_rows() -> list[dict[str, object]]:
    """Generated background, then at its end: 'rising' climbs over three hours, 'spike' jumps in the last ten minutes."""
    background = small_rows()
    end = max(int(r["TIMESTAMP"]) for r in background) + 10 * 24 * HOUR
    rising = [end - 9 * 60 * k for k in range(20)] + [end - 3 * HOUR - HOUR // 2 * k for k in range(1, 5)]
    spike = [end - 60 * k for k in range(1, 9)]
    return background + [
        {"USER_ID": f"fan-{item}-{n}", "ITEM_ID": item, "EVENT_TYPE": "watch", "TIMESTAMP": t}
        for item, times in (("rising", rising), ("spike", spike))
        for n, t in enumerate(times)
    ]


@pytest.mark.parametrize("frequency, first", [(None, "rising"), ("30 minutes", "spike"), ("1 day", "rising")])
def test_trending_now_puts_the_accelerating_item_first(aws: Clients, frequency: str | None, first: str) -> None:
    group = loaded_group(aws, rows=trend_rows())
    config = {"solutionConfig": {"featureTransformationParameters": {"trend_discovery_frequency": frequency}}} if frequency else {}
    campaign = campaign_of(aws, group.dataset_group_arn, TRENDING_NOW, "trending", **config)
    answer = aws.runtime.get_recommendations(campaignArn=campaign, numResults=5)["itemList"]  # no userId needed
    assert answer[0]["itemId"] == first
    popular = campaign_of(aws, group.dataset_group_arn, POPULARITY, "popular")
    assert aws.runtime.get_recommendations(campaignArn=popular, numResults=1)["itemList"][0]["itemId"] not in {"rising", "spike"}


def test_trending_now_follows_events_once_an_interval_has_passed(aws: Clients, trend_clock: Clock) -> None:
    """native-recipe-trending-now.md: recorded events count without a new version, the trend evaluated every interval."""
    rows = trend_rows()
    group = loaded_group(aws, rows=rows)
    config = {"solutionConfig": {"featureTransformationParameters": {"trend_discovery_frequency": "1 hour"}}}
    version = active_version(aws, group.dataset_group_arn, name="trending", recipe=TRENDING_NOW, **config)
    campaign = deploy(aws, version, name="trending")
    created = aws.personalize.describe_solution_version(solutionVersionArn=version)["solutionVersion"]["creationDateTime"]
    tracking_id = make_tracker(aws, group.dataset_group_arn)["trackingId"]
    end = max(int(r["TIMESTAMP"]) for r in rows)

    def trending() -> list[str]:
        return [i["itemId"] for i in aws.runtime.get_recommendations(campaignArn=campaign, numResults=3)["itemList"]]

    trained = trending()
    assert "sleeper" not in trained
    record_watches(aws, tracking_id, "sleeper", 40, end + 60)
    trend_clock.moment = created + timedelta(minutes=59)
    assert trending() == trained  # not before an interval has passed since training
    trend_clock.moment = created + timedelta(minutes=61)
    assert trending()[0] == "sleeper"
    # Events within an interval wait for the next evaluation.
    record_watches(aws, tracking_id, "newcomer", 60, end + 600)
    assert trending()[0] == "sleeper"
    trend_clock.forward(hours=1)
    assert trending()[:2] == ["newcomer", "sleeper"]


def test_trending_now_metrics_include_trend_prediction_accuracy(aws: Clients) -> None:
    group = loaded_group(aws, rows=trend_rows())
    version = active_version(aws, group.dataset_group_arn, name="trending", recipe=TRENDING_NOW)
    metrics = aws.personalize.get_solution_metrics(solutionVersionArn=version)["metrics"]
    assert set(metrics) == METRICS | {"trend_prediction_accuracy"}
    assert 0.0 <= metrics["trend_prediction_accuracy"] <= 1.0


def test_trend_discovery_frequency_is_one_of_the_recipe_values(aws: Clients) -> None:
    group = loaded_group(aws)
    config = {"featureTransformationParameters": {"trend_discovery_frequency": "2 hours"}}
    message = fails("InvalidInputException", aws.personalize.create_solution, name="t", datasetGroupArn=group.dataset_group_arn,
                    recipeArn=TRENDING_NOW, solutionConfig=config)
    assert "solutionConfig.featureTransformationParameters.trend_discovery_frequency" in message


# aws-similar-items -------------------------------------------------------------------------------


def test_similar_items_of_a_new_item_share_its_metadata(aws: Clients) -> None:
    group = loaded_group(aws, rows=co_watched_rows())
    with_items(aws, group.dataset_group_arn, to_csv(item_rows(), ITEM_COLUMNS))
    campaign = campaign_of(aws, group.dataset_group_arn, SIMILAR_ITEMS, "similar")
    assert set(ids(related(aws, campaign, "new-by-genre", 8))) == group_items(2)
    assert set(ids(related(aws, campaign, "new-by-text", 8))) == group_items(1)
    # A well-known item's neighbours follow who watched it.
    assert set(ids(related(aws, campaign, "g4-0", 7))) == group_items(4) - {"g4-0"}


def test_similar_items_of_a_cold_item_share_its_genres() -> None:
    """native-recipe-similar-items.md: a cold item has fewer than five interactions. Two fans of group 0 watched
    a title of genre 2: aws-sims relates it to group 0's titles, aws-similar-items to titles of genre 2."""
    cold = [{"USER_ID": f"user-0-{k}", "ITEM_ID": "cold-2", "EVENT_TYPE": "watch", "TIMESTAMP": START + 10_000 + k} for k in range(2)]
    interactions, items = frame(co_watched_rows() + cold), frame(item_rows() + [{"ITEM_ID": "cold-2", "GENRES": "genre-2", "DESCRIPTION": ""}])
    genres = dict(zip(items["ITEM_ID"], items["GENRES"].str.split("|")))
    sims = fit_recipe(TrainingInputs(SIMS, interactions, items, hyperparameters={"min_cointeraction_count": "0", "min_item_interaction_count_percentile": "0.0"}))
    assert {item for item, _ in sims.similar("cold-2", 7)} <= group_items(0)
    similar = fit_recipe(TrainingInputs(SIMILAR_ITEMS, interactions, items))
    related = [item for item, _ in similar.similar("cold-2", 9)]
    assert len(related) == 9 and all("genre-2" in genres[item] for item in related)


def test_similar_items_without_items_dataset_follow_co_occurrence(aws: Clients) -> None:
    group = loaded_group(aws, rows=co_watched_rows())
    campaign = campaign_of(aws, group.dataset_group_arn, SIMILAR_ITEMS, "similar")
    assert set(ids(related(aws, campaign, "g3-5", 7))) == group_items(3) - {"g3-5"}


# USER_SEGMENTATION -------------------------------------------------------------------------------


def frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    return pd.DataFrame(rows)


def test_item_affinity_segment_holds_users_of_similar_items() -> None:
    # The recipe's model directly; test_batch_segments.py reaches segments through batch segment jobs.
    model = fit_recipe(TrainingInputs(ITEM_AFFINITY_ARN, frame(co_watched_rows())))
    # Group 1's users who have not watched g1-2 yet (numbers 2, 10, 18, 26) watched every other item of group 1.
    assert {user for user, _ in model.segment("g1-2", 4)} == {f"user-1-{k}" for k in (2, 10, 18, 26)}
    with pytest.raises(UnknownSegmentInput):
        model.segment("never-seen", 4)


def test_item_affinity_segments_a_new_item_by_its_metadata() -> None:
    model = fit_recipe(TrainingInputs(ITEM_AFFINITY_ARN, frame(co_watched_rows()), frame(item_rows())))
    assert {user for user, _ in model.segment("new-by-genre", USERS_PER_GROUP)} == {f"user-2-{k}" for k in range(USERS_PER_GROUP)}


def test_segmentation_coverage_counts_the_items_users_are_likeliest_to_take() -> None:
    model = fit_recipe(TrainingInputs(ITEM_AFFINITY_ARN, frame(co_watched_rows())))
    # Group 1's users are likeliest to take group 1's items and the blockbuster, and nothing else.
    fans = [f"user-1-{k}" for k in range(USERS_PER_GROUP)]
    assert model.top_items(fans, GROUP_ITEMS + 1) == group_items(1) | {"blockbuster"}


def test_item_attribute_affinity_segment_holds_fans_of_the_attribute() -> None:
    model = fit_recipe(TrainingInputs(ITEM_ATTRIBUTE_AFFINITY_ARN, frame(co_watched_rows()), frame(item_rows())))
    segment = model.segment_by_attributes([("genres", "genre-3")], USERS_PER_GROUP)
    assert {user for user, _ in segment} == {f"user-3-{k}" for k in range(USERS_PER_GROUP)}
    both = model.segment_by_attributes([("GENRES", "genre-3"), ("GENRES", "genre-4")], 1)
    assert len(both) == 1  # only the blockbuster has both
    with pytest.raises(UnknownSegmentInput):
        model.segment_by_attributes([("GENRES", "genre-3"), ("GENRES", "no-such-genre")], 5)


@pytest.mark.parametrize("recipe", [ITEM_AFFINITY_ARN, ITEM_ATTRIBUTE_AFFINITY_ARN])
def test_segmentation_trains_with_its_metrics_and_serves_no_campaign(aws: Clients, recipe: str) -> None:
    group = loaded_group(aws, rows=co_watched_rows())
    with_items(aws, group.dataset_group_arn, to_csv(item_rows(), ITEM_COLUMNS))
    version = active_version(aws, group.dataset_group_arn, name="segments", recipe=recipe)
    metrics = aws.personalize.get_solution_metrics(solutionVersionArn=version)["metrics"]
    assert set(metrics) == SEGMENT_METRICS
    assert metrics["hits_at_1_percent"] > 0 and 0 < metrics["recall_at_1_percent"] <= 1
    assert 0 < metrics["coverage"] <= 1
    message = fails("InvalidInputException", aws.personalize.create_campaign, name="c", solutionVersionArn=version)
    assert "CreateBatchSegmentJob" in message and "'solutionVersionArn'" in message


def test_item_attribute_affinity_needs_an_items_dataset(aws: Clients) -> None:
    group = loaded_group(aws, rows=co_watched_rows())
    version = train(aws, group.dataset_group_arn, name="attributes", recipe=ITEM_ATTRIBUTE_AFFINITY_ARN)
    assert version["status"] == "CREATE FAILED"
    assert "Items dataset" in version["failureReason"]


def test_campaign_cannot_be_updated_to_a_segmentation_version(aws: Clients) -> None:
    group = loaded_group(aws, rows=co_watched_rows())
    campaign = campaign_of(aws, group.dataset_group_arn, SIMS, "sims")
    segments = active_version(aws, group.dataset_group_arn, name="segments", recipe=ITEM_AFFINITY_ARN)
    message = fails("InvalidInputException", aws.personalize.update_campaign, campaignArn=campaign, solutionVersionArn=segments)
    assert "CreateBatchSegmentJob" in message


# MovieLens 100K ----------------------------------------------------------------------------------


def movielens() -> tuple[bytes, bytes]:
    if not (ML_100K / "u.data").exists():
        pytest.skip(f"MovieLens 100K not found at {ML_100K}")
    ratings = pd.read_csv(ML_100K / "u.data", sep="\t", names=["USER_ID", "ITEM_ID", "RATING", "TIMESTAMP"], dtype=str)
    liked = ratings[ratings["RATING"].astype(int) > 3].assign(EVENT_TYPE="watch")
    genres = pd.read_csv(ML_100K / "u.genre", sep="|", names=["GENRE", "INDEX"])["GENRE"].tolist()
    movies = pd.read_csv(ML_100K / "u.item", sep="|", encoding="latin-1", header=None)
    items = pd.DataFrame({
        "ITEM_ID": movies[0].astype(str),
        "GENRES": ["|".join(g for g, flag in zip(genres, flags) if flag) for flags in movies.iloc[:, 5:].to_numpy()],
        "DESCRIPTION": movies[1],
    })
    return (liked[["USER_ID", "ITEM_ID", "EVENT_TYPE", "TIMESTAMP"]].to_csv(index=False).encode(), items.to_csv(index=False).encode())


# Each recipe and the metrics GetSolutionMetrics reports for it.
RECIPE_METRICS = {
    SIMS: METRICS,
    SIMILAR_ITEMS: METRICS,
    TRENDING_NOW: METRICS | {"trend_prediction_accuracy"},
    ITEM_AFFINITY_ARN: SEGMENT_METRICS,
    ITEM_ATTRIBUTE_AFFINITY_ARN: SEGMENT_METRICS,
}


def test_every_recipe_trains_on_movielens(aws: Clients) -> None:
    interactions, items = movielens()
    group = create_group(aws, "ml")
    assert import_csv(aws, group.dataset_arn, interactions, key="ml.csv", job="ml")["status"] == "ACTIVE"
    with_items(aws, group.dataset_group_arn, items)
    for recipe, metrics in RECIPE_METRICS.items():
        version = active_version(aws, group.dataset_group_arn, name=recipe.rsplit("/", 1)[1], recipe=recipe)
        assert set(aws.personalize.get_solution_metrics(solutionVersionArn=version)["metrics"]) == metrics, recipe
