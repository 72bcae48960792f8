"""Recommenders of ECOMMERCE and VIDEO_ON_DEMAND dataset groups: the use cases, their control plane and their answers."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from .conftest import Clients, Clock, Restore, transitions
from .datagen import START, shop_events, to_csv, video_events, video_items
from .helpers import CREATED, DELETED, METRICS, arn, domain_group, fails, loaded_group, new_group, recommender, statuses, use_case
from .tracking import make_tracker, record_watches
from .workflow import import_csv, wait

SHOP = "ECOMMERCE"
VIDEO = "VIDEO_ON_DEMAND"
DEFAULT_EXPLORATION = {"explorationWeight": "0.3", "explorationItemAgeCutOff": "30"}
NEW_COMEDY = "comedy-new"  # a title nobody has watched yet
COMEDY_FAN, HORROR_FAN = "user-0", "user-1"

# Each use case: its domain and a request it answers (the members its page says are required).
USE_CASES: dict[str, tuple[str, dict[str, str]]] = {
    "aws-ecomm-popular-items-by-views": (SHOP, {"userId": COMEDY_FAN}),
    "aws-ecomm-popular-items-by-purchases": (SHOP, {"userId": COMEDY_FAN}),
    "aws-ecomm-frequently-bought-together": (SHOP, {"itemId": "comedy-3"}),
    "aws-ecomm-customers-who-viewed-x-also-viewed": (SHOP, {"userId": COMEDY_FAN, "itemId": "comedy-3"}),
    "aws-ecomm-recommended-for-you": (SHOP, {"userId": COMEDY_FAN}),
    "aws-vod-because-you-watched-x": (VIDEO, {"userId": COMEDY_FAN, "itemId": "comedy-3"}),
    "aws-vod-more-like-x": (VIDEO, {"userId": COMEDY_FAN, "itemId": "comedy-3"}),
    "aws-vod-most-popular": (VIDEO, {"userId": COMEDY_FAN}),
    "aws-vod-trending-now": (VIDEO, {}),
    "aws-vod-top-picks": (VIDEO, {"userId": COMEDY_FAN}),
}
EXPLORING = {"aws-ecomm-recommended-for-you", "aws-vod-top-picks"}
SCORED = EXPLORING  # the service shows scores only for personalized recommendations
RELATED = {name for name, (_, request) in USE_CASES.items() if "itemId" in request}


def group_for(c: Clients, domain: str, **options: Any) -> str:
    """The domain's dataset group, loaded with generated data carrying the domain's event types."""
    if domain == SHOP:
        return domain_group(c, SHOP, shop_events(), **options)
    return domain_group(c, VIDEO, video_events(), video_items((NEW_COMEDY,)), **options)


def ecommerce_group(c: Clients) -> str:
    return group_for(c, SHOP)


def video_group(c: Clients) -> str:
    return group_for(c, VIDEO)


def both_groups(c: Clients) -> tuple[str, str]:
    return group_for(c, SHOP), group_for(c, VIDEO)


@dataclass(frozen=True)
class UseCases:
    group_arn: str
    # Use case -> its recommender (named after it, created with the default config).
    recommenders: dict[str, str]


def use_cases_of(c: Clients, domain: str) -> UseCases:
    """The domain's group with a recommender of each of its use cases."""
    group_arn = group_for(c, domain)
    return UseCases(group_arn, {name: recommender(c, group_arn, name)["recommenderArn"] for name, (of, _) in USE_CASES.items() if of == domain})


def ecommerce_recommenders(c: Clients) -> UseCases:
    return use_cases_of(c, SHOP)


def video_recommenders(c: Clients) -> UseCases:
    return use_cases_of(c, VIDEO)


# Each domain's group with its use cases' recommenders, built once a session (conftest.from_snapshot).
DOMAIN_USE_CASES = {SHOP: ecommerce_recommenders, VIDEO: video_recommenders}


@pytest.fixture
def shop(from_snapshot: Restore) -> str:
    return from_snapshot(ecommerce_group)


@pytest.fixture
def video(from_snapshot: Restore) -> str:
    return from_snapshot(video_group)


@pytest.fixture
def shop_use_cases(from_snapshot: Restore) -> UseCases:
    return from_snapshot(ecommerce_recommenders)


@pytest.fixture
def video_use_cases(from_snapshot: Restore) -> UseCases:
    return from_snapshot(video_recommenders)


def answer(c: Clients, recommender_arn: str, n: int = 10, **request: str) -> list[str]:
    return [i["itemId"] for i in c.runtime.get_recommendations(recommenderArn=recommender_arn, numResults=n, **request)["itemList"]]


def share_of(genre: str, items: list[str]) -> float:
    return sum(item.startswith(f"{genre}-") for item in items) / len(items)


