"""aws-similar-items: related items from users' time-ordered histories and from item metadata.

Per native-recipe-similar-items.md, similarity takes into account both the co-occurrence of items
in user histories and the similarity of their metadata (categorical fields and unstructured text of
the Items dataset), so that a cold item (fewer than five interactions) still gets related items.

* Interactions: co_occurrence.py's related items, as aws-sims scores them at its defaults but with
  every item and every pair that shares a user taking part (this recipe has no featurization
  hyperparameters), the steps' smoothing of ``item_id_hidden_dim`` dimensions. Each item keeps its
  best MAX_NEIGHBOURS, scaled so that its best is 1.
* Metadata: the cosine of the items' metadata vectors of ``item_metadata_hidden_dim`` dimensions, a
  truncated SVD (latent semantic analysis) of their metadata features (item_metadata.py), or the
  features themselves when there are no more of them than dimensions.

The similarity to the query item q blends the two by how much interaction data q has:
``w = n_q / (n_q + COLD_INTERACTIONS)`` (1 when q has no metadata) weighs the interaction part and the
metadata part has the rest: all of it for an item without interactions, little for a well-known one,
whose co-occurrences say more than coarse metadata. A cold item's related items share at least one
metadata value with it (a genre, a word of its description). An item unknown to the model, or with
neither interactions nor metadata, gets popular items, as the page says; lists are topped up with
popular items. The query item never appears in its own list. The service shows no scores for this
recipe; the scores returned are the blends (0 for the popular top-up).
"""
from __future__ import annotations

from typing import AbstractSet

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .base import ITEM_ID, SCORE_DECIMALS, USER_ID, chronological, unique_interactions
from .co_occurrence import Settings, related_items
from .embeddings import truncated_svd, unit_rows
from .hyperparameters import FromHyperparameters
from .interaction_matrix import InteractionMatrix
from .item_metadata import metadata_features
from .popularity import PopularityCount
from .top_k import top_indices

# native-recipe-similar-items.md: "a cold item (an item with fewer than five interactions)".
COLD_INTERACTIONS = 5


class SimilarItems(FromHyperparameters):
    """Blends sequence-aware co-occurrence with metadata similarity."""

    # What a saved state holds of it (state/records.py).
    item_id_hidden_dim: int
    item_metadata_hidden_dim: int
    random_state: int
    item_ids: list[str]
    item_index_: dict[str, int]
    neighbours_: sp.csr_matrix  # items x items: related by interactions, each row's best 1
    metadata_: np.ndarray  # items x dimensions: unit metadata vectors (zero rows without metadata)
    tokens_: sp.csr_matrix  # items x metadata values: which values each item has
    interaction_counts_: np.ndarray  # distinct users per item
    interaction_weight_: np.ndarray  # w above, per item
    popular_: PopularityCount

    reports_scores = False

    def __init__(self, item_id_hidden_dim: int = 100, item_metadata_hidden_dim: int = 100, random_state: int = 0) -> None:
        self.item_id_hidden_dim = item_id_hidden_dim
        self.item_metadata_hidden_dim = item_metadata_hidden_dim
        self.random_state = random_state
        self.item_ids: list[str] = []

    def fit(
        self, interactions: pd.DataFrame, items: pd.DataFrame | None = None, users: pd.DataFrame | None = None
    ) -> SimilarItems:
        data = unique_interactions(interactions)
        interacted = InteractionMatrix.build(data, items)
        self.item_ids = interacted.item_ids
        self.item_index_ = {item: i for i, item in enumerate(self.item_ids)}
        n_items = len(self.item_ids)
        ordered = chronological(data)
        user_codes = pd.Categorical(ordered[USER_ID].astype(str), categories=interacted.user_ids).codes.astype(np.int64)
        item_codes = pd.Categorical(ordered[ITEM_ID].astype(str), categories=self.item_ids).codes.astype(np.int64)
        settings = Settings(rank=self.item_id_hidden_dim, min_cointeractions=1, seed=self.random_state)
        neighbours = related_items(user_codes, item_codes, n_items, np.ones(n_items, dtype=bool), settings)
        best = np.asarray(neighbours.max(axis=1).todense()).ravel()
        self.neighbours_ = (sp.diags(np.divide(1.0, best, out=np.zeros_like(best), where=best > 0)) @ neighbours).tocsr()
        features = metadata_features(items, self.item_ids)
        self.metadata_ = unit_rows(self._reduced(features)).astype(np.float32)
        self.tokens_ = (features > 0).astype(np.float32).tocsr()
        self.interaction_counts_ = interacted.item_counts
        has_metadata = features.getnnz(axis=1) > 0
        self.interaction_weight_ = np.where(
            has_metadata, self.interaction_counts_ / (self.interaction_counts_ + COLD_INTERACTIONS), 1.0
        )
        self.popular_ = PopularityCount().fit(data, items)
        return self

    def _reduced(self, features: sp.csr_matrix) -> np.ndarray:
        if features.shape[1] <= self.item_metadata_hidden_dim:
            return features.toarray()
        u, s, _ = truncated_svd(features, self.item_metadata_hidden_dim, self.random_state)
        return u * s

    def similar(self, item_id: str, num_results: int, exclude: AbstractSet[str] | None = None) -> list[tuple[str, float]]:
        """Most similar items first, then popular items to fill the list."""
        skip = set(exclude or ()) | {item_id}
        result: list[tuple[str, float]] = []
        q = self.item_index_.get(item_id)
        if q is not None:
            weight = self.interaction_weight_[q]
            scores = (1.0 - weight) * (self.metadata_ @ self.metadata_[q])
            row = self.neighbours_.getrow(q)
            scores[row.indices] += weight * row.data
            if self.interaction_counts_[q] < COLD_INTERACTIONS and self.tokens_[q].nnz:
                allowed = np.asarray((self.tokens_ @ self.tokens_[q].T).todense()).ravel() > 0  # shares a value
            else:
                allowed = scores > 0
            allowed[[self.item_index_[i] for i in skip if i in self.item_index_]] = False
            result = [
                (self.item_ids[j], round(float(scores[j]), SCORE_DECIMALS)) for j in top_indices(scores, allowed, num_results)
            ]
        chosen = skip | {item for item, _ in result}
        fill = self.popular_.recommend("", [], num_results - len(result), exclude=chosen)
        return result + [(item, 0.0) for item, _ in fill]
