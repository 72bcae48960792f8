"""Offline evaluation of a recipe, producing the service's solution metrics."""
from __future__ import annotations

from .metrics import METRIC_NAMES, compute_metrics, split_for_evaluation
from .solution_metrics import evaluate

__all__ = ["METRIC_NAMES", "compute_metrics", "evaluate", "split_for_evaluation"]
