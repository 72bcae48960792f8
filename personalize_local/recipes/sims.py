"""aws-sims: items related to an item by how users' time-ordered histories bring them together.

Per native-recipe-sims.md, SIMS finds the co-occurrence of items in user histories. Here the
related items' scores are co_occurrence.py's: which items follow the item within a few steps of a
user's history (and, less, precede it), which items follow those (a two-move walk), the cosine of the
two items' user sets, and a low-rank smoothing of the steps, blended and kept as each item's best
MAX_NEIGHBOURS.

The hyperparameters keep the guide's meaning:

* ``popularity_discount_factor`` balances popularity and correlation: at 0 the most popular items
  come first whatever their correlation, at 1 the items that share users with the query whatever
  their popularity; the default 0.5 makes the co-occurrence part the cosine of the items' user sets;
* pairs with fewer than ``min_cointeraction_count`` common users get no similarity, nor (at 0) pairs
  without any;
* the featurization hyperparameters choose the training data: users whose number of distinct items
  lies within the user history length percentiles, and items whose number of distinct users lies
  within the item interaction count percentiles (percentiles of the items that have interactions).
  Items left out have no neighbours and are no one's neighbour. The default 0.9 leaves out the most
  popular tenth: on MovieLens 100K the items most held-out interactions are with, which costs a fifth
  to a quarter of NDCG@10 under issue 19's protocol (BENCHMARKS.md, "Related items").

An item without neighbours, or one the model does not know, gets popular items (as the page says);
a list with fewer neighbours than asked for is topped up with popular items. The query item never
appears in its own list. The service shows no scores for this recipe; the scores returned are the
blended similarities (0 for the popular top-up).
"""
from __future__ import annotations

from typing import AbstractSet

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .base import ITEM_ID, SCORE_DECIMALS, USER_ID, chronological, unique_interactions
from .co_occurrence import Settings, related_items
from .hyperparameters import FromHyperparameters
from .interaction_matrix import InteractionMatrix, within_percentiles
from .popularity import PopularityCount


class Sims(FromHyperparameters):
    """Sequence-aware item-to-item co-occurrence; the hyperparameters are the recipe's, with its defaults."""

    # What a saved state holds of it (state/records.py).
    popularity_discount_factor: float
    min_cointeraction_count: int
    user_percentiles: tuple[float, float]
    item_percentiles: tuple[float, float]
    item_ids: list[str]
    item_index_: dict[str, int]
    neighbours_: sp.csr_matrix
    popular_: PopularityCount

    reports_scores = False
    SEEDED = False  # co_occurrence.py seeds its factorization with a constant

    def __init__(
        self,
        popularity_discount_factor: float = 0.5,
        min_cointeraction_count: int = 3,
        min_user_history_length_percentile: float = 0.005,
        max_user_history_length_percentile: float = 0.995,
        min_item_interaction_count_percentile: float = 0.01,
        max_item_interaction_count_percentile: float = 0.9,
    ) -> None:
        self.popularity_discount_factor = popularity_discount_factor
        self.min_cointeraction_count = min_cointeraction_count
        self.user_percentiles = (min_user_history_length_percentile, max_user_history_length_percentile)
        self.item_percentiles = (min_item_interaction_count_percentile, max_item_interaction_count_percentile)
        self.item_ids: list[str] = []

    def fit(self, interactions: pd.DataFrame, items: pd.DataFrame | None = None, users: pd.DataFrame | None = None) -> Sims:
        data = unique_interactions(interactions)
        interacted = InteractionMatrix.build(data, items)
        self.item_ids = interacted.item_ids
        self.item_index_ = {item: i for i, item in enumerate(self.item_ids)}
        users_kept = within_percentiles(interacted.user_lengths, *self.user_percentiles)
        counts = np.asarray(interacted.matrix[users_kept].sum(axis=0)).ravel()
        kept = np.zeros(counts.size, dtype=bool)
        active = np.flatnonzero(counts > 0)
        kept[active] = within_percentiles(counts[active], *self.item_percentiles)
        ordered = chronological(data)
        user_codes = pd.Categorical(ordered[USER_ID].astype(str), categories=interacted.user_ids).codes
        item_codes = pd.Categorical(ordered[ITEM_ID].astype(str), categories=self.item_ids).codes
        learnt = users_kept[user_codes] & kept[item_codes]
        settings = Settings(discount=self.popularity_discount_factor, min_cointeractions=max(self.min_cointeraction_count, 1))
        self.neighbours_ = related_items(
            user_codes[learnt].astype(np.int64), item_codes[learnt].astype(np.int64), len(self.item_ids), kept, settings
        )
        self.popular_ = PopularityCount().fit(data, items)
        return self

    def similar(self, item_id: str, num_results: int, exclude: AbstractSet[str] | None = None) -> list[tuple[str, float]]:
        """Most similar items first, then popular items to fill the list."""
        skip = set(exclude or ()) | {item_id}
        result: list[tuple[str, float]] = []
        code = self.item_index_.get(item_id)
        if code is not None:
            row = self.neighbours_.getrow(code)
            order = np.lexsort((row.indices, -row.data))  # ties: catalog order
            for j, score in zip(row.indices[order], row.data[order]):
                if len(result) >= num_results:
                    return result
                if self.item_ids[j] not in skip:
                    result.append((self.item_ids[j], round(float(score), SCORE_DECIMALS)))
        chosen = skip | {item for item, _ in result}
        fill = self.popular_.recommend("", [], num_results - len(result), exclude=chosen)
        return result + [(item, 0.0) for item, _ in fill]
