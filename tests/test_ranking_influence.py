"""rankingInfluence: popularity and freshness blended into User-Personalization-v2 answers, campaigns and batch alike."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from statistics import mean

from .batch import answered, put_lines, real_time, refused
from .conftest import VOD_ITEMS, Clients
from .datagen import START, TASTES, interactions, to_csv
from .helpers import active_version, fails, loaded_group
from .tracking import make_tracker
from .workflow import POPULARITY, USER_PERSONALIZATION, USER_PERSONALIZATION_V2, deploy, import_csv, wait

DAY = 86_400
USERS = [f"user-{u}" for u in range(0, 40, 3)]


def rows() -> list[dict[str, object]]:
    return interactions(users=100)


def created(item: str) -> int:
    """Items numbered higher came later: comedy-39 is the newest comedy (and among the least watched)."""
    return START + int(item.split("-")[1]) * DAY


def with_items(c: Clients, group_arn: str) -> None:
    p = c.personalize
    schema = p.create_schema(name="items-created", schema=VOD_ITEMS)["schemaArn"]
    dataset = p.create_dataset(name="items", schemaArn=schema, datasetGroupArn=group_arn, datasetType="Items")["datasetArn"]
    wait(lambda: p.describe_dataset(datasetArn=dataset)["dataset"])
    items = [{"ITEM_ID": item, "CREATION_TIMESTAMP": created(item), "GENRES": taste.name} for taste in TASTES for item in taste.items]
    job = import_csv(c, dataset, to_csv(items), key="items.csv", job="items")
    assert job["status"] == "ACTIVE", job.get("failureReason")


def v2_version(c: Clients) -> tuple[str, str]:
    group = loaded_group(c, rows=rows())
    with_items(c, group.dataset_group_arn)
    return group.dataset_group_arn, active_version(c, group.dataset_group_arn, name="v2", recipe=USER_PERSONALIZATION_V2)


def answers(c: Clients, campaign: str, n: int = 10) -> dict[str, list[str]]:
    return {user: [i["itemId"] for i in c.runtime.get_recommendations(campaignArn=campaign, userId=user, numResults=n)["itemList"]]
            for user in USERS}


def test_popularity_and_freshness_raise_the_items_they_favour(aws: Clients) -> None:
    _, version = v2_version(aws)
    watched = Counter(str(row["ITEM_ID"]) for row in rows())
    plain = answers(aws, deploy(aws, version, name="plain"))
    popular = answers(aws, deploy(aws, version, name="popular", campaignConfig={"rankingInfluence": {"POPULARITY": 1.0}}))
    fresh = answers(aws, deploy(aws, version, name="fresh", campaignConfig={"rankingInfluence": {"FRESHNESS": 1.0}}))
    none = answers(aws, deploy(aws, version, name="none", campaignConfig={"rankingInfluence": {"POPULARITY": 0.0, "FRESHNESS": 0.0}}))
    assert none == plain  # weights of 0.0 change nothing
    popularity = {name: [mean(watched[i] for i in listed[u]) for u in USERS] for name, listed in (("plain", plain), ("popular", popular))}
    age = {name: [mean(created(i) for i in listed[u]) for u in USERS] for name, listed in (("plain", plain), ("fresh", fresh))}
    # Most users' answers gain popularity (freshness) by it, and all of them together do.
    assert sum(p > q for p, q in zip(popularity["popular"], popularity["plain"])) > len(USERS) * 3 / 4
    assert mean(popularity["popular"]) > mean(popularity["plain"])
    assert all(p > q for p, q in zip(age["fresh"], age["plain"]))
    # Still the user's own answer, not one list for everybody.
    assert len({tuple(listed) for listed in fresh.values()}) > 1 and len({tuple(listed) for listed in popular.values()}) > 1


def test_events_since_training_count_for_popularity(aws: Clients) -> None:
    group_arn, version = v2_version(aws)
    campaign = deploy(aws, version, name="popular", campaignConfig={"rankingInfluence": {"POPULARITY": 1.0}})
    p = aws.personalize
    latest = "comedy-39"
    before = [i["itemId"] for i in aws.runtime.get_recommendations(campaignArn=campaign, userId="user-0", numResults=40)["itemList"]]
    tracker = make_tracker(aws, group_arn)
    sent = datetime.fromtimestamp(START + 200_000, tz=timezone.utc)
    for u in range(60, 100):  # other users make it the most watched item of all
        aws.events.put_events(trackingId=tracker["trackingId"], userId=f"user-{u}", sessionId=f"session-{u}",
                              eventList=[{"eventType": "watch", "itemId": latest, "sentAt": sent}])
    after = [i["itemId"] for i in aws.runtime.get_recommendations(campaignArn=campaign, userId="user-0", numResults=40)["itemList"]]
    rank = lambda listed: listed.index(latest) if latest in listed else len(listed)  # noqa: E731
    assert rank(after) < rank(before)
    assert p.describe_campaign(campaignArn=campaign)["campaign"]["campaignConfig"] == {"rankingInfluence": {"POPULARITY": 1.0}}


def test_batch_inference_blends_as_the_campaign_does(aws: Clients) -> None:
    _, version = v2_version(aws)
    influence = {"POPULARITY": 0.4, "FRESHNESS": 0.8}
    campaign = deploy(aws, version, name="blended", campaignConfig={"rankingInfluence": influence})
    lines = answered(aws, version, [{"userId": user} for user in USERS], numResults=12, batchInferenceJobConfig={"rankingInfluence": influence})
    assert [line["output"] for line in lines] == [real_time(aws, campaign, userId=user, numResults=12) for user in USERS]
    job = aws.personalize.list_batch_inference_jobs()["batchInferenceJobs"][0]
    described = aws.personalize.describe_batch_inference_job(batchInferenceJobArn=job["batchInferenceJobArn"])["batchInferenceJob"]
    assert described["batchInferenceJobConfig"] == {"rankingInfluence": influence}


def test_update_campaign_changes_the_influence(aws: Clients) -> None:
    _, version = v2_version(aws)
    campaign = deploy(aws, version, name="updated")
    plain = answers(aws, campaign)
    p = aws.personalize
    p.update_campaign(campaignArn=campaign, campaignConfig={"rankingInfluence": {"FRESHNESS": 1.0}})
    described = wait(lambda: p.describe_campaign(campaignArn=campaign)["campaign"]["latestCampaignUpdate"])
    assert described["campaignConfig"] == {"rankingInfluence": {"FRESHNESS": 1.0}}
    assert p.describe_campaign(campaignArn=campaign)["campaign"]["campaignConfig"] == {"rankingInfluence": {"FRESHNESS": 1.0}}
    fresh = answers(aws, campaign)
    assert all(mean(created(i) for i in fresh[u]) > mean(created(i) for i in plain[u]) for u in USERS)


def test_other_recipes_refuse_ranking_influence(aws: Clients) -> None:
    group = loaded_group(aws, rows=rows())
    for name, recipe in (("personal", USER_PERSONALIZATION), ("popular", POPULARITY)):
        version = active_version(aws, group.dataset_group_arn, name=name, recipe=recipe)
        config = {"rankingInfluence": {"POPULARITY": 0.5}}
        message = fails("InvalidInputException", aws.personalize.create_campaign, name=name, solutionVersionArn=version, campaignConfig=config)
        assert "campaignConfig.rankingInfluence" in message and "aws-user-personalization-v2" in message
        message = refused("InvalidInputException", aws, version, put_lines(aws, "in/users.json", [{"userId": "user-1"}]),
                          batchInferenceJobConfig=config)
        assert "batchInferenceJobConfig.rankingInfluence" in message
    version = active_version(aws, group.dataset_group_arn, name="v2", recipe=USER_PERSONALIZATION_V2)
    message = fails("InvalidInputException", aws.personalize.create_campaign, name="over", solutionVersionArn=version,
                    campaignConfig={"rankingInfluence": {"FRESHNESS": 1.5}})
    assert "campaignConfig.rankingInfluence.FRESHNESS" in message
    assert aws.personalize.list_campaigns()["campaigns"] == []
    assert aws.personalize.list_batch_inference_jobs()["batchInferenceJobs"] == []
