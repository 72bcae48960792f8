"""Trending-Now follows the interactions: its trend is evaluated again every trend interval, without a new version.

native-recipe-trending-now.md: "The items considered come from the interactions data you imported in bulk and
incrementally. You don't have to manually create a new solution version for Trending-Now to consider new items
in interactions data"; with a trend discovery frequency of 30 minutes, "every 30 minutes Amazon Personalize
identifies items with the greatest rate of increase in interactions". VIDEO_ON_DEMAND-use-cases.md: the Trending
now use case evaluates "every two hours".

So a Trending-Now model (a campaign's solution version, a trending-now recommender's) answers with the trend it
was trained with until one interval has passed since its creation; from then on, interval after interval, with
the trend of the data as the first request of that interval finds it (bulk imports and recorded events alike, read
as the model's training reads them). Data that arrives later in an interval waits for the next one. An
evaluation is kept per model for its interval, not saved: after a restart the first request evaluates again.

The clock is :func:`now`: freezegun moves it, and a test may replace this module's ``now``.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Hashable

import pandas as pd

from ..recipes.trending import TrendingNow
from .core import now

# () -> (interactions, items) as the model's training would read them now
TrendData = Callable[[], "tuple[pd.DataFrame, pd.DataFrame | None]"]


@dataclass(frozen=True)
class _Evaluation:
    intervals: int  # how many of the model's intervals had passed since its creation when it was made
    revision: Hashable  # of the data it read
    trend: TrendingNow


_evaluations: weakref.WeakKeyDictionary[TrendingNow, _Evaluation] = weakref.WeakKeyDictionary()


def data_revision(*datasets: Any) -> tuple[Any, ...]:
    """What changes whenever the rows of any of ``datasets`` (Dataset or None) do."""
    return tuple(dataset.table.revision if dataset is not None else None for dataset in datasets)


def latest_trend(model: TrendingNow, created: datetime, revision: Hashable, read: TrendData) -> TrendingNow:
    """The trend ``model`` answers with now: its own until an interval has passed since ``created``, then the
    evaluation of the current interval, made from what ``read`` returns (again only if ``revision`` moved)."""
    intervals = int((now() - created).total_seconds() // model.interval)
    if intervals < 1:
        return model
    last = _evaluations.get(model)
    if last is not None and last.intervals == intervals:
        return last.trend
    trend = last.trend if last is not None and last.revision == revision else model.evaluated(*read())
    _evaluations[model] = _Evaluation(intervals, revision, trend)
    return trend
