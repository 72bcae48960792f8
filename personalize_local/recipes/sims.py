"""aws-sims: items related to an item by co-occurrence in user histories, popularity discounted.

Per native-recipe-sims.md. Two items co-occur when one user interacted with
both; their similarity is the number of such users divided by a power of
their popularities::

    similarity(i, j) = co(i, j) / (n_i * n_j) ** popularity_discount_factor

where n is the number of distinct users of an item. With the factor at 0 the
most co-occurring, i.e. the most popular, items come first whatever their
correlation; at 1 items that share users come first whatever their popularity;
0.5 (the default) is the cosine similarity of the items' user sets. Pairs with
fewer than ``min_cointeraction_count`` common users get no similarity.

The featurization hyperparameters choose the training data: users whose
number of distinct items lies within the user history length percentiles, and
items whose number of distinct users lies within the item interaction count
percentiles (percentiles of the items that have interactions). Items left out
have no neighbours and are no one's neighbour.

An item without neighbours, or one the model does not know, gets popular items
(as the page says); a list with fewer neighbours than asked for is topped up
with popular items. The query item never appears in its own list. The service
shows no scores for this recipe; the scores returned are the similarities (0
for the popular top-up).
"""
from __future__ import annotations

from typing import AbstractSet

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .base import SCORE_DECIMALS, unique_interactions
from .hyperparameters import FromHyperparameters
from .interaction_matrix import InteractionMatrix, within_percentiles
from .popularity import PopularityCount

# API_RS_GetRecommendations.md: numResults is at most 500, so no item needs more neighbours.
MAX_NEIGHBOURS = 500
# Columns of the co-occurrence matrix computed at once: bounds memory to items x BLOCK floats.
BLOCK = 256


class Sims(FromHyperparameters):
    """Item-to-item co-occurrence; the hyperparameters are the recipe's, with its defaults."""

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
    SEEDED = False  # co-occurrence counting involves no randomness

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
        matrix = interacted.matrix[within_percentiles(interacted.user_lengths, *self.user_percentiles)]
        counts = np.asarray(matrix.sum(axis=0)).ravel()
        kept = np.zeros(counts.size, dtype=bool)
        active = np.flatnonzero(counts > 0)
        kept[active] = within_percentiles(counts[active], *self.item_percentiles)
        self.neighbours_ = self._neighbours((matrix @ sp.diags(kept.astype(np.float32))).tocsc(), counts)
        self.popular_ = PopularityCount().fit(data, items)
        return self

    def _neighbours(self, matrix: sp.csc_matrix, counts: np.ndarray) -> sp.csr_matrix:
        """Items x items: each row keeps its item's MAX_NEIGHBOURS most similar items."""
        n_items = counts.size
        discount = np.power(np.maximum(counts, 1.0), -self.popularity_discount_factor)
        k = min(MAX_NEIGHBOURS, n_items)
        rows, cols, values = [np.empty(0, np.int64)], [np.empty(0, np.int64)], [np.empty(0)]
        for start in range(0, n_items, BLOCK):
            block = np.arange(start, min(start + BLOCK, n_items))
            co = (matrix.T @ matrix[:, block]).toarray()  # items x block: columns of the symmetric co-occurrence
            co[block, np.arange(block.size)] = 0.0
            co[co < max(self.min_cointeraction_count, 1)] = 0.0
            similarity = co * discount[:, None] * discount[block][None, :]
            top = np.argpartition(-similarity, k - 1, axis=0)[:k]
            best = np.take_along_axis(similarity, top, axis=0)
            keep = best > 0
            rows.append(np.broadcast_to(block[None, :], top.shape)[keep])
            cols.append(top[keep])
            values.append(best[keep])
        return sp.csr_matrix(
            (np.concatenate(values), (np.concatenate(rows), np.concatenate(cols))), shape=(n_items, n_items)
        )

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