# Every use case -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(USE_CASES))
def test_every_use_case_creates_and_answers(aws: Clients, from_snapshot: Restore, name: str) -> None:
    domain, request = USE_CASES[name]
    trained = from_snapshot(DOMAIN_USE_CASES[domain])  # each created as recommender() creates it
    group_arn = trained.group_arn
    created = aws.personalize.describe_recommender(recommenderArn=trained.recommenders[name])["recommender"]
    assert created["status"] == "ACTIVE", created.get("failureReason")
    assert created["recommenderArn"] == arn("recommender", name)
    assert (created["name"], created["datasetGroupArn"], created["recipeArn"]) == (name, group_arn, use_case(name))
    config = created["recommenderConfig"]
    assert config["minRecommendationRequestsPerSecond"] == 1 and config["enableMetadataWithRecommendations"] is False
    assert config.get("itemExplorationConfig") == (DEFAULT_EXPLORATION if name in EXPLORING else None)
    assert set(created["modelMetrics"]) == METRICS
    assert all(0.0 <= value <= 1.0 for value in created["modelMetrics"].values())
    assert created["creationDateTime"] <= created["lastUpdatedDateTime"]
    assert "failureReason" not in created and "latestRecommenderUpdate" not in created

    listed = aws.runtime.get_recommendations(recommenderArn=created["recommenderArn"], numResults=7, **request)["itemList"]
    items = [i["itemId"] for i in listed]
    assert len(items) == len(set(items)) == 7
    assert all(("score" in i) == (name in SCORED) for i in listed)
    if name in RELATED:
        assert request["itemId"] not in items
    assert len(aws.runtime.get_recommendations(recommenderArn=created["recommenderArn"], **request)["itemList"]) == 25


@pytest.mark.parametrize("name", [n for n, (_, request) in USE_CASES.items() if "userId" in request])
def test_a_use_case_that_needs_a_user_refuses_a_request_without_one(aws: Clients, from_snapshot: Restore, name: str) -> None:
    domain, request = USE_CASES[name]
    arn_ = from_snapshot(DOMAIN_USE_CASES[domain]).recommenders[name]
    without_user = {k: v for k, v in request.items() if k != "userId"}
    message = fails("InvalidInputException", aws.runtime.get_recommendations, recommenderArn=arn_, **without_user)
    assert "'userId'" in message and name in message


def test_related_items_need_an_item_and_frequently_bought_together_no_user(aws: Clients, shop_use_cases: UseCases) -> None:
    bought_together = shop_use_cases.recommenders["aws-ecomm-frequently-bought-together"]
    assert "'itemId'" in fails("InvalidInputException", aws.runtime.get_recommendations, recommenderArn=bought_together, userId=COMEDY_FAN)
    # "userId: Required only if you filter by CurrentUser".
    assert len(answer(aws, bought_together, itemId="comedy-3")) == 10


# Answers follow the data --------------------------------------------------------------------------


def test_popular_items_count_views_purchases_and_viewers(aws: Clients, shop_use_cases: UseCases) -> None:
    rows = shop_events()
    views = Counter(r["ITEM_ID"] for r in rows if r["EVENT_TYPE"] == "View")
    purchases = Counter(r["ITEM_ID"] for r in rows if r["EVENT_TYPE"] == "Purchase")
    by_views = shop_use_cases.recommenders["aws-ecomm-popular-items-by-views"]
    by_purchases = shop_use_cases.recommenders["aws-ecomm-popular-items-by-purchases"]
    # ECOMMERCE counts every view ("how many times that your customers viewed an item"), ties in item order.
    expected_views = [item for item, _ in sorted(views.items(), key=lambda kv: (-kv[1], kv[0]))][:5]
    expected_purchases = [item for item, _ in sorted(purchases.items(), key=lambda kv: (-kv[1], kv[0]))][:5]
    assert answer(aws, by_views, 5, userId=COMEDY_FAN) == expected_views
    assert answer(aws, by_purchases, 5, userId=COMEDY_FAN) == expected_purchases
    # The same list for everybody.
    assert answer(aws, by_views, 5, userId=HORROR_FAN) == expected_views


def test_most_popular_counts_distinct_viewers_of_watch_events(aws: Clients, video_use_cases: UseCases) -> None:
    watchers: dict[str, set[str]] = {}
    for row in video_events():
        if row["EVENT_TYPE"] == "Watch":
            watchers.setdefault(str(row["ITEM_ID"]), set()).add(str(row["USER_ID"]))
    expected = [item for item, users in sorted(watchers.items(), key=lambda kv: (-len(kv[1]), kv[0]))][:5]
    assert answer(aws, video_use_cases.recommenders["aws-vod-most-popular"], 5, userId=HORROR_FAN) == expected


def test_trending_now_puts_first_what_grows_fastest(aws: Clients) -> None:
    rows = video_events()
    latest = max(int(r["TIMESTAMP"]) for r in rows)
    # A title few watched takes off in the last hour: a dozen viewers, still far from the most watched.
    burst = [{"USER_ID": f"user-{u}", "ITEM_ID": "horror-39", "EVENT_TYPE": "Watch", "TIMESTAMP": latest + 60 + u} for u in range(12)]
    group_arn = domain_group(aws, VIDEO, rows + burst, video_items())
    trending = recommender(aws, group_arn, "aws-vod-trending-now")["recommenderArn"]
    assert answer(aws, trending, 3)[0] == "horror-39"
    most_popular = recommender(aws, group_arn, "aws-vod-most-popular")["recommenderArn"]
    assert "horror-39" not in answer(aws, most_popular, 10, userId=COMEDY_FAN)


