"""Items whose interactions grow fastest: the VIDEO_ON_DEMAND Trending now use case.

VIDEO_ON_DEMAND-use-cases.md: trending videos "are items that are rapidly becoming more
popular with your users. Every two hours, Amazon Personalize automatically evaluates your
interactions data and identifies trending items." The training data is cut into intervals of
``interval_seconds`` counted back from its newest interaction, and an item trends by how many
more interactions it had in the latest interval than in the one before. Ties (most items, on
sparse data) go to the item with more interactions in the latest interval, then to the more
popular item (distinct users), then to catalog order; items losing interactions come last.

Everybody gets the same list, items they interacted with included. The service shows no scores
for trending items (``reports_scores`` is False); the scores returned are the increase in
interactions per hour.
"""
from __future__ import annotations

from itertools import islice
from typing import Sequence

import numpy as np
import pandas as pd

from .base import ITEM_ID, TIMESTAMP, USER_ID, catalog, unique_interactions

SECONDS_PER_HOUR = 3600.0


class RisingItems:
    """Ranks items by their latest increase in interactions."""

    reports_scores = False

    def __init__(self, interval_seconds: int) -> None:
        self.interval_seconds = interval_seconds
        self.item_ids: list[str] = []
        self._ranked: list[tuple[str, float]] = []

    def fit(
        self,
        interactions: pd.DataFrame,
        items: pd.DataFrame | None = None,
        users: pd.DataFrame | None = None,
    ) -> "RisingItems":
        data = unique_interactions(interactions)
        self.item_ids = catalog(data, items)
        ids = data[ITEM_ID].astype(str)
        codes = pd.Categorical(ids, categories=self.item_ids).codes
        timestamps = data[TIMESTAMP].astype(np.int64).to_numpy()
        # 0: the latest interval, 1: the one before; older interactions count for neither.
        age = (timestamps.max(initial=0) - timestamps) // self.interval_seconds
        latest, previous = (np.bincount(codes[age == k], minlength=len(self.item_ids)) for k in (0, 1))
        increase = latest - previous
        popularity = data[USER_ID].groupby(ids).nunique().reindex(self.item_ids, fill_value=0).to_numpy()
        order = np.lexsort((np.arange(len(self.item_ids)), -popularity, -latest, -increase))
        per_hour = increase * (SECONDS_PER_HOUR / self.interval_seconds)
        self._ranked = [(self.item_ids[i], float(per_hour[i])) for i in order]
        return self

    def recommend(
        self,
        user_id: str,
        history: Sequence[str],
        num_results: int,
        exclude: set[str] | None = None,
        *,
        exploration_weight: float = 0.0,
        exploration_item_age_cutoff_days: float = 30.0,
    ) -> list[tuple[str, float]]:
        """The trending ranking minus ``exclude``; user and history are ignored."""
        excluded = exclude or set()
        return list(islice(((item, score) for item, score in self._ranked if item not in excluded), num_results))
