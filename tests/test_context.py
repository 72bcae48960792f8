"""Contextual metadata (contextual-metadata.md): the Interactions dataset's DEVICE column is learnt, and the
request's ``context`` changes the answer, for users the model knows and for users it never saw."""
from __future__ import annotations

import random

import pytest

from .conftest import INTERACTIONS_FIELDS, Clients, avro
from .datagen import START, to_csv
from .helpers import active_version, domain_group, recommender
from .workflow import PERSONALIZED_RANKING_V2, USER_PERSONALIZATION, USER_PERSONALIZATION_V2, create_group, deploy, import_csv

DEVICE_SCHEMA = avro("Interactions", [*INTERACTIONS_FIELDS, {"name": "DEVICE", "type": "string", "categorical": True}])
SERIES = tuple(f"series-{i}" for i in range(20))  # watched on the TV
CLIPS = tuple(f"clip-{i}" for i in range(20))  # watched on the phone


def device_rows(users: int = 60, per_device: int = 10, seed: int = 3) -> list[dict[str, object]]:
    """Every user watches clips on the phone and series on the TV, the lower-numbered ones more often."""
    rng = random.Random(seed)
    rows = []
    for u in range(users):
        for k in range(2 * per_device):
            device, pool = ("mobile", CLIPS) if k % 2 else ("tv", SERIES)
            item = pool[min(int(rng.expovariate(1 / 6)), len(pool) - 1)]
            rows.append({"USER_ID": f"user-{u}", "ITEM_ID": item, "EVENT_TYPE": "watch", "TIMESTAMP": START + u * 1000 + k, "DEVICE": device})
    return rows


@pytest.fixture
def devices(aws: Clients) -> str:
    group = create_group(aws, "devices", schema=DEVICE_SCHEMA)
    job = import_csv(aws, group.dataset_arn, to_csv(device_rows()), key="devices.csv", job="devices")
    assert job["status"] == "ACTIVE", job.get("failureReason")
    return group.dataset_group_arn


def relevant(c: Clients, campaign: str, user: str, n: int = 10, **options: object) -> list[str]:
    """The items of the answer that are there by relevance (exploration's picks left out)."""
    answer = c.runtime.get_recommendations(campaignArn=campaign, userId=user, numResults=n, **options)["itemList"]
    return [i["itemId"] for i in answer if "reason" not in i]


@pytest.mark.parametrize("recipe", [USER_PERSONALIZATION, USER_PERSONALIZATION_V2])
def test_the_context_decides_between_series_and_clips(aws: Clients, devices: str, recipe: str) -> None:
    config = {"campaignConfig": {"itemExplorationConfig": {"explorationWeight": "0"}}} if recipe == USER_PERSONALIZATION else {}
    campaign = deploy(aws, active_version(aws, devices, recipe=recipe), **config)
    for user in ("user-7", "someone-new"):  # known to the model, and never seen: the context alone steers them
        on_tv = relevant(aws, campaign, user, context={"DEVICE": "tv"})
        on_phone = relevant(aws, campaign, user, context={"DEVICE": "mobile"})
        assert len(on_tv) >= 5 and all(item in SERIES for item in on_tv), on_tv
        assert len(on_phone) >= 5 and all(item in CLIPS for item in on_phone), on_phone


def test_a_context_the_interactions_lack_changes_nothing(aws: Clients, devices: str) -> None:
    """Keys that are no column of the Interactions dataset, and values never seen with one, are ignored."""
    campaign = deploy(aws, active_version(aws, devices, recipe=USER_PERSONALIZATION))
    plain = relevant(aws, campaign, "someone-new")
    assert relevant(aws, campaign, "someone-new", context={"WEATHER": "rain"}) == plain
    assert relevant(aws, campaign, "someone-new", context={"DEVICE": "fridge"}) == plain
    assert relevant(aws, campaign, "someone-new", context={"DEVICE": "tv"}) != plain


def test_personalized_ranking_reads_the_context(aws: Clients, devices: str) -> None:
    campaign = deploy(aws, active_version(aws, devices, recipe=PERSONALIZED_RANKING_V2))
    candidates = [*CLIPS[:5], *SERIES[:5]]
    for user in ("user-3", "someone-new"):
        for device, wanted in (("tv", SERIES), ("mobile", CLIPS)):
            ranking = aws.runtime.get_personalized_ranking(campaignArn=campaign, userId=user, inputList=candidates, context={"DEVICE": device})
            assert all(entry["itemId"] in wanted for entry in ranking["personalizedRanking"][:5]), (device, ranking["personalizedRanking"])


def test_a_recommender_reads_the_context_too(aws: Clients) -> None:
    """Recommended for you learns the DEVICE column of a domain group's Interactions and follows the request's context."""
    rows = [{**row, "EVENT_TYPE": "View"} for row in device_rows()]
    shop = domain_group(aws, "ECOMMERCE", rows, interactions_schema=DEVICE_SCHEMA)
    config = {"itemExplorationConfig": {"explorationWeight": "0"}}
    arn = recommender(aws, shop, "aws-ecomm-recommended-for-you", recommenderConfig=config)["recommenderArn"]
    for user in ("user-7", "someone-new"):
        answers = {
            device: [i["itemId"] for i in aws.runtime.get_recommendations(recommenderArn=arn, userId=user, numResults=5, context={"DEVICE": device})["itemList"]]
            for device in ("tv", "mobile")
        }
        assert all(item in SERIES for item in answers["tv"]), answers
        assert all(item in CLIPS for item in answers["mobile"]), answers