def test_trending_now_follows_events_every_two_hours(aws: Clients, trend_clock: Clock) -> None:
    """VIDEO_ON_DEMAND-use-cases.md: "Every two hours, Amazon Personalize automatically evaluates your interactions data"."""
    rows = video_events()
    group_arn = domain_group(aws, VIDEO, rows, video_items())
    created = recommender(aws, group_arn, "aws-vod-trending-now")
    trained = answer(aws, created["recommenderArn"], 3)
    assert "horror-39" not in trained
    record_watches(aws, make_tracker(aws, group_arn)["trackingId"], "horror-39", 30, max(int(r["TIMESTAMP"]) for r in rows) + 60, "Watch")
    trend_clock.moment = created["creationDateTime"] + timedelta(hours=1, minutes=59)
    assert answer(aws, created["recommenderArn"], 3) == trained
    trend_clock.moment = created["creationDateTime"] + timedelta(hours=2, minutes=1)
    assert answer(aws, created["recommenderArn"], 3)[0] == "horror-39"


def test_recommendations_for_a_user_follow_their_taste(aws: Clients, shop: str) -> None:
    for_you = recommender(aws, shop, "aws-ecomm-recommended-for-you", recommenderConfig={"itemExplorationConfig": {"explorationWeight": "0"}})
    assert share_of("comedy", answer(aws, for_you["recommenderArn"], userId=COMEDY_FAN)) >= 0.8
    assert share_of("horror", answer(aws, for_you["recommenderArn"], userId=HORROR_FAN)) >= 0.8


@pytest.mark.parametrize("name", ["aws-ecomm-frequently-bought-together", "aws-ecomm-customers-who-viewed-x-also-viewed"])
def test_related_items_come_from_the_same_shoppers(aws: Clients, shop_use_cases: UseCases, name: str) -> None:
    related = shop_use_cases.recommenders[name]
    assert share_of("horror", answer(aws, related, itemId="horror-2", userId="someone-new")) >= 0.8


def test_more_like_x_finds_titles_like_a_new_one_by_its_genre(aws: Clients, video_use_cases: UseCases) -> None:
    more_like = video_use_cases.recommenders["aws-vod-more-like-x"]
    assert share_of("comedy", answer(aws, more_like, itemId=NEW_COMEDY, userId="someone-new")) == 1.0
    # Because you watched X knows only what was watched: a new title gets the most popular ones.
    watched_too = video_use_cases.recommenders["aws-vod-because-you-watched-x"]
    assert share_of("comedy", answer(aws, watched_too, itemId=NEW_COMEDY, userId="someone-new")) < 1.0


def test_events_recorded_since_training_count_at_once(aws: Clients, shop: str) -> None:
    p = aws.personalize
    for_you = recommender(aws, shop, "aws-ecomm-recommended-for-you", recommenderConfig={"itemExplorationConfig": {"explorationWeight": "0"}})
    tracking_id = p.create_event_tracker(name="t", datasetGroupArn=shop)["trackingId"]
    newcomer = "newcomer"
    before = answer(aws, for_you["recommenderArn"], userId=newcomer)
    events = [{"eventType": "View", "itemId": f"horror-{k}", "sentAt": START + 10_000_000 + k} for k in range(6)]
    aws.events.put_events(trackingId=tracking_id, userId=newcomer, sessionId="s", eventList=events)
    after = answer(aws, for_you["recommenderArn"], userId=newcomer)
    assert after != before and share_of("horror", after) >= 0.8


# Automatic exclusions ------------------------------------------------------------------------------


def bought(user: str) -> set[str]:
    return {str(r["ITEM_ID"]) for r in shop_events() if r["USER_ID"] == user and r["EVENT_TYPE"] == "Purchase"}


def watched(user: str) -> set[str]:
    return {str(r["ITEM_ID"]) for r in video_events() if r["USER_ID"] == user and r["EVENT_TYPE"] == "Watch"}


def test_recommended_for_you_leaves_out_what_the_user_bought(aws: Clients, shop_use_cases: UseCases) -> None:
    for_you = shop_use_cases.recommenders["aws-ecomm-recommended-for-you"]
    assert bought(COMEDY_FAN) and not bought(COMEDY_FAN) & set(answer(aws, for_you, 60, userId=COMEDY_FAN))
    # A purchase recorded now leaves its item out at once; a view does not.
    top, second = answer(aws, for_you, 2, userId=COMEDY_FAN)
    tracking_id = aws.personalize.create_event_tracker(name="t", datasetGroupArn=shop_use_cases.group_arn)["trackingId"]
    events = [
        {"eventType": "Purchase", "itemId": top, "sentAt": START + 10_000_000},
        {"eventType": "View", "itemId": second, "sentAt": START + 10_000_001},
    ]
    aws.events.put_events(trackingId=tracking_id, userId=COMEDY_FAN, sessionId="s", eventList=events)
    # The whole catalog: a viewed item may rank low (the model sinks what users rarely repeat), but only purchases leave.
    now = answer(aws, for_you, 500, userId=COMEDY_FAN)
    assert top not in now and second in now


