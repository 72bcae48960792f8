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
from .tracking import tracker_of
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
# The service's measuring-impact sample: its Items schema and its metrics, as it writes them.
SAMPLE_ITEMS = avro("Items", [{"name": "ITEM_ID", "type": "string"}, {"name": "PRICE", "type": "float"}, {"name": "MARGIN", "type": "double"}])
COUNT_VIEWS = {"eventType": "View", "expression": "SAMPLECOUNT()", "metricName": "countViews"}
SUM_MARGIN = {"eventType": "Purchase", "expression": "SUM(ITEMS.MARGIN)", "metricName": "sumMargin"}
MARGINS = {f"comedy-{i}": 0.25 * (i + 1) for i in range(40)}


def window_of(moment: float) -> datetime:
    """The 15-minute window ``moment`` falls in, as CloudWatch's datapoints show it."""
    return datetime.fromtimestamp(int(moment) // 900 * 900, timezone.utc)


def shop(c: Clients, name: str = "shop") -> tuple[str, str]:
    """A group with interactions (and EVENT_VALUE) and items with a PRICE; its ARN and its Items dataset's."""
    group = create_group(c, name, schema=INTERACTIONS)
    assert import_csv(c, group.dataset_arn, to_csv(small_rows()), key=f"{name}.csv", job=f"{name}-import")["status"] == "ACTIVE"
    items_arn = items_dataset(c, group.dataset_group_arn, name, ITEMS)
    rows = [{"ITEM_ID": item, "PRICE": price, "GENRE": item.split("-")[0]} for item, price in PRICES.items()]
    assert import_csv(c, items_arn, to_csv(rows), key=f"{name}-items.csv", job=f"{name}-items")["status"] == "ACTIVE"
    return group.dataset_group_arn, items_arn


def items_dataset(c: Clients, group_arn: str, name: str, schema: str) -> str:
    """An empty Items dataset of ``schema`` in the group; its ARN."""
    p = c.personalize
    schema_arn = p.create_schema(name=f"{name}-items", schema=schema)["schemaArn"]
    items_arn = p.create_dataset(name=f"{name}-items", schemaArn=schema_arn, datasetGroupArn=group_arn, datasetType="Items")["datasetArn"]
    wait(lambda: p.describe_dataset(datasetArn=items_arn)["dataset"])
    return items_arn


def attribute(c: Clients, group_arn: str, metrics: list[dict[str, str]], path: str | None = None, name: str = "impact") -> str:
    output: dict[str, Any] = {"roleArn": ROLE_ARN}
    if path:
        output["s3DataDestination"] = {"path": path}
    arn = c.personalize.create_metric_attribution(name=name, datasetGroupArn=group_arn, metrics=metrics, metricsOutputConfig=output)["metricAttributionArn"]
    assert wait(lambda: c.personalize.describe_metric_attribution(metricAttributionArn=arn)["metricAttribution"])["status"] == "ACTIVE"
    return arn


def event(item: str, sent: float, event_type: str = "watch", **members: Any) -> dict[str, Any]:
    return {"eventType": event_type, "itemId": item, "sentAt": datetime.fromtimestamp(sent, timezone.utc), **members}


def dimensions(group_arn: str, source: str) -> list[dict[str, str]]:
    """A metric's dimensions, as the service's measuring-impact sample names them."""
    return [{"Name": "EventAttributionSource", "Value": source}, {"Name": "DatasetGroupArn", "Value": group_arn}]


def statistics(c: Clients, group_arn: str, metric: str, source: str, around: float) -> dict[datetime, dict[str, float]]:
    """The group's metric's Sum and SampleCount for ``source`` by 15-minute window, around ``around``."""
    points = c.cloudwatch.get_metric_statistics(
        Namespace=NAMESPACE,
        MetricName=metric,
        Dimensions=dimensions(group_arn, source),
        StartTime=datetime.fromtimestamp(around, timezone.utc) - timedelta(days=1),
        EndTime=datetime.fromtimestamp(around, timezone.utc) + timedelta(days=1),
        Period=900,
        Statistics=["Sum", "SampleCount"],
    )["Datapoints"]
    return {p["Timestamp"]: {"Sum": p["Sum"], "SampleCount": p["SampleCount"]} for p in points}


def metric_values(c: Clients, group_arn: str, metric: str, source: str, around: float) -> dict[datetime, float]:
    """The metric's Sum by 15-minute window, read back as the sample reads it: get_metric_data, exact names and dimensions."""
    start = window_of(around) - timedelta(hours=1)
    result = c.cloudwatch.get_metric_data(
        StartTime=start,
        EndTime=start + timedelta(hours=2),
        MetricDataQueries=[{
            "Id": "q1",
            "MetricStat": {
                "Metric": {"Namespace": NAMESPACE, "MetricName": metric, "Dimensions": dimensions(group_arn, source)},
                "Period": 900,
                "Stat": "Sum",
            },
        }],
    )["MetricDataResults"][0]
    return dict(zip(result["Timestamps"], result["Values"]))


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

    # Sources given by name go upper case; a campaign's ARN keeps its case.
    assert sources_of(aws, "WATCHES") == {campaign_arn, "PARTNER", UNDEFINED}
    assert sources_of(aws, "CLICK_VALUE") == {"PARTNER"}
    this, before = window_of(window), window_of(window - 900)
    assert statistics(aws, group_arn, "WATCHES", campaign_arn, now) == {this: {"Sum": 3.0, "SampleCount": 3.0}, before: {"Sum": 1.0, "SampleCount": 1.0}}
    assert statistics(aws, group_arn, "REVENUE", campaign_arn, now)[this] == {"Sum": PRICES["comedy-4"] + PRICES["horror-9"] + PRICES["comedy-1"], "SampleCount": 3.0}
    assert statistics(aws, group_arn, "WATCHES", "PARTNER", now) == {this: {"Sum": 1.0, "SampleCount": 1.0}}
    assert statistics(aws, group_arn, "CLICK_VALUE", "PARTNER", now) == {this: {"Sum": 2.5, "SampleCount": 1.0}}


def test_the_sample_measures_its_recommendations_in_cloudwatch(aws: Clients) -> None:
    # The service's measuring-impact sample: the attribution comes before any import, as the guide advises;
    # then the data, then events attributed to "recommended_for_you", read back from CloudWatch under the
    # metric's name and the source in upper case, with the group's ARN.
    group = create_group(aws, "impact")
    items_arn = items_dataset(aws, group.dataset_group_arn, "impact", SAMPLE_ITEMS)
    attribute(aws, group.dataset_group_arn, [COUNT_VIEWS, SUM_MARGIN])
    item_rows = [{"ITEM_ID": item, "PRICE": 9.99, "MARGIN": margin} for item, margin in MARGINS.items()]
    assert import_csv(aws, items_arn, to_csv(item_rows), key="impact-items.csv", job="impact-items")["status"] == "ACTIVE"
    assert import_csv(aws, group.dataset_arn, to_csv(small_rows()), key="impact.csv", job="impact")["status"] == "ACTIVE"
    tracking_id = tracker_of(aws, group.dataset_group_arn)

    at = time.time() // 900 * 900 + 60
    source = {"metricAttribution": {"eventAttributionSource": "recommended_for_you"}}
    aws.events.put_events(trackingId=tracking_id, userId="555", sessionId="s", eventList=[
        event("comedy-1", at, "View", **source),
        event("comedy-2", at + 1, "View", **source),
        event("comedy-3", at + 2, "Purchase", **source),
        event("comedy-7", at + 3, "Purchase", **source),
        event("comedy-4", at + 4, "VIEW", **source),  # event types match in any case
        event("comedy-5", at + 5, "View", metricAttribution={"eventAttributionSource": "viewed_X_also_viewed"}),
    ])
    this = window_of(at)
    assert metric_values(aws, group.dataset_group_arn, "COUNTVIEWS", "RECOMMENDED_FOR_YOU", at) == {this: 3.0}
    assert metric_values(aws, group.dataset_group_arn, "SUMMARGIN", "RECOMMENDED_FOR_YOU", at) == {this: MARGINS["comedy-3"] + MARGINS["comedy-7"]}
    assert metric_values(aws, group.dataset_group_arn, "COUNTVIEWS", "VIEWED_X_ALSO_VIEWED", at) == {this: 1.0}
    # Nothing under the names as given.
    assert metric_values(aws, group.dataset_group_arn, "countViews", "recommended_for_you", at) == {}
    listed = aws.cloudwatch.list_metrics(Namespace=NAMESPACE)["Metrics"]
    assert {(m["MetricName"], frozenset((d["Name"], d["Value"]) for d in m["Dimensions"])) for m in listed} == {
        (name, frozenset((d["Name"], d["Value"]) for d in dimensions(group.dataset_group_arn, source)))
        for name, source in (("COUNTVIEWS", "RECOMMENDED_FOR_YOU"), ("SUMMARGIN", "RECOMMENDED_FOR_YOU"), ("COUNTVIEWS", "VIEWED_X_ALSO_VIEWED"))
    }


def test_sums_are_checked_against_the_schemas_before_any_data(aws: Clients) -> None:
    p = aws.personalize
    group = create_group(aws, "early", schema=INTERACTIONS)
    items_arn = items_dataset(aws, group.dataset_group_arn, "early", SAMPLE_ITEMS)
    output = {"roleArn": ROLE_ARN}
    for expression, needle in (
        ("SUM(Items.COST)", "COST is not a numerical field of the Items schema (its numerical fields: PRICE, MARGIN)"),
        ("SUM(Items.ITEM_ID)", "ITEM_ID is not a numerical field"),
        ("SUM(Interactions.EVENT_TYPE)", "(its numerical fields: TIMESTAMP, EVENT_VALUE)"),
    ):
        message = fails("InvalidInputException", p.create_metric_attribution, name="early", datasetGroupArn=group.dataset_group_arn,
                        metrics=[{"eventType": "Purchase", "metricName": "m", "expression": expression}], metricsOutputConfig=output)
        assert needle in message and "metrics.1.member.expression" in message, message
    # Columns are named in any case; the metric lists as it was given.
    named = [{"eventType": "Purchase", "metricName": "margin", "expression": "SUM(items.margin)"},
             {"eventType": "click", "metricName": "value", "expression": "sum(interactions.Event_Value)"}]
    arn = attribute(aws, group.dataset_group_arn, named, name="early")
    assert p.list_metric_attribution_metrics(metricAttributionArn=arn)["metrics"] == named

    item_rows = [{"ITEM_ID": item, "PRICE": 1.0, "MARGIN": margin} for item, margin in MARGINS.items()]
    assert import_csv(aws, items_arn, to_csv(item_rows), key="early-items.csv", job="early-items")["status"] == "ACTIVE"
    assert import_csv(aws, group.dataset_arn, to_csv(small_rows()), key="early.csv", job="early")["status"] == "ACTIVE"
    tracking_id = tracker_of(aws, group.dataset_group_arn)
    at = time.time() // 900 * 900 + 60
    aws.events.put_events(trackingId=tracking_id, userId="u", sessionId="s", eventList=[
        event("comedy-2", at, "Purchase"), event("comedy-9", at + 1, "Purchase"), event("comedy-1", at + 2, "click", eventValue=4.0),
    ])
    assert metric_values(aws, group.dataset_group_arn, "MARGIN", UNDEFINED, at) == {window_of(at): MARGINS["comedy-2"] + MARGINS["comedy-9"]}
    assert metric_values(aws, group.dataset_group_arn, "VALUE", UNDEFINED, at) == {window_of(at): 4.0}


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
    assert statistics(aws, group_arn, "WATCHES", "PARTNER", now) == {window_of(now): {"Sum": 1.0, "SampleCount": 1.0}}

    # Deleted, it reports no more.
    aws.personalize.delete_metric_attribution(metricAttributionArn=arn)
    aws.events.put_events(trackingId=tracking_id, userId="u", sessionId="s", eventList=[event("comedy-4", now, **source)])
    assert statistics(aws, group_arn, "WATCHES", "PARTNER", now) == {window_of(now): {"Sum": 1.0, "SampleCount": 1.0}}


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
    assert sources_of(remote, "WATCHES") == {"NEWSLETTER"}
    assert statistics(remote, group.dataset_group_arn, "WATCHES", "NEWSLETTER", now) == {window_of(now): {"Sum": 2.0, "SampleCount": 2.0}}


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
    # Named in upper case, as the guide's report shows them (COUNTWATCHES, WATCH).
    assert sorted(rows, key=lambda row: row["VALUE"]) == [
        {"METRIC_NAME": "WATCHES", "EVENT_TYPE": "WATCH", "VALUE": "100.0", "MATH_FUNCTION": "samplecount",
         "EVENT_ATTRIBUTION_SOURCE": "PARTNER", "TIMESTAMP": str(int(at - 3600))},
        {"METRIC_NAME": "WATCHES", "EVENT_TYPE": "WATCH", "VALUE": "900.0", "MATH_FUNCTION": "samplecount",
         "EVENT_ATTRIBUTION_SOURCE": UNDEFINED, "TIMESTAMP": str(int(at - 3600))},
    ]

    incremental = import_rows(aws, group.dataset_arn, bulk_rows(at), "incremental", "INCREMENTAL", publish=False)
    assert incremental["status"] == "ACTIVE", incremental.get("failureReason")
    assert len(reports(aws)) == 1  # not asked to publish to S3
    assert statistics(aws, group.dataset_group_arn, "WATCHES", "PARTNER", now) == {window_of(at): {"Sum": 100.0, "SampleCount": 100.0}}
    assert statistics(aws, group.dataset_group_arn, "WATCHES", UNDEFINED, now) == {window_of(at): {"Sum": 900.0, "SampleCount": 900.0}}


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
    assert p.list_datasets(datasetGroupArn=group_arn)["datasets"] == []  # observed: their deletes are done
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
    # SUM(Items...) needs an Items dataset; an expression reads in any case.
    assert "no Items dataset" in fails("InvalidInputException", p.create_metric_attribution, name="early", datasetGroupArn=group.dataset_group_arn,
                                       metrics=[REVENUE], metricsOutputConfig={"roleArn": ROLE_ARN})
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
