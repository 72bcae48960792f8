"""Metric attribution reports: what interactions events add up to, by source, over 15-minute windows.

A metric counts the events of one event type, ``SAMPLECOUNT()``, or sums a numerical column of
theirs, ``SUM(Interactions.COLUMN)``, or of the items they are about, ``SUM(Items.COLUMN)``
(creating-metric-attribution.md). Each event is attributed to its ``eventAttributionSource``,
else to the campaign or recommender its ``recommendationId`` came from, else to
SOURCE_NAME_UNDEFINED (metric-attribution-requirements.md). Values are aggregated over
15-minute windows (measuring-recommendation-impact.md), into CloudWatch metric data or the
rows of an S3 report (metric-attribution-results.md).

Reports name metrics, event types and sources in upper case, as the service does: its
measuring-impact sample reads the metric countViews back from CloudWatch as COUNTVIEWS and the
source recommended_for_you as RECOMMENDED_FOR_YOU, and the guide's S3 report shows COUNTWATCHES
and WATCH; ARNs keep their case, as that report shows them. A metric counts the events of its
event type in any case, and the quota on sources counts them as reports name them.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from .schemas import normalize_dataset_type

WINDOW_SECONDS = 15 * 60
ARN_PREFIX = "arn:"
UNDEFINED_SOURCE = "SOURCE_NAME_UNDEFINED"
SOURCE = "EVENT_ATTRIBUTION_SOURCE"
RECOMMENDATION_ID = "RECOMMENDATION_ID"
# The datasets whose numerical columns SUM() adds up.
SUMMABLE = ("INTERACTIONS", "ITEMS")
REPORT_COLUMNS = ("METRIC_NAME", "EVENT_TYPE", "VALUE", "MATH_FUNCTION", SOURCE, "TIMESTAMP")


class MetricError(ValueError):
    """A metric the service would refuse; the message says why."""


@dataclass(frozen=True)
class Metric:
    """One MetricAttribute: an event type, a name, and its expression read."""

    event_type: str
    name: str
    expression: str
    function: str  # SUM or SAMPLECOUNT
    dataset_type: str | None = None  # for SUM: INTERACTIONS or ITEMS
    column: str | None = None

    @property
    def summed(self) -> str:
        """The column SUM() adds up (SAMPLECOUNT() reads none)."""
        assert self.column is not None, f"{self.expression} adds up no column"
        return self.column

    def member(self) -> dict[str, str]:
        return {"eventType": self.event_type, "metricName": self.name, "expression": self.expression}


_SUM = re.compile(r"\s*SUM\(\s*([A-Za-z_]+)\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*", re.IGNORECASE)
_SAMPLECOUNT = re.compile(r"\s*SAMPLECOUNT\(\s*\)\s*", re.IGNORECASE)


def _sum(match: re.Match[str]) -> tuple[str, str | None, str | None]:
    dataset_type = normalize_dataset_type(match.group(1))
    if dataset_type not in SUMMABLE:
        raise MetricError(f"SUM() adds up a column of the Interactions or Items dataset, not of {match.group(1)}.")
    return "SUM", dataset_type, match.group(2)


# The functions an expression may use, and what each one reads.
FUNCTIONS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], tuple[str, str | None, str | None]]], ...] = (
    (_SUM, _sum),
    (_SAMPLECOUNT, lambda match: ("SAMPLECOUNT", None, None)),
)


def parse_metric(entry: Mapping[str, str]) -> Metric:
    """A MetricAttribute as given (eventType, metricName, expression), its expression read."""
    expression = entry["expression"]
    for pattern, read in FUNCTIONS:
        match = pattern.fullmatch(expression)
        if match:
            return Metric(entry["eventType"], entry["metricName"], expression, *read(match))
    raise MetricError(f"'{expression}' is not a metric expression: use SUM(Items.COLUMN), SUM(Interactions.COLUMN) or SAMPLECOUNT().")


@dataclass(frozen=True)
class Aggregate:
    """One metric's value for one source over one 15-minute window."""

    metric: Metric
    source: str
    window: int  # epoch seconds the window starts at
    count: int
    total: float
    minimum: float
    maximum: float


# Events as columns: name -> one value per event (a list, or a frame's column as an array).
Events = Mapping[str, "Sequence[Any] | np.ndarray"]
# The columns a report reads, besides those SUM(Interactions.COLUMN) adds up.
READ = ("EVENT_TYPE", "TIMESTAMP", "ITEM_ID", SOURCE, RECOMMENDATION_ID)


def events_of_frame(frame: pd.DataFrame, columns: Sequence[str]) -> Events:
    """``frame``'s ``columns`` as arrays, a column it lacks as Nones."""
    return {c: frame[c].to_numpy() if c in frame else [None] * len(frame) for c in columns}


