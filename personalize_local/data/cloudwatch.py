"""Metric data put into moto's CloudWatch, where the caller's CloudWatch client reads it."""
from __future__ import annotations

from typing import Any

from moto.cloudwatch.models import cloudwatch_backends


def put_metric_data(account_id: str, region: str, namespace: str, data: list[dict[str, Any]]) -> None:
    """PutMetricData as the service's role makes it: ``data`` shaped as CloudWatch's MetricData members."""
    cloudwatch_backends[account_id][region].put_metric_data(namespace, data)
