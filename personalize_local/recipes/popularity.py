"""aws-popularity-count: the same most popular items for every user.

Per native-recipe-popularity.md, popularity is the number of distinct users who
interacted with an item (the ECOMMERCE most-viewed and best-seller use cases
count every view or purchase instead: ``distinct_users=False``), and every user
gets the same list: items the user already interacted with are not removed
(only an explicit ``exclude`` is). New events do not change the ranking until a
new solution version is trained. The service shows no scores for this recipe
(``reports_scores`` is False); the scores returned here are each item's share of
the total popularity, so callers that want a number still get a meaningful one.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .base import ITEM_ID, SCORE_DECIMALS, USER_ID, SameForEveryone, catalog, unique_interactions
from .hyperparameters import FromHyperparameters


class PopularityCount(SameForEveryone, FromHyperparameters):
    """Counts distinct users (or interactions) per item; no hyperparameters."""

    # What a saved state holds of it (state/records.py), with SameForEveryone's.
    distinct_users: bool

    SEEDED = False  # counting involves no randomness; the recipe exposes no hyperparameters

    def __init__(self, distinct_users: bool = True) -> None:
        self.distinct_users = distinct_users
        self.item_ids: list[str] = []
        self._ranked: list[tuple[str, float]] = []

    def fit(
        self, interactions: pd.DataFrame, items: pd.DataFrame | None = None, users: pd.DataFrame | None = None
    ) -> PopularityCount:
        data = unique_interactions(interactions)[[USER_ID, ITEM_ID]].astype(str)
        by_item = data.groupby(ITEM_ID)[USER_ID]
        counts = by_item.nunique() if self.distinct_users else by_item.size()
        self.item_ids = catalog(interactions, items)
        popularity = counts.reindex(self.item_ids, fill_value=0).to_numpy(np.float64)
        shares = popularity / popularity.sum() if popularity.sum() else popularity
        # Most popular first; ties keep the sorted item id order (stable sort).
        order = np.argsort(-popularity, kind="stable")
        self._ranked = [
            (self.item_ids[i], round(float(shares[i]), SCORE_DECIMALS)) for i in order
        ]
        return self
