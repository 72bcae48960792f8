"""Who interacted with what, as a sparse users x items matrix the item-based recipes share."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .base import ITEM_ID, USER_ID, catalog
from .embeddings import truncated_svd


@dataclass(frozen=True)
class InteractionMatrix:
    """``matrix[u, i]`` is 1 when user u interacted with item i at least once.

    Columns follow ``item_ids``, the catalog of the Interactions and Items
    datasets, so items known only from their metadata have empty columns.
    """

    user_ids: list[str]
    item_ids: list[str]
    matrix: sp.csr_matrix

    @classmethod
    def build(cls, interactions: pd.DataFrame, items: pd.DataFrame | None = None) -> "InteractionMatrix":
        pairs = interactions[[USER_ID, ITEM_ID]].astype(str).drop_duplicates()
        item_ids = catalog(interactions, items)
        users = pairs[USER_ID].astype("category")
        item_codes = pd.Categorical(pairs[ITEM_ID], categories=item_ids).codes
        matrix = sp.csr_matrix(
            (np.ones(len(pairs), np.float32), (users.cat.codes.to_numpy(), item_codes)),
            shape=(len(users.cat.categories), len(item_ids)),
        )
        return cls(list(users.cat.categories), item_ids, matrix)

    @property
    def item_counts(self) -> np.ndarray:
        """Distinct users per item."""
        return np.asarray(self.matrix.sum(axis=0)).ravel()

    def discounted_svd(self, rank: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """(s, vt) of a truncated SVD of the matrix whose item columns are divided by the square root of
        their popularity, so that popular items do not make every item's factors alike."""
        discounted = self.matrix @ sp.diags(1.0 / np.sqrt(np.maximum(self.item_counts, 1.0)))
        _, s, vt = truncated_svd(discounted, rank, seed)
        return s, vt

    @property
    def user_lengths(self) -> np.ndarray:
        """Distinct items per user."""
        return np.asarray(self.matrix.sum(axis=1)).ravel()


def within_percentiles(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """Which values lie between the ``low`` and ``high`` percentiles (0-1) of ``values``, ends included."""
    if values.size == 0:
        return np.zeros(0, dtype=bool)
    bottom, top = np.quantile(values, [low, high])
    return (values >= bottom) & (values <= top)


def repeat_rate(interactions: pd.DataFrame) -> float:
    """How often an interaction repeats an earlier (user, item) pair, Laplace-smoothed so it is never 0 or 1."""
    repeats = interactions.duplicated([USER_ID, ITEM_ID]).sum()
    return float((repeats + 1) / (len(interactions) + 2))