def test_customers_who_viewed_x_leave_out_what_the_user_bought(aws: Clients, shop_use_cases: UseCases) -> None:
    also_viewed = shop_use_cases.recommenders["aws-ecomm-customers-who-viewed-x-also-viewed"]
    for_anyone = answer(aws, also_viewed, 40, itemId="comedy-3", userId="someone-new")
    for_the_fan = answer(aws, also_viewed, 40, itemId="comedy-3", userId=COMEDY_FAN)
    assert bought(COMEDY_FAN) & set(for_anyone)
    assert not bought(COMEDY_FAN) & set(for_the_fan)


@pytest.mark.parametrize("name, request_", [
    ("aws-vod-because-you-watched-x", {"itemId": "comedy-3"}),
    ("aws-vod-more-like-x", {"itemId": "comedy-3"}),
    ("aws-vod-top-picks", {}),
])
def test_video_use_cases_leave_out_what_the_user_watched(aws: Clients, video_use_cases: UseCases, name: str, request_: dict[str, str]) -> None:
    recommender_arn = video_use_cases.recommenders[name]
    assert watched(COMEDY_FAN) and not watched(COMEDY_FAN) & set(answer(aws, recommender_arn, 50, userId=COMEDY_FAN, **request_))


@pytest.mark.parametrize("name, request_", [("aws-vod-top-picks", {}), ("aws-vod-because-you-watched-x", {"itemId": "horror-3"})])
def test_a_filter_applies_in_addition_to_the_automatic_exclusions(aws: Clients, video_use_cases: UseCases, name: str, request_: dict[str, str]) -> None:
    p = aws.personalize
    recommender_arn = video_use_cases.recommenders[name]
    expression = 'EXCLUDE ItemID WHERE Items.GENRES IN ("horror")'
    filter_arn = p.create_filter(name="no-horror", datasetGroupArn=video_use_cases.group_arn, filterExpression=expression)["filterArn"]
    wait(lambda: p.describe_filter(filterArn=filter_arn)["filter"])
    unfiltered = answer(aws, recommender_arn, 30, userId=HORROR_FAN, **request_)
    filtered = answer(aws, recommender_arn, 30, userId=HORROR_FAN, filterArn=filter_arn, **request_)
    assert share_of("horror", unfiltered) >= 0.4 and len(filtered) == 30
    assert share_of("horror", filtered) == 0.0 and not watched(HORROR_FAN) & set(filtered)


def test_a_promotion_takes_its_share_of_a_recommenders_answer(aws: Clients, video: str) -> None:
    """promoting-items-domain-dsg.md: the share from the promotion's filter, the use case's own exclusions still applied."""
    p = aws.personalize
    no_exploration = {"itemExplorationConfig": {"explorationWeight": "0"}}
    recommender_arn = recommender(aws, video, "aws-vod-top-picks", recommenderConfig=no_exploration)["recommenderArn"]
    horror = p.create_filter(name="horror", datasetGroupArn=video, filterExpression='INCLUDE ItemID WHERE Items.GENRES IN ("horror")')["filterArn"]
    wait(lambda: p.describe_filter(filterArn=horror)["filter"])
    plain = answer(aws, recommender_arn, 10, userId=COMEDY_FAN)
    assert share_of("horror", plain) < 0.3
    promotion = {"name": "scary", "percentPromotedItems": 50, "filterArn": horror}
    listed = aws.runtime.get_recommendations(recommenderArn=recommender_arn, userId=COMEDY_FAN, numResults=10, promotions=[promotion])["itemList"]
    promoted = [i["itemId"] for i in listed if i.get("promotionName") == "scary"]
    assert len(listed) == 10 and len({i["itemId"] for i in listed}) == 10
    assert len(promoted) == 5 and share_of("horror", promoted) == 1.0 and not watched(COMEDY_FAN) & set(promoted)
    assert [i["itemId"] for i in listed if "promotionName" not in i] == [item for item in plain if item not in promoted][:5]


def test_trending_now_takes_no_promotion(aws: Clients, video_use_cases: UseCases) -> None:
    p = aws.personalize
    recommender_arn = video_use_cases.recommenders["aws-vod-trending-now"]
    horror = p.create_filter(name="horror", datasetGroupArn=video_use_cases.group_arn, filterExpression='INCLUDE ItemID WHERE Items.GENRES IN ("horror")')["filterArn"]
    wait(lambda: p.describe_filter(filterArn=horror)["filter"])
    message = fails("InvalidInputException", aws.runtime.get_recommendations, recommenderArn=recommender_arn,
                    promotions=[{"name": "scary", "percentPromotedItems": 50, "filterArn": horror}])
    assert "promotions" in message


# Required data ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["aws-ecomm-popular-items-by-purchases", "aws-ecomm-frequently-bought-together"])
def test_use_cases_without_their_required_events_fail_naming_them(aws: Clients, name: str) -> None:
    group_arn = domain_group(aws, SHOP, [r for r in shop_events() if r["EVENT_TYPE"] == "View"])
    failed = recommender(aws, group_arn, name)
    assert failed["status"] == "CREATE FAILED"
    assert "1000 Purchase events" in failed["failureReason"] and "View" in failed["failureReason"]
    assert "modelMetrics" not in failed
    # What needs only views trains on the same data.
    assert recommender(aws, group_arn, "aws-ecomm-popular-items-by-views")["status"] == "ACTIVE"


