"""Items related to an item by the users who interacted with both: the domain use cases' related items.

Two items co-occur when one user interacted with both; their similarity is the
cosine of their user sets, ``co(i, j) / sqrt(n_i * n_j)`` with n an item's
distinct users, so an item does not come first only for being popular. With
``metadata`` (More like X: "similar to a video"), the cosine of the items'
categorical metadata (Items dataset) joins in, weighted by how little
interaction data the query item has: the co-occurrence part has
``n_q / (n_q + COLD_INTERACTIONS)`` of the blend and the metadata the rest, so a
title nobody watched yet still gets titles like it.

Scores are computed per request from the users x items matrix (the query
item's users and their items), so memory stays that of the interaction data.
The query item is never in its own list; an item the model does not know, or a
list short of related items, is filled with the most popular items (score 0),
as the service answers for related items without data. The service shows no
scores for related items (``reports_scores`` is False).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .base import ITEM_ID, SCORE_DECIMALS, USER_ID, catalog, categorical_tokens, unique_interactions
from .popularity import PopularityCount

# native-recipe-similar-items.md: "a cold item (an item with fewer than five interactions)".
COLD_INTERACTIONS = 5


class CoOccurrence:
    """Item-to-item cosine of co-occurrence, optionally blended with metadata similarity."""

    reports_scores = False

    def __init__(self, metadata: bool = False) -> None:
        self.metadata = metadata
        self.item_ids: list[str] = []

    def fit(
        self,
        interactions: pd.DataFrame,
        items: pd.DataFrame | None = None,
        users: pd.DataFrame | None = None,
    ) -> "CoOccurrence":
        data = unique_interactions(interactions)[[USER_ID, ITEM_ID]].astype(str).drop_duplicates()
        self.item_ids = catalog(interactions, items)
        self.item_index_ = {item: i for i, item in enumerate(self.item_ids)}
        user_codes = data[USER_ID].astype("category").cat.codes.to_numpy()
        item_codes = data[ITEM_ID].map(self.item_index_).to_numpy()
        self.users_items_ = sp.csr_matrix(
            (np.ones(len(data), np.float32), (user_codes, item_codes)),
            shape=(int(user_codes.max(initial=-1)) + 1, len(self.item_ids)),
        )
        self.items_users_ = self.users_items_.T.tocsr()
        self.counts_ = np.asarray(self.users_items_.sum(axis=0)).ravel()
        self.tokens_ = _unit_token_rows(self.item_ids, categorical_tokens(items, ITEM_ID)) if self.metadata else None
        self.popular_ = PopularityCount().fit(interactions, items)
        return self

    def similar(self, item_id: str, num_results: int, exclude: set[str] | None = None) -> list[tuple[str, float]]:
        """The most related items first, then popular items to fill the list."""
        skip = set(exclude or ()) | {item_id}
        code = self.item_index_.get(item_id)
        related: list[tuple[str, float]] = []
        if code is not None:
            scores = self._scores(code)
            allowed = scores > 0
            allowed[[self.item_index_[i] for i in skip if i in self.item_index_]] = False
            candidates = np.flatnonzero(allowed)
            if candidates.size > num_results > 0:  # only items scoring at least the k-th best can make the list
                kth = np.partition(scores[candidates], candidates.size - num_results)[candidates.size - num_results]
                candidates = candidates[scores[candidates] >= kth]
            # Best score first; ties go to the more popular item, then to catalog order.
            order = np.lexsort((candidates, -self.counts_[candidates], -scores[candidates]))[:num_results]
            related = [(self.item_ids[i], round(float(scores[i]), SCORE_DECIMALS)) for i in candidates[order]]
        fill = self.popular_.recommend("", [], num_results - len(related), exclude=skip | {item for item, _ in related})
        return related + [(item, 0.0) for item, _ in fill]

    def _scores(self, code: int) -> np.ndarray:
        co = self._co_occurrences(code)
        norms = np.sqrt(self.counts_ * self.counts_[code])
        scores = np.divide(co, norms, out=np.zeros(co.size), where=norms > 0)
        if self.tokens_ is not None and self.tokens_[code].nnz:
            weight = self.counts_[code] / (self.counts_[code] + COLD_INTERACTIONS)
            alike = self.tokens_ @ self.tokens_[code].toarray().ravel()
            scores = weight * scores + (1 - weight) * alike
        scores[code] = 0.0
        return scores

    def _co_occurrences(self, code: int) -> np.ndarray:
        """Per item, how many of the users of item ``code`` interacted with it: their rows of the matrix, counted."""
        by_item, by_user = self.items_users_, self.users_items_
        users = by_item.indices[by_item.indptr[code] : by_item.indptr[code + 1]]
        starts, lengths = by_user.indptr[users], np.diff(by_user.indptr)[users]
        # The positions of those rows' entries, gathered without a Python loop over the users.
        positions = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
        return np.bincount(by_user.indices[positions], minlength=len(self.item_ids)).astype(np.float64)


def _unit_token_rows(item_ids: list[str], tokens: dict[str, list[str]]) -> sp.csr_matrix:
    """Items x metadata tokens, each row of unit length (rows of items without metadata are empty)."""
    vocabulary = {token: k for k, token in enumerate(sorted({t for found in tokens.values() for t in found}))}
    rows, cols, values = [], [], []
    for i, item in enumerate(item_ids):
        found = tokens.get(item)
        if found:
            rows += [i] * len(found)
            cols += [vocabulary[t] for t in found]
            values += [1.0 / np.sqrt(len(found))] * len(found)
    return sp.csr_matrix((values, (rows, cols)), shape=(len(item_ids), len(vocabulary)))
