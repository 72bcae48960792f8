"""The factor side of aws-user-personalization: LightFM (WARP) over identities and metadata.

A training user is described by their identity and the categorical tokens of
their Users-dataset row; an item by its identity and its Items-dataset tokens
(metadata_share of the row each, when present). Items without interactions
thus get a position from their metadata, and so do users known only by their
metadata. One training row per user, whose positives are their items.

Only plain arrays are kept (no LightFM object): the fitted factors pickle, and
reading them is safe from concurrent requests.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp
from lightfm import LightFM

from .. import progress
from .metadata import feature_rows, token_columns, vocabulary

# Catalogs from this many items on score with BLAS (see Factors.scores).
BLAS_CATALOG = 20_000


@dataclass(frozen=True)
class FactorSettings:
    no_components: int
    epochs: int
    learning_rate: float
    item_alpha: float
    user_alpha: float
    max_sampled: int
    num_threads: int
    random_state: int
    user_metadata_share: float
    item_metadata_share: float


@dataclass(frozen=True)
class Factors:
    item_vectors: np.ndarray  # items x components: identity and metadata embeddings combined
    item_biases: np.ndarray
    identity_vectors: np.ndarray  # training users x components
    token_vectors: np.ndarray  # user metadata tokens x components
    token_columns: dict[str, int]
    user_metadata_share: float
    mean_user_vector: np.ndarray  # of the training users, for someone the model knows nothing about

    @classmethod
    def fit(
        cls,
        users: np.ndarray,
        items: np.ndarray,
        user_ids: list[str],
        item_ids: list[str],
        user_tokens: dict[str, list[str]],
        item_tokens: dict[str, list[str]],
        settings: FactorSettings,
        weights: np.ndarray | None = None,
    ) -> "Factors":
        """Fit on distinct (user code, item code) pairs of the training users, each weighing its weight (1 without ``weights``)."""
        shape = (len(user_ids), len(item_ids))
        positives = sp.coo_matrix((np.ones(users.size, np.float32), (users, items)), shape=shape).tocsr()
        positives.data[:] = 1.0  # repeated pairs were summed: binary again
        positives = positives.tocoo()
        # LightFM's sample weights: the same (distinct) pairs as the positives, each with its weight.
        sample_weight = None
        if weights is not None:  # laid out as the positives are (row, then column order)
            sample_weight = sp.coo_matrix((weights, (users, items)), shape=shape).tocsr().tocoo()
        known_tokens = {user: user_tokens[user] for user in user_ids if user in user_tokens}
        user_features = feature_rows(user_ids, known_tokens, settings.user_metadata_share)
        item_features = feature_rows(item_ids, item_tokens, settings.item_metadata_share)
        estimator = LightFM(
            no_components=settings.no_components,
            loss="warp",
            learning_rate=settings.learning_rate,
            item_alpha=settings.item_alpha,
            user_alpha=settings.user_alpha,
            max_sampled=settings.max_sampled,
            random_state=np.random.RandomState(settings.random_state),
        )
        for epoch in range(settings.epochs):  # one at a time, as fit(epochs=N) runs them, to report each
            estimator.fit_partial(
                positives,
                user_features=user_features,
                item_features=item_features,
                sample_weight=sample_weight,
                epochs=1,
                num_threads=settings.num_threads,
            )
            progress.report(epoch + 1, settings.epochs)
        embeddings = estimator.user_embeddings.astype(np.float32)
        n_users = len(user_ids)
        return cls(
            item_vectors=(item_features @ estimator.item_embeddings).astype(np.float32),
            item_biases=(item_features @ estimator.item_biases).astype(np.float32),
            identity_vectors=embeddings[:n_users],
            token_vectors=embeddings[n_users:],
            token_columns=vocabulary(known_tokens),
            user_metadata_share=settings.user_metadata_share,
            mean_user_vector=np.asarray((user_features @ embeddings).mean(axis=0)).ravel().astype(np.float32),
        )

    def for_catalog(self, old_items: list[str], new_items: list[str]) -> "Factors":
        """These factors over a grown catalog, unretrained: known items keep their vectors, items new
        to it start as the average item with the lowest bias, until a FULL training places them."""
        position = {item: i for i, item in enumerate(old_items)}
        rows = np.array([position.get(item, -1) for item in new_items], dtype=np.int64)
        known = rows >= 0
        vectors = np.empty((len(new_items), self.item_vectors.shape[1]), dtype=np.float32)
        biases = np.empty(len(new_items), dtype=np.float32)
        vectors[known], biases[known] = self.item_vectors[rows[known]], self.item_biases[rows[known]]
        vectors[~known] = self.item_vectors.mean(axis=0) if len(old_items) else 0.0
        biases[~known] = self.item_biases.min() if len(old_items) else 0.0
        return replace(self, item_vectors=vectors, item_biases=biases)

    def user_vector(
        self, identity: int | None, tokens: list[str], recent: np.ndarray, recency: np.ndarray
    ) -> np.ndarray:
        """The user's representation: identity and metadata as in training, shares of absent parts
        going to the present ones. Someone with neither is folded in from their recent items
        (catalog positions, weighted by ``recency``); with no items either, the average user."""
        columns = token_columns(tokens, self.token_columns)
        metadata = _mean_of_rows(self.token_vectors[columns]) if columns.size else None
        if identity is not None:
            own = self.identity_vectors[identity]
            if metadata is None:
                return own
            return (1 - self.user_metadata_share) * own + self.user_metadata_share * metadata
        if metadata is not None:
            return metadata
        if recent.size:
            return recency.astype(np.float32) @ self.item_vectors[recent] / float(recency.sum())
        return self.mean_user_vector

    def scores(self, user_vector: np.ndarray) -> np.ndarray:
        """Catalog-wide logits of a user representation.

        einsum rather than BLAS on catalogs of ordinary size: a multi-threaded matrix-vector product
        per request costs ten times more on a machine whose cores are busy (requests run side by
        side). On a catalog of BLAS_CATALOG items or more the product is most of the request, and
        BLAS does it in half einsum's time (0.6 ms against 1.3 ms for 100,000 items and 64 factors). It keeps
        OpenBLAS's threads: on one thread the 100,000-item catalog's p50 rose from 3.2 to 3.7 ms on an idle
        machine (bench/runtime.py), though it waits less on busy cores. A model's training users are scored
        once, together (FactorTable), where the catalog is small enough.
        """
        if self.item_vectors.shape[0] >= BLAS_CATALOG:
            return self.item_vectors @ user_vector + self.item_biases
        return np.einsum("ij,j->i", self.item_vectors, user_vector) + self.item_biases


@dataclass(frozen=True)
class CatalogMoments:
    """The item side's first and second moments over the catalog: a user's factor scores s = V u + b then have
    mean m.u + mean(b) and mean square u'Gu + 2 c.u + mean(b^2), without a pass over the catalog."""

    mean_vector: np.ndarray  # mean of V's rows
    mean_bias: float
    gram: np.ndarray  # V'V / n
    cross: np.ndarray  # V'b / n
    mean_square_bias: float

    @classmethod
    def of(cls, factors: Factors) -> "CatalogMoments":
        vectors, biases = factors.item_vectors.astype(np.float64), factors.item_biases.astype(np.float64)
        n = max(vectors.shape[0], 1)
        return cls(vectors.mean(axis=0), float(biases.mean()), vectors.T @ vectors / n, vectors.T @ biases / n, float(biases @ biases / n))

    def spread(self, user_vector: np.ndarray) -> float:
        """The standard deviation over the catalog of the scores of ``user_vector``."""
        u = user_vector.astype(np.float64)
        mean = float(self.mean_vector @ u) + self.mean_bias
        square = float(u @ self.gram @ u) + 2.0 * float(self.cross @ u) + self.mean_square_bias
        return float(np.sqrt(max(square - mean * mean, 0.0)))


@dataclass(frozen=True)
class FactorTable:
    """Users' factor scores over the catalog, computed at once, with each user's standard deviation."""

    scores: np.ndarray  # users x items, float32
    spreads: np.ndarray

    @classmethod
    def of(cls, user_vectors: np.ndarray, factors: Factors) -> "FactorTable":
        """The table of ``user_vectors`` (users x components): one matrix product, as a deployment makes it."""
        scores = user_vectors @ factors.item_vectors.T
        scores += factors.item_biases
        scores.flags.writeable = False
        return cls(scores, scores.std(axis=1, dtype=np.float64))


def _mean_of_rows(rows: np.ndarray) -> np.ndarray:
    """``rows.mean(axis=0)`` to the bit (numpy's sum, then its division in place), without its per-call overhead."""
    total = np.add.reduce(rows, axis=0)
    return np.true_divide(total, np.intp(rows.shape[0]), out=total, casting="unsafe")
