"""Worlds that tests of several files start from. A builder takes the clients and returns plain values (ARNs, answers).

Built once a session through conftest's ``from_snapshot``: each test that asks for a world gets it loaded from a
snapshot into its own fresh mock, so tests stay independent; the builder's values are shared, so nobody mutates them.
``build`` is the world test_snapshots.py saves and loads itself, and tests/state_fixtures.py writes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .catalogs import (
    COMEDY,
    HORROR,
    ITEM_ROWS,
    PURCHASES,
    SHOP_ITEMS_SCHEMA,
    SHOP_USERS_SCHEMA,
    USER_ROWS,
    ActionGroup,
    add_dataset,
)
from .conftest import ROLE_ARN, Clients
from .datagen import START, video_events, video_items
from .helpers import active_version, domain_group, loaded_group, popularity_campaign, recommender, small_rows
from .workflow import NEXT_BEST_ACTION, USER_PERSONALIZATION, deploy, recommended, wait


@dataclass(frozen=True)
class Shop:
    group_arn: str
    campaign: str
    # The campaign's unfiltered answer, every item of the catalog best first (popularity: the same for everybody).
    everything: list[str]


def build_shop(c: Clients) -> Shop:
    """A group with Interactions (user-0 bought two popular comedies), Items and Users, and a popularity campaign."""
    group = loaded_group(c, "shop", rows=small_rows() + PURCHASES)
    add_dataset(c, group.dataset_group_arn, "Items", SHOP_ITEMS_SCHEMA, ITEM_ROWS)
    add_dataset(c, group.dataset_group_arn, "Users", SHOP_USERS_SCHEMA, USER_ROWS)
    campaign = popularity_campaign(c, group.dataset_group_arn)
    everything = [i["itemId"] for i in c.runtime.get_recommendations(campaignArn=campaign, userId="user-0", numResults=500)["itemList"]]
    assert sorted(everything) == sorted(COMEDY + HORROR)
    return Shop(group.dataset_group_arn, campaign, everything)


# Every family of resource (snapshots, saved-state fixtures) ------------------------------------------


WATCHED = 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("watch")'
USERS = [f"user-{u}" for u in range(6)]
# List operation -> (its member, the describe that takes each listed ARN, the ARN's key, the describe's member).
LISTS: dict[str, tuple[str, str, str, str]] = {
    "list_schemas": ("schemas", "describe_schema", "schemaArn", "schema"),
    "list_dataset_groups": ("datasetGroups", "describe_dataset_group", "datasetGroupArn", "datasetGroup"),
    "list_datasets": ("datasets", "describe_dataset", "datasetArn", "dataset"),
    "list_dataset_import_jobs": ("datasetImportJobs", "describe_dataset_import_job", "datasetImportJobArn", "datasetImportJob"),
    "list_solutions": ("solutions", "describe_solution", "solutionArn", "solution"),
    "list_solution_versions": ("solutionVersions", "describe_solution_version", "solutionVersionArn", "solutionVersion"),
    "list_campaigns": ("campaigns", "describe_campaign", "campaignArn", "campaign"),
    "list_filters": ("Filters", "describe_filter", "filterArn", "filter"),
    "list_event_trackers": ("eventTrackers", "describe_event_tracker", "eventTrackerArn", "eventTracker"),
    "list_recommenders": ("recommenders", "describe_recommender", "recommenderArn", "recommender"),
    "list_metric_attributions": ("metricAttributions", "describe_metric_attribution", "metricAttributionArn", "metricAttribution"),
    "list_dataset_export_jobs": ("datasetExportJobs", "describe_dataset_export_job", "datasetExportJobArn", "datasetExportJob"),
    "list_batch_inference_jobs": ("batchInferenceJobs", "describe_batch_inference_job", "batchInferenceJobArn", "batchInferenceJob"),
}


@dataclass(frozen=True)
class World:
    group_arn: str
    campaign_arn: str
    popular_arn: str
    version_arns: tuple[str, ...]
    filter_arn: str
    tracking_id: str
    recommender_arn: str


def build(c: Clients) -> tuple[World, list[str]]:
    """A custom group (User-Personalization and popularity campaigns, a filter, a tracker) and a video group
    whose recommender is stopped; also what the recommender answered before it stopped."""
    p = c.personalize
    group = loaded_group(c)
    version = active_version(c, group.dataset_group_arn, name="personal", recipe=USER_PERSONALIZATION)
    campaign = deploy(c, version, name="personal", tags=[{"tagKey": "team", "tagValue": "search"}])
    tracker = p.create_event_tracker(name="tracker", datasetGroupArn=group.dataset_group_arn)
    wait(lambda: p.describe_event_tracker(eventTrackerArn=tracker["eventTrackerArn"])["eventTracker"])
    c.events.put_events(  # recorded events are data too: user-5 (a horror fan) now watches comedies
        trackingId=tracker["trackingId"], userId="user-5", sessionId="s",
        eventList=[{"eventId": f"e{k}", "eventType": "watch", "itemId": f"comedy-{k}", "sentAt": START + 10_000_000 + k} for k in range(8)],
    )
    popular = popularity_campaign(c, group.dataset_group_arn)  # trained on the imported and the recorded
    filter_arn = p.create_filter(name="unwatched", datasetGroupArn=group.dataset_group_arn, filterExpression=WATCHED)["filterArn"]
    wait(lambda: p.describe_filter(filterArn=filter_arn)["filter"])
    p.update_campaign(campaignArn=campaign, minProvisionedTPS=2)
    attribution = p.create_metric_attribution(
        name="watches", datasetGroupArn=group.dataset_group_arn, metricsOutputConfig={"roleArn": ROLE_ARN},
        metrics=[{"eventType": "watch", "metricName": "WATCHES", "expression": "SAMPLECOUNT()"}],
    )["metricAttributionArn"]
    wait(lambda: p.describe_metric_attribution(metricAttributionArn=attribution)["metricAttribution"])
    export = p.create_dataset_export_job(
        jobName="export", datasetArn=group.dataset_arn, roleArn=ROLE_ARN, ingestionMode="BULK",
        jobOutput={"s3DataDestination": {"path": "s3://personalize-data/exports/"}},
    )["datasetExportJobArn"]
    wait(lambda: p.describe_dataset_export_job(datasetExportJobArn=export)["datasetExportJob"])
    c.s3.put_object(Bucket="personalize-data", Key="batch/users.json", Body=b'{"userId": "user-1"}\n{"userId": "user-2"}\n')
    batch = p.create_batch_inference_job(
        jobName="batch", solutionVersionArn=version, roleArn=ROLE_ARN,
        jobInput={"s3DataSource": {"path": "s3://personalize-data/batch/users.json"}},
        jobOutput={"s3DataDestination": {"path": "s3://personalize-data/batch/out/"}},
    )["batchInferenceJobArn"]
    wait(lambda: p.describe_batch_inference_job(batchInferenceJobArn=batch)["batchInferenceJob"])
    video = domain_group(c, "VIDEO_ON_DEMAND", video_events(), video_items())
    top_picks = recommender(c, video, "aws-vod-top-picks")["recommenderArn"]
    picked = top_picks_for(c, top_picks)
    p.stop_recommender(recommenderArn=top_picks)
    versions = tuple(v["solutionVersionArn"] for v in p.list_solution_versions()["solutionVersions"])
    world = World(group.dataset_group_arn, campaign, popular, versions, filter_arn, tracker["trackingId"], top_picks)
    return world, picked


def top_picks_for(c: Clients, recommender_arn: str) -> list[str]:
    answer = c.runtime.get_recommendations(recommenderArn=recommender_arn, userId="user-1", numResults=10)
    return [item["itemId"] for item in answer["itemList"]]


def observe(c: Clients, world: World) -> dict[str, Any]:
    """What a user sees of the world: every list and describe, tags, metrics and answers."""
    p, seen = c.personalize, {}
    for operation, (member, describe, key, described) in LISTS.items():
        listed = getattr(p, operation)()[member]
        seen[operation] = listed
        seen[describe] = [getattr(p, describe)(**{key: entry[key]})[described] for entry in listed]
    seen["tags"] = p.list_tags_for_resource(resourceArn=world.campaign_arn)["tags"]
    seen["metrics"] = [p.get_solution_metrics(solutionVersionArn=arn)["metrics"] for arn in world.version_arns]
    seen["personal"] = {user: recommended(c, world.campaign_arn, user) for user in USERS}
    seen["popular"] = recommended(c, world.popular_arn, "user-0")
    seen["filtered"] = {
        user: [i["itemId"] for i in c.runtime.get_recommendations(campaignArn=world.campaign_arn, userId=user, filterArn=world.filter_arn)["itemList"]]
        for user in USERS
    }
    return seen


def action_campaign(c: Clients, group: ActionGroup, name: str = "nba", **options: Any) -> str:
    version = active_version(c, group.group.dataset_group_arn, name=name, recipe=NEXT_BEST_ACTION, **options)
    return deploy(c, version, name=name)
