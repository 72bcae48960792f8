"""aws-trending-now: the items whose interactions are increasing fastest, one list for everybody.

Per native-recipe-trending-now.md, the interactions are cut into intervals of
the trend discovery frequency, counted back from the newest interaction of the
training data, and an item trends by the increase of its interactions from the
previous interval to the latest one. Items rank by that increase; ties (on
sparse data most items have none) go to the item with more interactions over
the recent intervals (RECENT_INTERVALS), then to the more popular item overall
(distinct users), then to catalog order. Items losing interactions come last.

As with Popularity-Count, every user gets the same list, items the user
already interacted with included. A fitted model holds one evaluation of the
trend; serving evaluates it again on the data as it is, once per interval,
without a new solution version (``evaluated``; backend/trends.py says when).
The service shows no scores for its popularity recipes; the scores returned
are each item's increase in interactions per hour over the latest interval.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from .base import ITEM_ID, TIMESTAMP, USER_ID, SameForEveryone, catalog, unique_interactions
from .hyperparameters import FromHyperparameters

# The recipe's trend_discovery_frequency values, in seconds.
FREQUENCIES: dict[str, int] = {"30 minutes": 1800, "1 hour": 3600, "3 hours": 10800, "1 day": 86400}
DEFAULT_FREQUENCY = "3 hours"
# How many latest intervals count as recent when increases tie.
RECENT_INTERVALS = 8
SECONDS_PER_HOUR = 3600.0


class TrendingNow(SameForEveryone, FromHyperparameters):
    """Ranks items by their latest increase in interactions."""

    # What a saved state holds of it (state/records.py), with SameForEveryone's.
    interval: int

    SEEDED = False  # counting involves no randomness

    def __init__(self, trend_discovery_frequency: str = DEFAULT_FREQUENCY, *, interval: int | None = None) -> None:
        # ``interval`` in seconds, for use cases whose page gives one that is no recipe value (two hours).
        self.interval = interval or FREQUENCIES[trend_discovery_frequency]
        self.item_ids: list[str] = []
        self._ranked: list[tuple[str, float]] = []

    def fit(
        self, interactions: pd.DataFrame, items: pd.DataFrame | None = None, users: pd.DataFrame | None = None
    ) -> TrendingNow:
        data = unique_interactions(interactions)
        self.item_ids = catalog(data, items)
        counts = interval_counts(data, self.item_ids, self.interval, RECENT_INTERVALS)
        increase = counts[:, 0] - counts[:, 1]
        popularity = data.groupby(ITEM_ID)[USER_ID].nunique().reindex(self.item_ids, fill_value=0).to_numpy()
        order = np.lexsort((np.arange(len(self.item_ids)), -popularity, -counts.sum(axis=1), -increase))
        per_hour = increase * (SECONDS_PER_HOUR / self.interval)
        self._ranked = [(self.item_ids[i], float(per_hour[i])) for i in order]
        return self

    def evaluated(self, interactions: pd.DataFrame, items: pd.DataFrame | None = None) -> "TrendingNow":
        """A new evaluation of the trend, on this model's interval, of the data as it is now; this model unchanged."""
        return TrendingNow(interval=self.interval).fit(interactions, items)


def interval_counts(data: pd.DataFrame, item_ids: Sequence[str], interval: int, intervals: int) -> np.ndarray:
    """Items x intervals: interactions of each item in the latest intervals, newest first.

    Intervals are counted back from the newest timestamp of ``data``: interval 0
    is (newest - interval, newest], interval 1 the one before, and so on.
    """
    counts = np.zeros((len(item_ids), intervals))
    if data.empty:
        return counts
    timestamps = data[TIMESTAMP].astype(np.int64).to_numpy()
    age = (timestamps.max() - timestamps) // interval
    recent = age < intervals
    codes = pd.Categorical(data[ITEM_ID].astype(str), categories=list(item_ids)).codes
    np.add.at(counts, (codes[recent], age[recent]), 1.0)
    return counts
