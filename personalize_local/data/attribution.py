"""Metric attribution reports: what interactions events add up to, by source, over 15-minute windows.

A metric counts the events of one event type, ``SAMPLECOUNT()``, or sums a numerical column of
theirs, ``SUM(Interactions.COLUMN)``, or of the items they are about, ``SUM(Items.COLUMN)``
(creating-metric-attribution.md). Each event is attributed to its ``eventAttributionSource``,
else to the campaign or recommender its ``recommendationId`` came from, else to
SOURCE_NAME_UNDEFINED (metric-attribution-requirements.md). Values are aggregated over
15-minute windows (measuring-recommendation-impact.md), into CloudWatch metric data or the
rows of an S3 report (metric-attribution-results.md).
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


# (Items column, item ID) -> the item's value there; None when it has none.
ItemValue = Callable[[str, str], "float | None"]
# Each event's value for a metric: (events, metric, item values) -> values, NaN where an event has none.
_VALUES: dict[tuple[str, str | None], Callable[[pd.DataFrame, Metric, ItemValue], pd.Series]] = {
    ("SAMPLECOUNT", None): lambda events, metric, item_value: pd.Series(1.0, index=events.index),
    ("SUM", "INTERACTIONS"): lambda events, metric, item_value: pd.to_numeric(events[metric.column], errors="coerce").astype(float),
    ("SUM", "ITEMS"): lambda events, metric, item_value: events["ITEM_ID"].map(lambda item: item_value(metric.column, item)).astype(float),
}


def attributed_sources(events: pd.DataFrame, campaign_of: Callable[[str], str | None]) -> pd.Series:
    """Each event's source: its eventAttributionSource, else where its recommendationId came from, else undefined."""
    given = _text_column(events, SOURCE)
    from_recommendation = _text_column(events, RECOMMENDATION_ID).map(lambda rid: campaign_of(rid) if rid else None)
    return given.where(given != "", from_recommendation).fillna(UNDEFINED_SOURCE)


def given_sources(events: pd.DataFrame) -> set[str]:
    """The eventAttributionSource values ``events`` name (what the quota on sources counts)."""
    return set(_text_column(events, SOURCE)) - {""}


def source_beyond(known: set[str], given: Sequence[str | None], limit: int) -> int | None:
    """The position in ``given`` of the first source that would make more than ``limit`` with ``known``."""
    seen = set(known)
    for position, source in enumerate(given):
        if source and source not in seen:
            seen.add(source)
            if len(seen) > limit:
                return position
    return None


def _text_column(events: pd.DataFrame, column: str) -> pd.Series:
    if column not in events:
        return pd.Series("", index=events.index, dtype=object)
    return events[column].map(lambda value: "" if value is None or value is pd.NA or value != value else str(value))


def aggregate(events: pd.DataFrame, sources: pd.Series, metrics: Sequence[Metric], item_value: ItemValue) -> list[Aggregate]:
    """The metrics over ``events`` (EVENT_TYPE, TIMESTAMP, ITEM_ID and the columns summed), by source and window."""
    found = []
    windows = pd.to_numeric(events["TIMESTAMP"]).astype(np.int64) // WINDOW_SECONDS * WINDOW_SECONDS
    for metric in metrics:
        chosen = events["EVENT_TYPE"] == metric.event_type
        values = _VALUES[metric.function, metric.dataset_type](events[chosen], metric, item_value)
        frame = pd.DataFrame({"source": sources[chosen], "window": windows[chosen], "value": values}).dropna()
        grouped = frame.groupby(["source", "window"])["value"].agg(["count", "sum", "min", "max"])
        found += [
            Aggregate(metric, source, int(window), int(row["count"]), float(row["sum"]), float(row["min"]), float(row["max"]))
            for (source, window), row in grouped.iterrows()
        ]
    return found


def metric_data(aggregates: Sequence[Aggregate]) -> list[dict[str, Any]]:
    """CloudWatch metric data: per metric name and source, each window's statistics (Sum is the value)."""
    return [
        {
            "MetricName": a.metric.name,
            "Dimensions": [{"Name": "EventAttributionSource", "Value": a.source}],
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
        writer.writerow((a.metric.name, a.metric.event_type, repr(a.total), a.metric.function.lower(), a.source, a.window))
    return text.getvalue().encode("utf-8")
