"""Metric attributions: what attributed events add up to, by source and 15-minute window, in CloudWatch and S3."""
from __future__ import annotations

import csv
import io
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from .conftest import INTERACTIONS_FIELDS, ROLE_ARN, Clients, avro
from .datagen import to_csv
from .helpers import fails, popularity_campaign, small_rows
from .test_recorded_data import tracker_of
from .workflow import create_group, import_csv, wait

NAMESPACE = "AWS/Personalize"
UNDEFINED = "SOURCE_NAME_UNDEFINED"
BUCKET = "reports"
INTERACTIONS = avro("Interactions", [*INTERACTIONS_FIELDS, {"name": "EVENT_VALUE", "type": ["null", "float"]}])
ITEMS = avro("Items", [{"name": "ITEM_ID", "type": "string"}, {"name": "PRICE", "type": ["null", "double"]}, {"name": "GENRE", "type": ["null", "string"], "categorical": True}])
PRICES = {f"{taste}-{i}": float(i + 1) for taste in ("comedy", "horror") for i in range(40)}
WATCHES = {"eventType": "watch", "metricName": "WATCHES", "expression": "SAMPLECOUNT()"}
REVENUE = {"eventType": "watch", "metricName": "REVENUE", "expression": "SUM(Items.PRICE)"}
VALUE = {"eventType": "click", "metricName": "CLICK_VALUE", "expression": "SUM(Interactions.EVENT_VALUE)"}