def test_too_few_interactions_fail(aws: Clients) -> None:
    rows = [r for r in video_events() if r["EVENT_TYPE"] == "Watch"]
    group_arn = domain_group(aws, VIDEO, rows)
    p = aws.personalize
    dataset_arn = p.list_datasets(datasetGroupArn=group_arn)["datasets"][0]["datasetArn"]
    # FULL import of 1000 records from 1000 users: enough rows, too few users with two interactions.
    lonely = [{"USER_ID": f"u{k}", "ITEM_ID": f"comedy-{k % 40}", "EVENT_TYPE": "Watch", "TIMESTAMP": START + k} for k in range(1000)]
    assert import_csv(aws, dataset_arn, to_csv(lonely), key="lonely.csv", job="lonely")["status"] == "ACTIVE"
    failed = recommender(aws, group_arn, "aws-vod-trending-now")
    assert failed["status"] == "CREATE FAILED" and "25 users" in failed["failureReason"]


@pytest.mark.parametrize("name", ["aws-vod-more-like-x", "aws-vod-top-picks"])
def test_use_cases_needing_items_refuse_a_group_without_them(aws: Clients, name: str) -> None:
    group_arn = domain_group(aws, VIDEO, video_events())
    message = fails("InvalidInputException", aws.personalize.create_recommender, name="r", datasetGroupArn=group_arn, recipeArn=use_case(name))
    assert "Items" in message and name in message
    assert aws.personalize.list_recommenders()["recommenders"] == []


def test_a_group_without_interactions_is_refused(aws: Clients) -> None:
    group_arn = new_group(aws, "empty", domain=SHOP)
    message = fails("InvalidInputException", aws.personalize.create_recommender, name="r", datasetGroupArn=group_arn, recipeArn=use_case("aws-ecomm-recommended-for-you"))
    assert "Interactions" in message


# CreateRecommender's other errors ----------------------------------------------------------------


def test_only_use_cases_of_the_groups_domain(aws: Clients, shop: str) -> None:
    p = aws.personalize
    create = p.create_recommender
    message = fails("InvalidInputException", create, name="r", datasetGroupArn=shop, recipeArn=use_case("aws-vod-top-picks"))
    assert "VIDEO_ON_DEMAND" in message and "ECOMMERCE" in message
    message = fails("InvalidInputException", create, name="r", datasetGroupArn=shop, recipeArn=use_case("aws-user-personalization"))
    assert "'recipeArn'" in message
    ghost = use_case("aws-ecomm-nothing")
    assert ghost in fails("ResourceNotFoundException", create, name="r", datasetGroupArn=shop, recipeArn=ghost)
    custom = loaded_group(aws, "custom").dataset_group_arn
    assert "domain" in fails("InvalidInputException", create, name="r", datasetGroupArn=custom, recipeArn=use_case("aws-ecomm-recommended-for-you"))
    missing = arn("dataset-group", "ghost")
    assert missing in fails("ResourceNotFoundException", create, name="r", datasetGroupArn=missing, recipeArn=use_case("aws-ecomm-recommended-for-you"))
    assert p.list_recommenders()["recommenders"] == []


def test_names_are_unique_and_tags_limited(aws: Clients, shop: str) -> None:
    p = aws.personalize
    recommender(aws, shop, "aws-ecomm-popular-items-by-views", tags=[{"tagKey": "team", "tagValue": "shop"}])
    created = arn("recommender", "aws-ecomm-popular-items-by-views")
    assert p.list_tags_for_resource(resourceArn=created)["tags"] == [{"tagKey": "team", "tagValue": "shop"}]
    p.tag_resource(resourceArn=created, tags=[{"tagKey": "stage", "tagValue": "test"}])
    assert len(p.list_tags_for_resource(resourceArn=created)["tags"]) == 2
    message = fails(
        "ResourceAlreadyExistsException", p.create_recommender,
        name="aws-ecomm-popular-items-by-views", datasetGroupArn=shop, recipeArn=use_case("aws-ecomm-popular-items-by-purchases"),
    )
    assert created in message
    many = [{"tagKey": f"k{i}", "tagValue": "v"} for i in range(51)]
    assert "'tags'" in fails("TooManyTagsException", p.create_recommender, name="r", datasetGroupArn=shop, recipeArn=use_case("aws-ecomm-popular-items-by-purchases"), tags=many)


def test_five_recommenders_a_dataset_group(aws: Clients, shop: str) -> None:
    for k, name in enumerate(USE_CASES):
        if USE_CASES[name][0] == SHOP:
            aws.personalize.create_recommender(name=f"r{k}", datasetGroupArn=shop, recipeArn=use_case(name))
    message = fails(
        "LimitExceededException", aws.personalize.create_recommender,
        name="sixth", datasetGroupArn=shop, recipeArn=use_case("aws-ecomm-recommended-for-you"),
    )
    assert "5 recommenders per dataset group" in message