def events_of_records(records: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> Events:
    """Records (PutEvents) as columns, a field a record lacks as None."""
    return {c: [record.get(c) for record in records] for c in columns}


def reported_name(name: str) -> str:
    """How reports name a metric, an event type or a source: in upper case, but an ARN as it is."""
    return name if name.startswith(ARN_PREFIX) else name.upper()


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or value != value  # NaN is the one value unequal to itself


def _text(value: Any) -> str:
    return "" if _missing(value) else str(value)


# (Items column, item ID) -> the item's value there; None when it has none.
ItemValue = Callable[[str, str], "float | None"]


def _upper(values: Sequence[Any] | np.ndarray) -> np.ndarray:
    """``values`` as upper-case text, each distinct value converted once (an import's rows hold few)."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=False)
    return np.array([_text(value).upper() for value in uniques], dtype=object)[codes]


def _numbers(values: Sequence[Any] | np.ndarray) -> np.ndarray:
    return np.array([np.nan if _missing(v) else float(v) for v in values], dtype=float)


def _item_numbers(events: Events, column: str, item_value: ItemValue) -> np.ndarray:
    items = events["ITEM_ID"]
    known = {item: item_value(column, _text(item)) for item in set(items)}
    return _numbers([known[item] for item in items])


# Each event's value for a metric: (events, metric, item values) -> one number per event, NaN where it has none.
_VALUES: dict[tuple[str, str | None], Callable[[Events, Metric, ItemValue], np.ndarray]] = {
    ("SAMPLECOUNT", None): lambda events, metric, item_value: np.ones(len(events["TIMESTAMP"])),
    ("SUM", "INTERACTIONS"): lambda events, metric, item_value: _numbers(events[metric.summed]),
    ("SUM", "ITEMS"): lambda events, metric, item_value: _item_numbers(events, metric.summed, item_value),
}


def attributed_sources(events: Events, campaign_of: Callable[[str], str | None]) -> list[str]:
    """Each event's source: its eventAttributionSource, else where its recommendationId came from, else undefined."""
    campaigns: dict[str, str | None] = {}
    sources = []
    for given, recommendation in zip(events[SOURCE], events[RECOMMENDATION_ID]):
        source: str | None = _text(given)
        if not source and not _missing(recommendation):
            rid = str(recommendation)
            if rid not in campaigns:
                campaigns[rid] = campaign_of(rid)
            source = campaigns[rid]
        sources.append(reported_name(source) if source else UNDEFINED_SOURCE)
    return sources


def given_sources(events: Events) -> set[str]:
    """The eventAttributionSource values ``events`` name, as reports name them (what the quota on sources counts)."""
    return {reported_name(_text(value)) for value in events[SOURCE]} - {""}


def source_beyond(known: set[str], given: Sequence[str | None], limit: int) -> int | None:
    """The position in ``given`` of the first source that would make more than ``limit`` with ``known``
    (sources as reports name them)."""
    seen = set(known)
    for position, source in enumerate(given):
        if source and reported_name(source) not in seen:
            seen.add(reported_name(source))
            if len(seen) > limit:
                return position
    return None


def aggregate(
    events: Events, sources: Sequence[str], metrics: Sequence[Metric], item_value: ItemValue, since: float | None = None
) -> list[Aggregate]:
    """The metrics over ``events`` (those at ``since`` or later), by source and 15-minute window."""
    times = np.asarray(events["TIMESTAMP"], dtype=np.int64)
    kept = times >= since if since is not None else np.ones(len(times), dtype=bool)
    # One integer per (source, window), so that grouping sorts integers, not strings.
    windows = times // WINDOW_SECONDS
    codes: dict[str, int] = {}
    source_codes = np.array([codes.setdefault(source, len(codes)) for source in sources], dtype=np.int64)
    names = list(codes)
    span = int(windows.max()) + 1 if len(windows) else 1
    keys = source_codes * span + windows
    event_types = _upper(events["EVENT_TYPE"])
    found = []
    for metric in metrics:
        values = _VALUES[metric.function, metric.dataset_type](events, metric, item_value)
        chosen = kept & (event_types == metric.event_type.upper()) & ~np.isnan(values)
        if not chosen.any():
            continue
        groups, group_of = np.unique(keys[chosen], return_inverse=True)
        chosen_values = values[chosen]
        counts = np.bincount(group_of, minlength=len(groups))
        totals = np.bincount(group_of, weights=chosen_values, minlength=len(groups))
        lows, highs = np.full(len(groups), np.inf), np.full(len(groups), -np.inf)
        np.minimum.at(lows, group_of, chosen_values)
        np.maximum.at(highs, group_of, chosen_values)
        found += [
            Aggregate(metric, names[key // span], int(key % span) * WINDOW_SECONDS, int(count), float(total), float(low), float(high))
            for key, count, total, low, high in zip(groups.tolist(), counts, totals, lows, highs)
        ]
    return found


def metric_data(aggregates: Sequence[Aggregate], dataset_group_arn: str) -> list[dict[str, Any]]:
    """CloudWatch metric data: per metric name, source and dataset group, each window's statistics (Sum is the value)."""
    return [
        {
            "MetricName": reported_name(a.metric.name),
            "Dimensions": [
                {"Name": "EventAttributionSource", "Value": a.source},
                {"Name": "DatasetGroupArn", "Value": dataset_group_arn},
            ],
            # Naive UTC, as CloudWatch's API hands times to moto's backend.
            "Timestamp": datetime.fromtimestamp(a.window, timezone.utc).replace(tzinfo=None),
            "StatisticValues": {"SampleCount": a.count, "Sum": a.total, "Minimum": a.minimum, "Maximum": a.maximum},
            "Unit": "Count" if a.metric.function == "SAMPLECOUNT" else "None",
        }
        for a in aggregates
    ]


def report_csv(aggregates: Sequence[Aggregate]) -> bytes:
    """The S3 report: one row per metric, source and window, newest window first (metric-attribution-results.md)."""
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(REPORT_COLUMNS)
    for a in sorted(aggregates, key=lambda a: (a.metric.name, -a.window, a.source)):
        writer.writerow(
            (reported_name(a.metric.name), reported_name(a.metric.event_type), repr(a.total), a.metric.function.lower(), a.source, a.window)
        )
    return text.getvalue().encode("utf-8")
