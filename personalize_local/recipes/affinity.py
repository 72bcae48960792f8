"""aws-item-affinity and aws-item-attribute-affinity: segments of the users most likely to interact.

Per item-affinity-recipe.md and item-attribute-affinity-recipe.md, a segment
lists users in descending order of how likely each is to interact with an item
(Item-Affinity) or with items having given attributes (Item-Attribute-Affinity).

Both rest on one low-rank model of the users x items matrix, of
``hidden_dimension`` dimensions: a truncated SVD of the matrix whose item
columns are divided by the square root of their popularity gives item factors
V; a user's affinity to item j is ``x_u V diag(g) V_j``, where x_u is the
user's row of the plain matrix (the items they interacted with) and g shrinks
each dimension by ``s^2 / (s^2 + SHRINKAGE * s_max^2)``, so that weak, noisy
dimensions count less and a large hidden_dimension does not overfit. Items of
the Items dataset without interactions get the factors of the items whose
metadata is alike (cosine of item_metadata.py features), so they too have a
segment.

Users who already interacted with the item keep a share of their affinity
equal to how often interactions repeat an earlier (user, item) pair in the
data: on data without repeats they come last, on re-purchase data they stay
near the top. An attribute query's affinity is the mean affinity to the items
having every (field, value) pair of the query.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .base import SCORE_DECIMALS, TrainingError, UnknownSegmentInput, unique_interactions
from .hyperparameters import FromHyperparameters
from .interaction_matrix import InteractionMatrix, repeat_rate
from .item_metadata import canonical_value, categorical_values, metadata_features
from .top_k import top_indices

# Shrinkage of each dimension, relative to the strongest one (measured on MovieLens 100K: hit and
# recall at 1% are flat from 0.1 to 0.3 for 32 to 256 dimensions, and fall without shrinkage).
SHRINKAGE = 0.2
# Users whose affinities to every item are scored in one product: bounds the memory top_items takes.
USERS_AT_ONCE = 256


class UserAffinity:
    """The factor model both segmentation recipes share: affinity of every user to a set of items."""

    # What a saved state holds of it (state/records.py).
    hidden_dimension: int
    random_state: int
    user_ids: list[str]
    item_ids: list[str]
    item_factors_: np.ndarray
    user_factors_: np.ndarray
    seen_: sp.csc_matrix
    repeat_rate_: float

    def __init__(self, hidden_dimension: int = 149, random_state: int = 0) -> None:
        self.hidden_dimension = hidden_dimension
        self.random_state = random_state

    def fit(self, interactions: pd.DataFrame, items: pd.DataFrame | None) -> "UserAffinity":
        data = unique_interactions(interactions)
        interacted = InteractionMatrix.build(data, items)
        self.user_ids = interacted.user_ids
        self.item_ids = interacted.item_ids
        counts = interacted.item_counts
        s, vt = interacted.discounted_svd(self.hidden_dimension, self.random_state)
        gain = s**2 / (s**2 + SHRINKAGE * (s[0] ** 2 if s.size else 1.0))
        item_factors = _with_cold_items(vt.T, counts, metadata_features(items, self.item_ids))
        self.item_factors_ = item_factors.astype(np.float32)
        self.user_factors_ = np.asarray(interacted.matrix @ item_factors * gain, dtype=np.float32)
        self.seen_ = interacted.matrix.tocsc()
        self.repeat_rate_ = repeat_rate(data)
        return self

    def segment(self, item_codes: np.ndarray, num_results: int) -> list[tuple[str, float]]:
        """Users best first by their mean affinity to the items ``item_codes``; ties in user order."""
        scores = self.user_factors_ @ self.item_factors_[item_codes].mean(axis=0)
        users, positions = self.seen_[:, item_codes].nonzero()
        seen = np.einsum("ij,ij->i", self.user_factors_[users], self.item_factors_[item_codes[positions]])
        # The already-seen items keep only the repeat rate's share of their (positive) affinity.
        kept_away = (1.0 - self.repeat_rate_) * np.maximum(seen, 0.0) / item_codes.size
        scores = scores - np.bincount(users, kept_away, minlength=scores.size)
        best = top_indices(scores, np.ones(scores.size, dtype=bool), num_results)
        return [(self.user_ids[u], round(float(scores[u]), SCORE_DECIMALS)) for u in best]

    def top_items(self, user_ids: Sequence[str], k: int) -> set[str]:
        """The items among the ``k`` that each of ``user_ids`` (those it knows) has most affinity to."""
        wanted = set(user_ids)
        codes = np.array([u for u, user in enumerate(self.user_ids) if user in wanted], dtype=np.int64)
        k = min(k, len(self.item_ids))
        found: set[int] = set()
        for start in range(0, codes.size if k else 0, USERS_AT_ONCE):
            scores = self.user_factors_[codes[start : start + USERS_AT_ONCE]] @ self.item_factors_.T
            found.update(np.argpartition(-scores, k - 1, axis=1)[:, :k].ravel().tolist())
        return {self.item_ids[i] for i in found}


class AffinitySegments(FromHyperparameters):
    """What both segmentation recipes share: the factor model, the users a segment can hold, and their likeliest items."""

    # What a saved state holds of it (state/records.py), besides each recipe's own.
    model: UserAffinity
    user_ids: list[str]

    def __init__(self, hidden_dimension: int = 149, random_state: int = 0) -> None:
        self.model = UserAffinity(hidden_dimension, random_state)
        self.user_ids: list[str] = []

    def fit(
        self, interactions: pd.DataFrame, items: pd.DataFrame | None = None, users: pd.DataFrame | None = None
    ) -> AffinitySegments:
        self.model.fit(interactions, items)
        self.user_ids = self.model.user_ids
        return self

    def top_items(self, user_ids: Sequence[str], k: int) -> set[str]:
        return self.model.top_items(user_ids, k)


class ItemAffinity(AffinitySegments):
    """Item-Affinity: a segment per item."""

    # What a saved state holds of it (state/records.py), with AffinitySegments'.
    item_ids: list[str]
    item_index_: dict[str, int]

    def fit(
        self, interactions: pd.DataFrame, items: pd.DataFrame | None = None, users: pd.DataFrame | None = None
    ) -> ItemAffinity:
        super().fit(interactions, items, users)
        self.item_ids = self.model.item_ids
        self.item_index_ = {item: i for i, item in enumerate(self.item_ids)}
        return self

    def segment(self, item_id: str, num_results: int) -> list[tuple[str, float]]:
        code = self.item_index_.get(item_id)
        if code is None:
            raise UnknownSegmentInput(f"The item {item_id} was not in the data the solution version was trained with.")
        return self.model.segment(np.array([code]), num_results)


class ItemAttributeAffinity(AffinitySegments):
    """Item-Attribute-Affinity: a segment per conjunction of item attributes."""

    # What a saved state holds of it (state/records.py), with AffinitySegments'.
    attributes_: dict[Any, Any]

    def fit(
        self, interactions: pd.DataFrame, items: pd.DataFrame | None = None, users: pd.DataFrame | None = None
    ) -> ItemAttributeAffinity:
        super().fit(interactions, items, users)
        # item-attribute-affinity-recipe.md: the Items dataset needs a non-textual, non-reserved metadata column.
        self.attributes_ = categorical_values(items, self.model.item_ids)
        if items is not None and items.empty:  # an Items dataset no import has filled (or whose import failed)
            raise TrainingError(
                "Create failed. The Items dataset holds 0 records; the Item-Attribute-Affinity recipe needs the items' attributes."
            )
        if not self.attributes_:
            raise TrainingError(
                "Create failed. The Item-Attribute-Affinity recipe needs an Items dataset with at least one "
                "non-textual metadata field."
            )
        return self

    def segment_by_attributes(self, attributes: Sequence[tuple[str, str]], num_results: int) -> list[tuple[str, float]]:
        """Fields match whatever their case; categorical values match one of an item's '|' values."""
        matching: np.ndarray | None = None
        for field, value in attributes:
            having = self.attributes_.get((field.upper(), canonical_value(value)), np.empty(0, np.int64))
            matching = having if matching is None else np.intersect1d(matching, having)
        if matching is None or matching.size == 0:
            wanted = " AND ".join(f'ITEMS.{field} = "{value}"' for field, value in attributes)
            raise UnknownSegmentInput(f"No item in the data the solution version was trained with has {wanted}.")
        return self.model.segment(matching, num_results)


def _with_cold_items(factors: np.ndarray, counts: np.ndarray, features: sp.csr_matrix) -> np.ndarray:
    """Factors where items without interactions take the metadata-weighted mean of the others' factors."""
    cold = np.flatnonzero(counts == 0)
    warm = np.flatnonzero(counts > 0)
    if cold.size == 0 or features.shape[1] == 0:
        return factors
    alike = (features[cold] @ features[warm].T).tocsr()  # sparse: most pairs share no metadata
    totals = np.asarray(alike.sum(axis=1)).ravel()
    weights = sp.diags(np.divide(1.0, totals, out=np.zeros_like(totals), where=totals > 0)) @ alike
    result = factors.copy()
    result[cold] = weights @ factors[warm]
    return result