def test_fifteen_recommenders_a_region(aws: Clients, from_snapshot: Restore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERSONALIZE_LOCAL_QUOTA_RECOMMENDERS", "2")
    shop_arn, video_arn = from_snapshot(both_groups)
    aws.personalize.create_recommender(name="a", datasetGroupArn=shop_arn, recipeArn=use_case("aws-ecomm-popular-items-by-views"))
    aws.personalize.create_recommender(name="b", datasetGroupArn=video_arn, recipeArn=use_case("aws-vod-most-popular"))
    message = fails("LimitExceededException", aws.personalize.create_recommender, name="c", datasetGroupArn=video_arn, recipeArn=use_case("aws-vod-trending-now"))
    assert "2 recommenders per region" in message


@pytest.mark.parametrize("config, member", [
    ({"itemExplorationConfig": {"explorationWeight": "1.5"}}, "explorationWeight"),
    ({"itemExplorationConfig": {"explorationWeight": "nan"}}, "explorationWeight"),
    ({"itemExplorationConfig": {"explorationItemAgeCutOff": "0.5"}}, "explorationItemAgeCutOff"),
    ({"itemExplorationConfig": {"explorationSpeed": "1"}}, "explorationSpeed"),
    ({"trainingDataConfig": {"excludedDatasetColumns": {"Actions": ["VALUE"]}}}, "excludedDatasetColumns"),
    ({"trainingDataConfig": {"excludedDatasetColumns": {"Users": ["AGE"]}}}, "excludedDatasetColumns"),
    ({"trainingDataConfig": {"excludedDatasetColumns": {"Items": ["COLOUR"]}}}, "Items"),
    ({"trainingDataConfig": {"excludedDatasetColumns": {"Interactions": ["EVENT_TYPE"]}}}, "EVENT_TYPE"),
    ({"trainingDataConfig": {"includedDatasetColumns": {"Items": ["ITEM_ID"]}}}, "ITEM_ID"),
    (
        {"trainingDataConfig": {"excludedDatasetColumns": {"Items": ["GENRES"]}, "includedDatasetColumns": {"ITEMS": ["GENRES"]}}},
        "Items",
    ),
])
def test_a_config_the_use_case_or_group_cannot_take_is_invalid_naming_the_member(
    aws: Clients, video: str, config: dict[str, Any], member: str
) -> None:
    message = fails("InvalidInputException", aws.personalize.create_recommender, name="r", datasetGroupArn=video, recipeArn=use_case("aws-vod-top-picks"), recommenderConfig=config)
    assert member in message
    assert aws.personalize.list_recommenders()["recommenders"] == []


def test_only_exploring_use_cases_take_an_exploration_config(aws: Clients, video: str) -> None:
    message = fails(
        "InvalidInputException", aws.personalize.create_recommender, name="r", datasetGroupArn=video,
        recipeArn=use_case("aws-vod-most-popular"), recommenderConfig={"itemExplorationConfig": DEFAULT_EXPLORATION},
    )
    assert "itemExplorationConfig" in message and "aws-vod-most-popular" in message


def test_the_config_given_is_kept_with_defaults_for_the_rest(aws: Clients, video: str) -> None:
    config = {
        "itemExplorationConfig": {"explorationWeight": "0.9"},
        "minRecommendationRequestsPerSecond": 3,
        "trainingDataConfig": {"excludedDatasetColumns": {"Items": ["GENRES"]}},
        "enableMetadataWithRecommendations": True,
    }
    created = recommender(aws, video, "aws-vod-top-picks", recommenderConfig=config)
    assert created["recommenderConfig"] == {**config, "itemExplorationConfig": {"explorationWeight": "0.9", "explorationItemAgeCutOff": "30"}}


def test_columns_left_out_of_training_are_not_learnt_from(aws: Clients, video: str) -> None:
    with_genres = recommender(aws, video, "aws-vod-more-like-x")["recommenderArn"]
    p = aws.personalize
    arn_ = p.create_recommender(
        name="without-genres", datasetGroupArn=video, recipeArn=use_case("aws-vod-more-like-x"),
        recommenderConfig={"trainingDataConfig": {"excludedDatasetColumns": {"ITEMS": ["GENRES"]}}},
    )["recommenderArn"]
    wait(lambda: p.describe_recommender(recommenderArn=arn_)["recommender"])
    assert share_of("comedy", answer(aws, with_genres, itemId=NEW_COMEDY, userId="x")) == 1.0
    assert share_of("comedy", answer(aws, arn_, itemId=NEW_COMEDY, userId="x")) < 1.0


# Describe, List, Delete --------------------------------------------------------------------------


def test_list_newest_first_by_group_and_in_pages(aws: Clients, from_snapshot: Restore) -> None:
    p = aws.personalize
    shop_arn, video_arn = from_snapshot(both_groups)
    first = recommender(aws, shop_arn, "aws-ecomm-popular-items-by-views")["recommenderArn"]
    second = recommender(aws, shop_arn, "aws-ecomm-popular-items-by-purchases")["recommenderArn"]
    third = recommender(aws, video_arn, "aws-vod-most-popular")["recommenderArn"]
    assert [r["recommenderArn"] for r in p.list_recommenders()["recommenders"]] == [third, second, first]
    listed = p.list_recommenders(datasetGroupArn=shop_arn)["recommenders"]
    assert [r["recommenderArn"] for r in listed] == [second, first]
    assert listed[0]["recipeArn"] == use_case("aws-ecomm-popular-items-by-purchases") and listed[0]["status"] == "ACTIVE"
    assert listed[0]["datasetGroupArn"] == shop_arn and listed[0]["recommenderConfig"]["minRecommendationRequestsPerSecond"] == 1
    page = p.list_recommenders(maxResults=2)
    rest = p.list_recommenders(maxResults=2, nextToken=page["nextToken"])
    assert [r["recommenderArn"] for r in page["recommenders"] + rest["recommenders"]] == [third, second, first]
    assert "nextToken" not in rest
    fails("InvalidNextTokenException", p.list_recommenders, nextToken="garbage")


def test_delete_and_what_it_frees(aws: Clients, shop: str) -> None:
    p = aws.personalize
    arn_ = recommender(aws, shop, "aws-ecomm-popular-items-by-views")["recommenderArn"]
    for dataset in p.list_datasets(datasetGroupArn=shop)["datasets"]:
        p.delete_dataset(datasetArn=dataset["datasetArn"])
    assert p.list_datasets(datasetGroupArn=shop)["datasets"] == []  # observed: their deletes are done
    assert arn_ in fails("ResourceInUseException", p.delete_dataset_group, datasetGroupArn=shop)
    p.delete_recommender(recommenderArn=arn_)
    for call, member in ((p.describe_recommender, "recommenderArn"), (p.delete_recommender, "recommenderArn")):
        fails("ResourceNotFoundException", call, **{member: arn_})
    fails("ResourceNotFoundException", aws.runtime.get_recommendations, recommenderArn=arn_, userId=COMEDY_FAN)
    assert p.list_recommenders()["recommenders"] == []
    p.delete_dataset_group(datasetGroupArn=shop)


@pytest.mark.parametrize("operation", ["describe_recommender", "delete_recommender", "stop_recommender", "start_recommender"])
def test_unknown_and_malformed_recommenders(aws: Clients, operation: str) -> None:
    call = getattr(aws.personalize, operation)
    ghost = arn("recommender", "ghost")
    assert fails("ResourceNotFoundException", call, recommenderArn=ghost) == f"Resource Arn {ghost} does not exist."
    assert "'recommenderArn'" in fails("InvalidInputException", call, recommenderArn="not-an-arn")


def test_a_request_names_a_campaign_or_a_recommender(aws: Clients) -> None:
    campaign, ghost = arn("campaign", "c"), arn("recommender", "ghost")
    message = fails("InvalidInputException", aws.runtime.get_recommendations, campaignArn=campaign, recommenderArn=ghost, userId="u")
    assert "'campaignArn'" in message and "'recommenderArn'" in message
    fails("ResourceNotFoundException", aws.runtime.get_recommendations, recommenderArn=ghost, userId="u")


# Update, Stop, Start ---------------------------------------------------------------------------------


def test_update_changes_requests_per_second_and_keeps_the_rest(aws: Clients, shop: str) -> None:
    p = aws.personalize
    arn_ = recommender(aws, shop, "aws-ecomm-recommended-for-you", recommenderConfig={"itemExplorationConfig": {"explorationWeight": "0.5"}})["recommenderArn"]
    assert p.update_recommender(recommenderArn=arn_, recommenderConfig={"minRecommendationRequestsPerSecond": 4})["recommenderArn"] == arn_
    updated = p.describe_recommender(recommenderArn=arn_)["recommender"]
    expected = {"explorationWeight": "0.5", "explorationItemAgeCutOff": "30"}
    assert updated["recommenderConfig"]["minRecommendationRequestsPerSecond"] == 4
    assert updated["recommenderConfig"]["itemExplorationConfig"] == expected
    assert updated["latestRecommenderUpdate"]["status"] == "ACTIVE"
    assert updated["latestRecommenderUpdate"]["recommenderConfig"]["minRecommendationRequestsPerSecond"] == 4
    assert [r["recommenderConfig"]["minRecommendationRequestsPerSecond"] for r in p.list_recommenders()["recommenders"]] == [4]
    message = fails("InvalidInputException", p.update_recommender, recommenderArn=arn_, recommenderConfig={"itemExplorationConfig": {"explorationWeight": "2"}})
    assert "explorationWeight" in message
    assert p.describe_recommender(recommenderArn=arn_)["recommender"]["recommenderConfig"]["itemExplorationConfig"] == expected


def test_update_of_the_columns_trains_again(aws: Clients, video_use_cases: UseCases) -> None:
    p = aws.personalize
    arn_ = video_use_cases.recommenders["aws-vod-more-like-x"]
    assert share_of("comedy", answer(aws, arn_, itemId=NEW_COMEDY, userId="x")) == 1.0
    p.update_recommender(recommenderArn=arn_, recommenderConfig={"trainingDataConfig": {"excludedDatasetColumns": {"Items": ["GENRES"]}}})
    updated = wait(lambda: p.describe_recommender(recommenderArn=arn_)["recommender"]["latestRecommenderUpdate"])
    assert updated["status"] == "ACTIVE"
    assert share_of("comedy", answer(aws, arn_, itemId=NEW_COMEDY, userId="x")) < 1.0


def test_a_stopped_recommender_refuses_until_started_again(aws: Clients, shop: str) -> None:
    p = aws.personalize
    arn_ = recommender(aws, shop, "aws-ecomm-recommended-for-you")["recommenderArn"]
    served = answer(aws, arn_, userId=COMEDY_FAN)
    assert p.stop_recommender(recommenderArn=arn_)["recommenderArn"] == arn_
    stopped = p.describe_recommender(recommenderArn=arn_)["recommender"]
    assert stopped["status"] == "INACTIVE" and set(stopped["modelMetrics"]) == METRICS
    message = fails("InvalidInputException", aws.runtime.get_recommendations, recommenderArn=arn_, userId=COMEDY_FAN)
    assert arn_ in message and "INACTIVE" in message
    for refused in (p.stop_recommender, lambda **kw: p.update_recommender(recommenderConfig={"minRecommendationRequestsPerSecond": 2}, **kw)):
        assert "INACTIVE" in fails("ResourceInUseException", refused, recommenderArn=arn_)
    assert p.start_recommender(recommenderArn=arn_)["recommenderArn"] == arn_
    assert p.describe_recommender(recommenderArn=arn_)["recommender"]["status"] == "ACTIVE"
    # Starting creates no new model: the same answers as before.
    assert answer(aws, arn_, userId=COMEDY_FAN) == served
    assert "ACTIVE" in fails("ResourceInUseException", p.start_recommender, recommenderArn=arn_)
    # A stopped recommender can be deleted, once it is stopped: not while it is still stopping.
    p.stop_recommender(recommenderArn=arn_)
    assert "STOP PENDING" in fails("ResourceInUseException", p.delete_recommender, recommenderArn=arn_)
    assert p.describe_recommender(recommenderArn=arn_)["recommender"]["status"] == "INACTIVE"
    p.delete_recommender(recommenderArn=arn_)
    assert p.list_recommenders()["recommenders"] == []


# Statuses under moto's state manager --------------------------------------------------------------


def test_statuses_walk_the_services_lists(stepwise: Clients) -> None:
    """API_Recommender.md: CREATE PENDING > CREATE IN_PROGRESS > ACTIVE; STOP PENDING > STOP IN_PROGRESS > INACTIVE >
    START PENDING > START IN_PROGRESS > ACTIVE; DELETE PENDING > DELETE IN_PROGRESS."""
    p, runtime = stepwise.personalize, stepwise.runtime
    with transitions({"progression": "immediate"}):
        group_arn = group_for(stepwise, SHOP)
    arn_ = p.create_recommender(name="r", datasetGroupArn=group_arn, recipeArn=use_case("aws-ecomm-recommended-for-you"))["recommenderArn"]
    describe = lambda: p.describe_recommender(recommenderArn=arn_)["recommender"]  # noqa: E731
    creating = describe()
    assert creating["status"] == "CREATE PENDING" and "modelMetrics" not in creating
    # Nothing but waiting until it is ACTIVE.
    assert "CREATE PENDING" in fails("InvalidInputException", runtime.get_recommendations, recommenderArn=arn_, userId=COMEDY_FAN)
    for refused in (p.stop_recommender, p.delete_recommender):
        assert arn_ in fails("ResourceInUseException", refused, recommenderArn=arn_)
    assert statuses(describe, 4) == CREATED[1:]
    assert set(describe()["modelMetrics"]) == METRICS

    p.stop_recommender(recommenderArn=arn_)
    assert "STOP PENDING" in fails("InvalidInputException", runtime.get_recommendations, recommenderArn=arn_, userId=COMEDY_FAN)
    assert arn_ in fails("ResourceInUseException", p.start_recommender, recommenderArn=arn_)
    assert arn_ in fails("ResourceInUseException", p.delete_recommender, recommenderArn=arn_)
    assert statuses(describe, 5) == ["STOP PENDING", "STOP IN_PROGRESS", "STOP IN_PROGRESS", "INACTIVE", "INACTIVE"]
    p.start_recommender(recommenderArn=arn_)
    assert statuses(describe, 5) == ["START PENDING", "START IN_PROGRESS", "START IN_PROGRESS", "ACTIVE", "ACTIVE"]
    assert len(runtime.get_recommendations(recommenderArn=arn_, userId=COMEDY_FAN)["itemList"]) == 25

    # An update walks the create statuses; the recommender stays ACTIVE with its old config until the update is ACTIVE.
    p.update_recommender(recommenderArn=arn_, recommenderConfig={"minRecommendationRequestsPerSecond": 2})
    assert arn_ in fails("ResourceInUseException", p.update_recommender, recommenderArn=arn_, recommenderConfig={"minRecommendationRequestsPerSecond": 3})
    assert arn_ in fails("ResourceInUseException", p.delete_recommender, recommenderArn=arn_)
    seen = [(r["status"], r["latestRecommenderUpdate"]["status"], r["recommenderConfig"]["minRecommendationRequestsPerSecond"]) for r in (describe() for _ in range(4))]
    assert seen == [
        ("ACTIVE", "CREATE PENDING", 1),
        ("ACTIVE", "CREATE IN_PROGRESS", 1),
        ("ACTIVE", "CREATE IN_PROGRESS", 1),
        ("ACTIVE", "ACTIVE", 2),
    ]
    p.delete_recommender(recommenderArn=arn_)
    assert statuses(describe, 5) == DELETED
