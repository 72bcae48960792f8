"""Metric attributions (measuring-recommendation-impact.md): Create, Describe, List, Update, Delete,
ListMetricAttributionMetrics; and the reports they make.

One attribution a dataset group, ten metrics at most, each an event type and SUM() or SAMPLECOUNT()
(data/attribution.py). Once it is ACTIVE it reports on what arrives after it: events of PutEvents
and rows of INCREMENTAL imports go to CloudWatch when they are less than 14 days old, and an
import with ``publishAttributionMetricsToS3`` writes ``AggregatedAttributionMetrics - <import mode> -
<epoch seconds>.csv`` under the attribution's S3 path. In CloudWatch a metric goes by its name in
upper case, in the namespace AWS/Personalize, with the dimensions EventAttributionSource (the source
in upper case, an ARN as it is) and DatasetGroupArn, as the service's measuring-impact sample reads
them back; each datum holds one 15-minute window's statistics, so Sum reads the metric's value and
SampleCount its events.

A metric's SUM() column is checked against the dataset's schema, not its data: the guide advises
creating the attribution before importing, so that the imports are measured.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Sequence

import pandas as pd

from ..data.attribution import (
    READ,
    SOURCE,
    Events,
    Metric,
    MetricError,
    aggregate,
    attributed_sources,
    events_of_frame,
    events_of_records,
    given_sources,
    metric_data,
    parse_metric,
    report_csv,
    source_beyond,
)
from ..data.cloudwatch import put_metric_data
from ..data.s3 import S3WriteError, output_folder
from ..data.schemas import dataset_label
from ..errors import InvalidInputException, ResourceAlreadyExistsException
from ..filters.records import records_of
from .core import BackendCore, Resource, now, paginate, require_s3_path
from .recommendation_ids import source_of
from .store import Store

if TYPE_CHECKING:
    from .campaigns import CampaignsService
    from .dataset_groups import DatasetGroupsService
    from .datasets import Dataset, DatasetImportJob, DatasetsService
    from .recommenders import RecommendersService

KIND = "metric-attribution"
NAMESPACE = "AWS/Personalize"
# limits.md: metrics a metric attribution reports, and distinct event attribution sources.
MAX_METRICS = 10
MAX_SOURCES = 100
# metric-attribution-requirements.md: "To publish metrics to CloudWatch, records must be less than 14 days old."
CLOUDWATCH_MAX_AGE = timedelta(days=14)


@dataclass(kw_only=True)
class MetricAttribution(Resource):
    dataset_group_arn: str
    metrics: list[Metric]
    output: dict[str, Any]
    # The eventAttributionSource values reported on so far.
    sources: set[str] = field(default_factory=set)

    @property
    def s3_path(self) -> str | None:
        return (self.output.get("s3DataDestination") or {}).get("path")

    def describe(self) -> dict[str, Any]:
        return {**self.summary(), "datasetGroupArn": self.dataset_group_arn, "metricsOutputConfig": self.output}

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "metricAttributionArn": self.arn,
            "status": self.status,
            "creationDateTime": self.creation_date_time,
            "lastUpdatedDateTime": self.last_updated_date_time,
            "failureReason": self.failure_reason,
        }


class MetricAttributionsService:
    """The metric attributions of one account and region, and the reports they make of recorded and imported data."""

    OPERATIONS: ClassVar[tuple[str, ...]] = (
        "CreateMetricAttribution",
        "DescribeMetricAttribution",
        "ListMetricAttributions",
        "ListMetricAttributionMetrics",
        "UpdateMetricAttribution",
        "DeleteMetricAttribution",
    )

    def __init__(
        self,
        core: BackendCore,
        groups: DatasetGroupsService,
        datasets: DatasetsService,
        campaigns: CampaignsService,
        recommenders: RecommendersService,
    ) -> None:
        self.core = core
        self.groups, self.datasets, self.campaigns, self.recommenders = groups, datasets, campaigns, recommenders
        self.attributions: Store[MetricAttribution] = Store(core, KIND)
        core.depends("dataset-group", "metric attribution", lambda arn: self.attributions.find(lambda a: a.dataset_group_arn == arn))
        # The datasets' imports are checked and reported on by the group's attribution (it depends on them, not they on it).
        datasets.import_reporting = self

    def create_metric_attribution(
        self, name: str, dataset_group_arn: str, metrics: list[dict[str, str]], metrics_output_config: dict[str, Any]
    ) -> dict[str, Any]:
        self.groups.groups.require_active(dataset_group_arn)
        existing = self.attributions.find(lambda a: a.dataset_group_arn == dataset_group_arn)
        if existing:
            raise ResourceAlreadyExistsException(
                f"The dataset group {dataset_group_arn} already has a metric attribution, {existing[0].arn}: a group has one at most."
            )
        interactions = self.datasets.dataset_of(dataset_group_arn, "INTERACTIONS")
        if interactions is None or interactions.schema.parsed.field("EVENT_TYPE") is None:
            raise InvalidInputException(
                f"The dataset group {dataset_group_arn} needs an Interactions dataset with an EVENT_TYPE column: "
                "a metric attribution reports on its events by event type."
            )
        checked = self._checked_metrics(dataset_group_arn, metrics, "metrics", taken=set())
        attribution = MetricAttribution(
            arn=self.attributions.arn(name),
            name=name,
            dataset_group_arn=dataset_group_arn,
            metrics=checked,
            output=self._checked_output(metrics_output_config),
        )
        self.attributions.add(attribution)
        self.attributions.start(attribution)
        return {"metricAttributionArn": attribution.arn}

    def _checked_metrics(self, group_arn: str, entries: list[dict[str, str]], member: str, taken: set[str]) -> list[Metric]:
        """The metrics ``entries`` give, each checked against the group's datasets; ``taken``: names in use."""
        names = set(taken)
        checked = []
        for position, entry in enumerate(entries, start=1):
            path = f"{member}.{position}.member"
            try:
                metric = parse_metric(entry)
            except MetricError as error:
                raise InvalidInputException(f"Value at '{path}.expression': {error}") from None
            if not metric.event_type:
                raise InvalidInputException(f"Value '' at '{path}.eventType': a metric reports on the events of one event type.")
            if metric.name in names:
                raise ResourceAlreadyExistsException(f"Value '{metric.name}' at '{path}.metricName': the metric attribution already has a metric of that name.")
            if metric.column is not None:
                metric = self._summed_in_schema(group_arn, metric, f"{path}.expression")
            names.add(metric.name)
            checked.append(metric)
        return checked

    def _summed_in_schema(self, group_arn: str, metric: Metric, path: str) -> Metric:
        """creating-metric-attribution.md: SUM() reads a numerical column of the dataset's schema, named in any
        case (the service's sample writes SUM(ITEMS.MARGIN)); the metric, reading the schema's field."""
        assert metric.dataset_type is not None and metric.column is not None, "SUM() names a dataset's column"
        label = dataset_label(metric.dataset_type)
        dataset = self.datasets.dataset_of(group_arn, metric.dataset_type)
        if dataset is None:
            raise InvalidInputException(f"Value '{metric.expression}' at '{path}': the dataset group {group_arn} has no {label} dataset.")
        schema = dataset.schema.parsed
        summed = schema.field_named(metric.column)
        if summed is None or not summed.is_numeric:
            numerical = [f.name for f in schema.fields if f.is_numeric]
            raise InvalidInputException(
                f"Value '{metric.expression}' at '{path}': {metric.column} is not a numerical field of the {label} schema "
                f"(its numerical fields: {', '.join(numerical) or 'none'})."
            )
        return replace(metric, column=summed.name)

    def _checked_output(self, config: dict[str, Any]) -> dict[str, Any]:
        destination = config.get("s3DataDestination")
        if destination is not None:
            require_s3_path(destination["path"], "metricsOutputConfig.s3DataDestination.path")
        return dict(config)

    def describe_metric_attribution(self, metric_attribution_arn: str) -> dict[str, Any]:
        return {"metricAttribution": self.attributions.observe(metric_attribution_arn).describe()}

    def list_metric_attributions(
        self, dataset_group_arn: str | None = None, next_token: str | None = None, max_results: int | None = None
    ) -> dict[str, Any]:
        return self.attributions.list_page("metricAttributions", next_token, max_results, dataset_group_arn=dataset_group_arn)

    def list_metric_attribution_metrics(
        self, metric_attribution_arn: str | None = None, next_token: str | None = None, max_results: int | None = None
    ) -> dict[str, Any]:
        attribution = self.attributions.get(_required(metric_attribution_arn))
        call = {"list": "metrics", "metricAttributionArn": attribution.arn}
        page, token = paginate([metric.member() for metric in attribution.metrics], next_token, max_results, "metricName", call)
        return {"metrics": page, "nextToken": token}

    def update_metric_attribution(
        self,
        metric_attribution_arn: str | None = None,
        add_metrics: list[dict[str, str]] | None = None,
        remove_metrics: list[str] | None = None,
        metrics_output_config: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        attribution = self.attributions.require_active(_required(metric_attribution_arn))
        if not (add_metrics or remove_metrics or metrics_output_config):
            raise InvalidInputException("Nothing to update: give addMetrics, removeMetrics or metricsOutputConfig.")
        names = {metric.name for metric in attribution.metrics}
        for position, name in enumerate(remove_metrics or [], start=1):
            if name not in names:
                raise InvalidInputException(f"Value '{name}' at 'removeMetrics.{position}': the metric attribution has no metric of that name.")
        kept = [metric for metric in attribution.metrics if metric.name not in set(remove_metrics or [])]
        added = self._checked_metrics(attribution.dataset_group_arn, add_metrics or [], "addMetrics", taken={m.name for m in kept})
        if len(kept) + len(added) > MAX_METRICS:
            raise InvalidInputException(
                f"The metric attribution would report {len(kept) + len(added)} metrics; it reports {MAX_METRICS} at most."
            )
        output = self._checked_output(metrics_output_config) if metrics_output_config else attribution.output
        attribution.metrics, attribution.output = kept + added, output
        attribution.last_updated_date_time = now()
        return {"metricAttributionArn": attribution.arn}

    def delete_metric_attribution(self, metric_attribution_arn: str) -> None:
        self.attributions.start_delete(self.attributions.require_settled(metric_attribution_arn))

    # Reports -----------------------------------------------------------------
    def reporting_attribution(self, group_arn: str) -> MetricAttribution | None:
        """The group's metric attribution, once ACTIVE: only then does it report."""
        # A plain loop, as every PutEvents asks (most groups have none).
        for attribution in self.attributions.table.values():
            if attribution.dataset_group_arn == group_arn and attribution.status == "ACTIVE":
                return attribution
        return None

    def check_event_sources(self, group_arn: str, given: Sequence[str | None], member: Callable[[int], str]) -> None:
        """PutEvents: refuse the call when an event's source would be one too many for the group's attribution."""
        attribution = self.reporting_attribution(group_arn)
        beyond = None if attribution is None else source_beyond(attribution.sources, given, MAX_SOURCES)
        if attribution is not None and beyond is not None:
            raise InvalidInputException(
                f"Value '{given[beyond]}' at '{member(beyond)}': the metric attribution {attribution.arn} already reports on "
                f"{MAX_SOURCES} event attribution sources, the most it can."
            )

    def report_events(self, group_arn: str, records: list[dict[str, Any]]) -> None:
        """PutEvents: the recorded events (with SOURCE and RECOMMENDATION_ID from the event) to CloudWatch."""
        attribution = self.reporting_attribution(group_arn)
        if attribution is not None and records:
            events = events_of_records(records, _columns(attribution))
            self._report(attribution, events, to_cloudwatch=True, s3_name=None)

    def import_source_check(self, dataset: Dataset, publish_to_s3: bool | None) -> Callable[[pd.DataFrame], str | None] | None:
        """CreateDatasetImportJob: refuse a publishAttributionMetricsToS3 the group can't honour; the check
        the imported rows must then pass (their sources within the quota), or None."""
        attribution = self.reporting_attribution(dataset.dataset_group_arn) if dataset.dataset_type == "INTERACTIONS" else None
        if publish_to_s3:
            if attribution is None or attribution.s3_path is None:
                raise InvalidInputException(
                    "Value 'true' at 'publishAttributionMetricsToS3' needs an ACTIVE metric attribution with an "
                    f"s3DataDestination for the Interactions dataset's group; {dataset.arn} has none."
                )
            try:
                output_folder(self.core.account_id, self.core.partition, attribution.s3_path)
            except S3WriteError as error:
                raise InvalidInputException(f"Value 'true' at 'publishAttributionMetricsToS3': {error}") from None
        if attribution is None:
            return None
        known = frozenset(attribution.sources)

        def check(rows: pd.DataFrame) -> str | None:
            new = sorted(given_sources(events_of_frame(rows, (SOURCE,))) - known)
            beyond = source_beyond(set(known), new, MAX_SOURCES)
            if beyond is None:
                return None
            return (
                f"The rows name {len(known) + len(new)} event attribution sources with those the metric attribution "
                f"{attribution.arn} reports on; it reports on {MAX_SOURCES} at most."
            )

        return check

    def report_import(self, job: DatasetImportJob, dataset: Dataset, rows: pd.DataFrame) -> None:
        """An import's rows, as it turns ACTIVE: INCREMENTAL ones to CloudWatch, and the S3 report if asked for."""
        attribution = self.reporting_attribution(dataset.dataset_group_arn) if dataset.dataset_type == "INTERACTIONS" else None
        # metric-attribution-requirements.md: it won't report on data imported before it was created.
        if attribution is None or attribution.creation_date_time > job.creation_date_time:
            return
        publish = job.publish_attribution_metrics_to_s3 and attribution.s3_path
        s3_name = f"AggregatedAttributionMetrics - {job.import_mode} - {int(time.time())}.csv" if publish else None
        events = events_of_frame(rows, _columns(attribution))
        self._report(attribution, events, to_cloudwatch=job.import_mode == "INCREMENTAL", s3_name=s3_name)

    def _report(self, attribution: MetricAttribution, events: Events, to_cloudwatch: bool, s3_name: str | None) -> None:
        """Aggregate ``events`` by the attribution's metrics and post the results where they go."""
        # Where a recommendationId may come from.
        answering = [arn for store in (self.campaigns.campaigns, self.recommenders.recommenders) for arn in store.table]
        sources = attributed_sources(events, lambda rid: source_of(rid, answering))
        attribution.sources |= given_sources(events)
        item_value = self._item_values(attribution.dataset_group_arn)
        if to_cloudwatch:
            oldest = (now() - CLOUDWATCH_MAX_AGE).timestamp()
            data = metric_data(aggregate(events, sources, attribution.metrics, item_value, since=oldest), attribution.dataset_group_arn)
            if data:
                self.core.post(lambda: put_metric_data(self.core.account_id, self.core.region_name, NAMESPACE, data))
        path = attribution.s3_path
        if s3_name is not None and path is not None:  # an S3 report is asked for only of an attribution with a path
            body = report_csv(aggregate(events, sources, attribution.metrics, item_value))
            # The folder is looked up when the outbox is sent, inside an API call: never from a worker.
            self.core.post(lambda: output_folder(self.core.account_id, self.core.partition, path).put(s3_name, body))

    def _item_values(self, group_arn: str) -> Callable[[str, str], float | None]:
        """(Items column, item ID) -> the item's value there now, for SUM(Items.COLUMN)."""
        items = self.datasets.dataset_of(group_arn, "ITEMS")
        if items is None:
            return lambda column, item: None
        index, schema = records_of(items.table), items.schema.parsed

        def value(column: str, item: str) -> float | None:
            field = schema.field(column)
            found = index.values_of(item, field) if field is not None else ()
            return float(found[0]) if found else None

        return value


def _columns(attribution: MetricAttribution) -> list[str]:
    """What the attribution's reports read of each event."""
    summed = [m.column for m in attribution.metrics if m.dataset_type == "INTERACTIONS" and m.column and m.column not in READ]
    return [*READ, *dict.fromkeys(summed)]


def _required(metric_attribution_arn: str | None) -> str:
    """The model leaves metricAttributionArn optional; the operation can't do without it."""
    if not metric_attribution_arn:
        raise InvalidInputException("Value null at 'metricAttributionArn' failed to satisfy constraint: Member must not be null")
    return metric_attribution_arn