def window_of(moment: float) -> datetime:
    """The 15-minute window ``moment`` falls in, as CloudWatch's datapoints show it."""
    return datetime.fromtimestamp(int(moment) // 900 * 900, timezone.utc)


def shop(c: Clients, name: str = "shop") -> tuple[str, str]:
    """A group with interactions (and EVENT_VALUE) and items with a PRICE; its ARN and its Items dataset's."""
    group = create_group(c, name, schema=INTERACTIONS)
    assert import_csv(c, group.dataset_arn, to_csv(small_rows()), key=f"{name}.csv", job=f"{name}-import")["status"] == "ACTIVE"
    p = c.personalize
    schema_arn = p.create_schema(name=f"{name}-items", schema=ITEMS)["schemaArn"]
    items_arn = p.create_dataset(name=f"{name}-items", schemaArn=schema_arn, datasetGroupArn=group.dataset_group_arn, datasetType="Items")["datasetArn"]
    wait(lambda: p.describe_dataset(datasetArn=items_arn)["dataset"])
    rows = [{"ITEM_ID": item, "PRICE": price, "GENRE": item.split("-")[0]} for item, price in PRICES.items()]
    assert import_csv(c, items_arn, to_csv(rows), key=f"{name}-items.csv", job=f"{name}-items")["status"] == "ACTIVE"
    return group.dataset_group_arn, items_arn


def attribute(c: Clients, group_arn: str, metrics: list[dict[str, str]], path: str | None = None, name: str = "impact") -> str:
    output: dict[str, Any] = {"roleArn": ROLE_ARN}
    if path:
        output["s3DataDestination"] = {"path": path}
    arn = c.personalize.create_metric_attribution(name=name, datasetGroupArn=group_arn, metrics=metrics, metricsOutputConfig=output)["metricAttributionArn"]
    assert wait(lambda: c.personalize.describe_metric_attribution(metricAttributionArn=arn)["metricAttribution"])["status"] == "ACTIVE"
    return arn


def event(item: str, sent: float, event_type: str = "watch", **members: Any) -> dict[str, Any]:
    return {"eventType": event_type, "itemId": item, "sentAt": datetime.fromtimestamp(sent, timezone.utc), **members}


def statistics(c: Clients, metric: str, source: str, around: float) -> dict[datetime, dict[str, float]]:
    """The metric's Sum and SampleCount for ``source`` by 15-minute window, around ``around``."""
    points = c.cloudwatch.get_metric_statistics(
        Namespace=NAMESPACE,
        MetricName=metric,
        Dimensions=[{"Name": "EventAttributionSource", "Value": source}],
        StartTime=datetime.fromtimestamp(around, timezone.utc) - timedelta(days=1),
        EndTime=datetime.fromtimestamp(around, timezone.utc) + timedelta(days=1),
        Period=900,
        Statistics=["Sum", "SampleCount"],
    )["Datapoints"]
    return {p["Timestamp"]: {"Sum": p["Sum"], "SampleCount": p["SampleCount"]} for p in points}


def sources_of(c: Clients, metric: str) -> set[str]:
    listed = c.cloudwatch.list_metrics(Namespace=NAMESPACE, MetricName=metric)["Metrics"]
    return {d["Value"] for m in listed for d in m["Dimensions"] if d["Name"] == "EventAttributionSource"}


def test_attributed_put_events_reach_cloudwatch(aws: Clients) -> None:
    group_arn, _ = shop(aws)
    campaign_arn = popularity_campaign(aws, group_arn)
    recommendation_id = aws.runtime.get_recommendations(campaignArn=campaign_arn, userId="user-0")["recommendationId"]
    tracking_id = tracker_of(aws, group_arn)
    attribute(aws, group_arn, [WATCHES, REVENUE, VALUE])

    now = time.time()
    window = now // 900 * 900 + 60  # well inside one window
    aws.events.put_events(trackingId=tracking_id, userId="u-1", sessionId="s-1", eventList=[
        event("comedy-4", window, recommendationId=recommendation_id),
        event("horror-9", window + 1, recommendationId=recommendation_id),
        event("comedy-1", window + 2, metricAttribution={"eventAttributionSource": "partner"}),
        event("comedy-2", window + 3),
        event("comedy-3", window + 4, "click", eventValue=2.5, metricAttribution={"eventAttributionSource": "partner"}),
    ])
    # Another call in the same window, and one in the window before: each window adds up its own events.
    aws.events.put_events(trackingId=tracking_id, userId="u-2", sessionId="s-2", eventList=[
        event("comedy-1", window + 5, recommendationId=recommendation_id),
        event("comedy-1", window - 900, recommendationId=recommendation_id),
    ])

    assert sources_of(aws, "WATCHES") == {campaign_arn, "partner", UNDEFINED}
    assert sources_of(aws, "CLICK_VALUE") == {"partner"}
    this, before = window_of(window), window_of(window - 900)
    assert statistics(aws, "WATCHES", campaign_arn, now) == {this: {"Sum": 3.0, "SampleCount": 3.0}, before: {"Sum": 1.0, "SampleCount": 1.0}}
    assert statistics(aws, "REVENUE", campaign_arn, now)[this] == {"Sum": PRICES["comedy-4"] + PRICES["horror-9"] + PRICES["comedy-1"], "SampleCount": 3.0}
    assert statistics(aws, "WATCHES", "partner", now) == {this: {"Sum": 1.0, "SampleCount": 1.0}}
    assert statistics(aws, "CLICK_VALUE", "partner", now) == {this: {"Sum": 2.5, "SampleCount": 1.0}}


def test_only_events_after_the_attribution_and_younger_than_14_days_are_reported(aws: Clients) -> None:
    group_arn, _ = shop(aws)
    tracking_id = tracker_of(aws, group_arn)
    now = time.time()
    source = {"metricAttribution": {"eventAttributionSource": "partner"}}
    aws.events.put_events(trackingId=tracking_id, userId="u", sessionId="s", eventList=[event("comedy-1", now, **source)])
    arn = attribute(aws, group_arn, [WATCHES])
    assert sources_of(aws, "WATCHES") == set()

    aws.events.put_events(trackingId=tracking_id, userId="u", sessionId="s", eventList=[
        event("comedy-2", now - 15 * 86400, **source), event("comedy-3", now, **source),
    ])
    assert statistics(aws, "WATCHES", "partner", now) == {window_of(now): {"Sum": 1.0, "SampleCount": 1.0}}

    # Deleted, it reports no more.
    aws.personalize.delete_metric_attribution(metricAttributionArn=arn)
    aws.events.put_events(trackingId=tracking_id, userId="u", sessionId="s", eventList=[event("comedy-4", now, **source)])
    assert statistics(aws, "WATCHES", "partner", now) == {window_of(now): {"Sum": 1.0, "SampleCount": 1.0}}


def test_cloudwatch_sees_the_metrics_behind_the_server(remote: Clients) -> None:
    group = create_group(remote, "served")
    assert import_csv(remote, group.dataset_arn, to_csv(small_rows()))["status"] == "ACTIVE"
    tracking_id = tracker_of(remote, group.dataset_group_arn)
    attribute(remote, group.dataset_group_arn, [WATCHES])
    now = time.time()
    remote.events.put_events(trackingId=tracking_id, userId="u", sessionId="s", eventList=[
        event("comedy-1", now, metricAttribution={"eventAttributionSource": "newsletter"}),
        event("comedy-2", now, metricAttribution={"eventAttributionSource": "newsletter"}),
    ])
    assert sources_of(remote, "WATCHES") == {"newsletter"}
    assert statistics(remote, "WATCHES", "newsletter", now) == {window_of(now): {"Sum": 2.0, "SampleCount": 2.0}}


def bulk_rows(at: float, count: int = 1000) -> list[dict[str, object]]:
    """``count`` watches of comedy-0..9 in one window, the first 100 attributed to a partner, the rest to nobody."""
    return [
        {"USER_ID": f"user-{k % 50}", "ITEM_ID": f"comedy-{k % 10}", "EVENT_TYPE": "watch", "TIMESTAMP": int(at) + k % 60,
         "EVENT_ATTRIBUTION_SOURCE": "partner" if k < 100 else ""}
        for k in range(count)
    ]


ATTRIBUTED = avro("Interactions", [*INTERACTIONS_FIELDS, {"name": "EVENT_ATTRIBUTION_SOURCE", "type": ["null", "string"]}])


def import_rows(c: Clients, dataset_arn: str, rows: list[dict[str, object]], name: str, mode: str, publish: bool) -> dict[str, Any]:
    c.s3.put_object(Bucket="personalize-data", Key=f"{name}.csv", Body=to_csv(rows))
    arn = c.personalize.create_dataset_import_job(
        jobName=name, datasetArn=dataset_arn, dataSource={"dataLocation": f"s3://personalize-data/{name}.csv"}, roleArn=ROLE_ARN,
        importMode=mode, publishAttributionMetricsToS3=publish,
    )["datasetImportJobArn"]
    return wait(lambda: c.personalize.describe_dataset_import_job(datasetImportJobArn=arn)["datasetImportJob"])


def reports(c: Clients) -> dict[str, list[dict[str, str]]]:
    found = {}
    for listed in c.s3.list_objects_v2(Bucket=BUCKET, Prefix="metrics/").get("Contents", []):
        text = c.s3.get_object(Bucket=BUCKET, Key=listed["Key"])["Body"].read().decode()
        found[listed["Key"]] = list(csv.DictReader(io.StringIO(text)))
    return found


def test_bulk_imports_publish_a_report_to_s3_and_incremental_ones_to_cloudwatch(aws: Clients) -> None:
    group = create_group(aws, "bulk", schema=ATTRIBUTED)
    assert import_csv(aws, group.dataset_arn, to_csv(small_rows()))["status"] == "ACTIVE"
    aws.s3.create_bucket(Bucket=BUCKET)
    attribute(aws, group.dataset_group_arn, [WATCHES], path=f"s3://{BUCKET}/metrics")
    now = time.time()
    at = now // 900 * 900

    full = import_rows(aws, group.dataset_arn, bulk_rows(at - 3600), "full", "FULL", publish=True)
    assert full["status"] == "ACTIVE", full.get("failureReason")
    assert sources_of(aws, "WATCHES") == set()  # full imports go to S3 only
    (key, rows), = reports(aws).items()
    assert key.startswith("metrics/AggregatedAttributionMetrics - FULL - ") and key.endswith(".csv")
    assert sorted(rows, key=lambda row: row["VALUE"]) == [
        {"METRIC_NAME": "WATCHES", "EVENT_TYPE": "watch", "VALUE": "100.0", "MATH_FUNCTION": "samplecount",
         "EVENT_ATTRIBUTION_SOURCE": "partner", "TIMESTAMP": str(int(at - 3600))},
        {"METRIC_NAME": "WATCHES", "EVENT_TYPE": "watch", "VALUE": "900.0", "MATH_FUNCTION": "samplecount",
         "EVENT_ATTRIBUTION_SOURCE": UNDEFINED, "TIMESTAMP": str(int(at - 3600))},
    ]

    incremental = import_rows(aws, group.dataset_arn, bulk_rows(at), "incremental", "INCREMENTAL", publish=False)
    assert incremental["status"] == "ACTIVE", incremental.get("failureReason")
    assert len(reports(aws)) == 1  # not asked to publish to S3
    assert statistics(aws, "WATCHES", "partner", now) == {window_of(at): {"Sum": 100.0, "SampleCount": 100.0}}
    assert statistics(aws, "WATCHES", UNDEFINED, now) == {window_of(at): {"Sum": 900.0, "SampleCount": 900.0}}


def test_publishing_to_s3_needs_an_attribution_with_a_path(aws: Clients) -> None:
    group = create_group(aws, "plain")
    aws.s3.create_bucket(Bucket="personalize-data")
    aws.s3.put_object(Bucket="personalize-data", Key="rows.csv", Body=to_csv(small_rows()))
    request = dict(jobName="publish", datasetArn=group.dataset_arn, dataSource={"dataLocation": "s3://personalize-data/rows.csv"},
                   roleArn=ROLE_ARN, publishAttributionMetricsToS3=True)
    assert "publishAttributionMetricsToS3" in fails("InvalidInputException", aws.personalize.create_dataset_import_job, **request)
    attribute(aws, group.dataset_group_arn, [WATCHES])  # no s3DataDestination
    assert "publishAttributionMetricsToS3" in fails("InvalidInputException", aws.personalize.create_dataset_import_job, **request)


def test_a_hundred_event_attribution_sources_at_most(aws: Clients) -> None:
    group_arn, _ = shop(aws)
    tracking_id = tracker_of(aws, group_arn)
    attribute(aws, group_arn, [WATCHES])
    now = time.time()
    for call in range(10):
        aws.events.put_events(trackingId=tracking_id, userId="u", sessionId="s", eventList=[
            event("comedy-1", now + call * 10 + k, metricAttribution={"eventAttributionSource": f"source-{call * 10 + k}"}) for k in range(10)
        ])
    known = {"metricAttribution": {"eventAttributionSource": "source-7"}}
    extra = {"metricAttribution": {"eventAttributionSource": "source-100"}}
    message = fails("InvalidInputException", aws.events.put_events, trackingId=tracking_id, userId="u", sessionId="s",
                    eventList=[event("comedy-2", now, **known), event("comedy-3", now, **extra)])
    assert "eventList.2.member.metricAttribution.eventAttributionSource" in message and "100" in message
    aws.events.put_events(trackingId=tracking_id, userId="u", sessionId="s", eventList=[event("comedy-4", now, **known)])


def test_create_describe_list_update_delete(aws: Clients) -> None:
    group_arn, _ = shop(aws)
    p = aws.personalize
    aws.s3.create_bucket(Bucket=BUCKET)
    arn = attribute(aws, group_arn, [WATCHES, REVENUE], path=f"s3://{BUCKET}/metrics/")
    assert arn.endswith(":metric-attribution/impact")
    described = p.describe_metric_attribution(metricAttributionArn=arn)["metricAttribution"]
    assert (described["name"], described["datasetGroupArn"], described["status"]) == ("impact", group_arn, "ACTIVE")
    assert described["metricsOutputConfig"] == {"roleArn": ROLE_ARN, "s3DataDestination": {"path": f"s3://{BUCKET}/metrics/"}}
    assert [a["metricAttributionArn"] for a in p.list_metric_attributions(datasetGroupArn=group_arn)["metricAttributions"]] == [arn]
    assert p.list_metric_attributions(datasetGroupArn=f"{group_arn}-other")["metricAttributions"] == []
    assert p.list_metric_attribution_metrics(metricAttributionArn=arn)["metrics"] == [WATCHES, REVENUE]
    first = p.list_metric_attribution_metrics(metricAttributionArn=arn, maxResults=1)
    assert first["metrics"] == [WATCHES]
    assert p.list_metric_attribution_metrics(metricAttributionArn=arn, nextToken=first["nextToken"])["metrics"] == [REVENUE]

    p.update_metric_attribution(metricAttributionArn=arn, removeMetrics=["REVENUE"], addMetrics=[VALUE],
                                metricsOutputConfig={"roleArn": ROLE_ARN})
    assert p.list_metric_attribution_metrics(metricAttributionArn=arn)["metrics"] == [WATCHES, VALUE]
    assert p.describe_metric_attribution(metricAttributionArn=arn)["metricAttribution"]["metricsOutputConfig"] == {"roleArn": ROLE_ARN}

    # One a group; the group can't go while it has one.
    fails("ResourceAlreadyExistsException", p.create_metric_attribution, name="second", datasetGroupArn=group_arn, metrics=[WATCHES],
          metricsOutputConfig={"roleArn": ROLE_ARN})
    for dataset in p.list_datasets(datasetGroupArn=group_arn)["datasets"]:
        p.delete_dataset(datasetArn=dataset["datasetArn"])
    assert "metric attribution" in fails("ResourceInUseException", p.delete_dataset_group, datasetGroupArn=group_arn)
    p.delete_metric_attribution(metricAttributionArn=arn)
    fails("ResourceNotFoundException", p.describe_metric_attribution, metricAttributionArn=arn)
    assert p.list_metric_attributions()["metricAttributions"] == []
    p.delete_dataset_group(datasetGroupArn=group_arn)


@pytest.mark.parametrize(
    "metric, needle",
    [
        ({"eventType": "watch", "metricName": "M", "expression": "AVG(Items.PRICE)"}, "metrics.1.member.expression"),
        ({"eventType": "watch", "metricName": "M", "expression": "SUM(Users.AGE)"}, "Users"),
        ({"eventType": "watch", "metricName": "M", "expression": "SUM(Items.GENRE)"}, "GENRE is not a numerical field"),
        ({"eventType": "watch", "metricName": "M", "expression": "SUM(Items.COST)"}, "PRICE"),
        ({"eventType": "watch", "metricName": "M", "expression": "SUM(Interactions.USER_ID)"}, "EVENT_VALUE"),
        ({"eventType": "", "metricName": "M", "expression": "SAMPLECOUNT()"}, "metrics.1.member.eventType"),
    ],
)
def test_bad_metrics_are_refused(aws: Clients, metric: dict[str, str], needle: str) -> None:
    group_arn, _ = shop(aws)
    message = fails("InvalidInputException", aws.personalize.create_metric_attribution, name="bad", datasetGroupArn=group_arn,
                    metrics=[metric], metricsOutputConfig={"roleArn": ROLE_ARN})
    assert needle in message


def test_what_a_group_needs_first(aws: Clients) -> None:
    p = aws.personalize
    group = create_group(aws, "bare")
    # SUM(Items...) needs item metadata; an expression reads in any case.
    schema_arn = p.create_schema(name="bare-items", schema=ITEMS)["schemaArn"]
    p.create_dataset(name="bare-items", schemaArn=schema_arn, datasetGroupArn=group.dataset_group_arn, datasetType="Items")
    message = fails("InvalidInputException", p.create_metric_attribution, name="early", datasetGroupArn=group.dataset_group_arn,
                    metrics=[REVENUE], metricsOutputConfig={"roleArn": ROLE_ARN})
    assert "import item metadata" in message
    assert "metricsOutputConfig.s3DataDestination.path" in fails(
        "InvalidInputException", p.create_metric_attribution, name="web", datasetGroupArn=group.dataset_group_arn,
        metrics=[WATCHES], metricsOutputConfig={"roleArn": ROLE_ARN, "s3DataDestination": {"path": "https://example.com/"}})
    p.create_metric_attribution(name="counts", datasetGroupArn=group.dataset_group_arn, metricsOutputConfig={"roleArn": ROLE_ARN},
                                metrics=[{"eventType": "watch", "metricName": "W", "expression": "samplecount( )"}])

    no_events = avro("Interactions", [f for f in INTERACTIONS_FIELDS if f["name"] != "EVENT_TYPE"])
    other = create_group(aws, "typeless", schema=no_events)
    assert "EVENT_TYPE" in fails("InvalidInputException", p.create_metric_attribution, name="typeless", datasetGroupArn=other.dataset_group_arn,
                                 metrics=[WATCHES], metricsOutputConfig={"roleArn": ROLE_ARN})


def test_bad_updates_are_refused(aws: Clients) -> None:
    group_arn, _ = shop(aws)
    p = aws.personalize
    arn = attribute(aws, group_arn, [WATCHES])
    assert "removeMetrics.1" in fails("InvalidInputException", p.update_metric_attribution, metricAttributionArn=arn, removeMetrics=["NOPE"])
    fails("ResourceAlreadyExistsException", p.update_metric_attribution, metricAttributionArn=arn, addMetrics=[WATCHES])
    many = [{"eventType": "watch", "metricName": f"M{i}", "expression": "SAMPLECOUNT()"} for i in range(10)]
    assert "10" in fails("InvalidInputException", p.update_metric_attribution, metricAttributionArn=arn, addMetrics=many)
    fails("InvalidInputException", p.update_metric_attribution, metricAttributionArn=arn)
    assert "metricAttributionArn" in fails("InvalidInputException", p.update_metric_attribution, addMetrics=[VALUE])
    assert "metricAttributionArn" in fails("InvalidInputException", p.list_metric_attribution_metrics)
    fails("ResourceNotFoundException", p.update_metric_attribution, metricAttributionArn=f"{arn}-gone", addMetrics=[VALUE])


def test_statuses_move_as_described(manual: Clients) -> None:
    group = create_group(manual, "slow")
    p = manual.personalize
    arn = p.create_metric_attribution(name="slow", datasetGroupArn=group.dataset_group_arn, metrics=[WATCHES],
                                      metricsOutputConfig={"roleArn": ROLE_ARN})["metricAttributionArn"]
    fails("ResourceInUseException", p.update_metric_attribution, metricAttributionArn=arn, addMetrics=[VALUE])
    seen = [p.describe_metric_attribution(metricAttributionArn=arn)["metricAttribution"]["status"] for _ in range(4)]
    assert seen == ["CREATE PENDING", "CREATE IN_PROGRESS", "CREATE IN_PROGRESS", "ACTIVE"]
    p.delete_metric_attribution(metricAttributionArn=arn)
    assert p.describe_metric_attribution(metricAttributionArn=arn)["metricAttribution"]["status"] == "DELETE PENDING"
