"""aws-user-personalization: a sequence-aware LightFM (WARP) model.

How the sequence is taken into account
--------------------------------------
A user is not one fixed embedding. The user representation is the weighted sum
of the embeddings of the user's *features*:

* the user's identity (only for users seen in training),
* the user's categorical metadata from the Users dataset, if any,
* the user's most recent ``history_length`` items (``bptt``), each item having
  its own "was recently consumed" feature. With ``recency_mask`` the weights
  halve every ``recency_half_life`` steps back (lags weighing under 1% are
  dropped); without it the window is weighted equally.

Each feature group gets a fixed share of a total weight of 1 (shares of absent
groups are redistributed). Training mirrors next-item prediction: each user's
sequence is cut into chunks of ``chunk_size`` interactions (default 1, i.e.
every interaction) and each chunk is one LightFM training row whose features
are the identity and metadata plus the items consumed *before* the chunk, and
whose positives are the chunk's items. So the history-item embeddings learn
"what tends to come after this". Items are represented by their identity plus
categorical Items-dataset metadata ('|'-separated values), which gives items
without interactions a meaningful position.

At recommendation time the representation is recomputed with numpy from the
``history`` passed in (training data plus events recorded since), exactly like
``LightFM.get_user_representations`` would: a recorded click changes the answer
at once, and a user unknown to the model but with a few events gets
personalized results. A user with neither identity nor history gets the average
training representation, which ranks broadly popular items first.

Scores
------
As recommendations.md describes, scores are a softmax over every catalog item
(exp of user . item + item bias, divided by the sum over all items), so the
scores of the whole catalog sum to 1. The model also learns how often users
return to items they already consumed (``repeat_rate_``); the probability mass
of the items in the user's history is rescaled to that rate, so on data without
repeats already-seen items sink to the bottom while on re-purchase data they
stay. Filters (``exclude``) remove items after scoring; the other scores are not
renormalized, as in the service.

Exploration (campaignConfig.itemExplorationConfig)
--------------------------------------------------
``exploration_weight`` w in [0, 1] is the share of the result slots given to
*cold* items (round(w * numResults), at least one when w > 0): the most
relevant of them for this user. The other slots take the best remaining items,
and the list is ordered by score, so exploration never reorders what it does
not replace and scores stay the model's probabilities. Cold items are those
whose training interaction count is in the bottom quartile of the catalog
(items without interactions included) and whose age is at most
``exploration_item_age_cutoff_days``; age runs from the item's
CREATION_TIMESTAMP in the Items dataset (else its first interaction) to the
latest interaction in the training data, and items of unknown age qualify.
w = 0 is pure exploitation. The same request always gives the same list.

Hyperparameters (algorithmHyperParameters, checked by CreateSolution)
---------------------------------------------------------------------
hidden_dimension -> no_components; bptt -> history_length; recency_mask;
min/max_user_history_length_percentile (users outside the range do not train,
but their events still feed their recommendations). The recipe's table in
hyperparameters.py sets names and ranges; values arrive typed. The default of
64 components (the service says 149) keeps MovieLens-100K-sized training to a
few seconds; pass hidden_dimension=149 to match the service.

Determinism: training uses one thread by default. LightFM's multi-threaded
training is lock-free (Hogwild), so with ``num_threads`` > 1 two runs with the
same seed give different models; one thread makes a seed reproduce the model
exactly, at about 1.8x the training time.

The fitted model keeps only numpy arrays (no LightFM object), is picklable, and
``recommend`` only reads them, so concurrent calls are safe.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp
from lightfm import LightFM

from .base import (
    CREATION_TIMESTAMP,
    ITEM_ID,
    SCORE_DECIMALS,
    SECONDS_PER_DAY,
    TIMESTAMP,
    USER_ID,
    TrainingError,
    catalog,
    categorical_tokens,
    chronological,
    unique_interactions,
)
from .hyperparameters import Value

# The recipe's hyperparameters and the constructor keyword each sets.
HYPERPARAMETERS: dict[str, str] = {
    "hidden_dimension": "no_components",
    "bptt": "history_length",
    "recency_mask": "recency_mask",
    "min_user_history_length_percentile": "min_user_history_length_percentile",
    "max_user_history_length_percentile": "max_user_history_length_percentile",
}

# Share of the user representation carried by each feature group.
USER_GROUP_SHARES = {"identity": 0.4, "metadata": 0.1, "history": 0.5}
# Share of an item representation carried by its metadata (rest: identity).
ITEM_METADATA_SHARE = 0.3
COLD_QUANTILE = 0.25
MIN_RECENCY_WEIGHT = 0.01


@dataclass(frozen=True)
class _FeatureSpace:
    """Column layout of the user feature matrix: identities, items, tokens."""

    n_users: int
    n_items: int
    n_tokens: int

    def history_column(self, item_codes: np.ndarray) -> np.ndarray:
        return self.n_users + item_codes

    def token_column(self, token_codes: np.ndarray) -> np.ndarray:
        return self.n_users + self.n_items + token_codes


class UserPersonalization:
    """LightFM WARP recommender whose users are described by their recent items."""

    reports_scores = True

    def __init__(
        self,
        no_components: int = 64,
        epochs: int = 12,
        history_length: int = 32,
        recency_mask: bool = True,
        recency_half_life: float = 2.0,
        chunk_size: int = 1,
        learning_rate: float = 0.05,
        item_alpha: float = 1e-6,
        user_alpha: float = 1e-6,
        max_sampled: int = 10,
        min_user_history_length_percentile: float = 0.0,
        max_user_history_length_percentile: float = 0.99,
        num_threads: int = 1,
        random_state: int = 0,
    ) -> None:
        self.no_components = no_components
        self.epochs = epochs
        self.history_length = history_length
        self.recency_mask = recency_mask
        self.recency_half_life = recency_half_life
        self.chunk_size = chunk_size
        self.learning_rate = learning_rate
        self.item_alpha = item_alpha
        self.user_alpha = user_alpha
        self.max_sampled = max_sampled
        self.min_user_history_length_percentile = min_user_history_length_percentile
        self.max_user_history_length_percentile = max_user_history_length_percentile
        self.num_threads = num_threads
        self.random_state = random_state
        self.item_ids: list[str] = []

    @classmethod
    def from_hyperparameters(
        cls, hyperparameters: Mapping[str, Value], seed: int = 0
    ) -> "UserPersonalization":
        """Values arrive typed and within the recipe's ranges; absent ones keep the constructor's defaults."""
        kwargs = {HYPERPARAMETERS[name]: value for name, value in hyperparameters.items()}
        return cls(random_state=seed, **kwargs)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ fit

    def fit(
        self,
        interactions: pd.DataFrame,
        items: pd.DataFrame | None = None,
        users: pd.DataFrame | None = None,
    ) -> "UserPersonalization":
        data = chronological(unique_interactions(_core_columns(interactions)))
        train = self._training_subset(data)
        if train.empty:
            raise TrainingError("No users are left for training after the user history length filter.")
        self._index(data, train, items, users)
        item_features = _item_features(self.item_ids, categorical_tokens(items, ITEM_ID))
        positives, user_features = self._training_matrices(train)
        estimator = LightFM(
            no_components=self.no_components,
            loss="warp",
            learning_rate=self.learning_rate,
            item_alpha=self.item_alpha,
            user_alpha=self.user_alpha,
            max_sampled=self.max_sampled,
            random_state=np.random.RandomState(self.random_state),
        )
        estimator.fit(
            positives,
            user_features=user_features,
            item_features=item_features,
            epochs=self.epochs,
            num_threads=self.num_threads,
        )
        self._keep_parameters(estimator, user_features, item_features)
        self._fit_statistics(data, items)
        return self

    def _index(
        self,
        data: pd.DataFrame,
        train: pd.DataFrame,
        items: pd.DataFrame | None,
        users: pd.DataFrame | None,
    ) -> None:
        """Number items, training users and metadata tokens; lay out the features."""
        self.item_ids = catalog(data, items)
        self.item_index_ = {item: i for i, item in enumerate(self.item_ids)}
        self.user_ids_: list[str] = sorted(train[USER_ID].unique())
        self.user_index_ = {user: u for u, user in enumerate(self.user_ids_)}
        user_tokens = categorical_tokens(users, USER_ID)
        vocabulary = sorted({t for tokens in user_tokens.values() for t in tokens})
        token_index = {token: k for k, token in enumerate(vocabulary)}
        self.user_tokens_ = {
            user: np.array([token_index[t] for t in tokens], np.int64)
            for user, tokens in user_tokens.items()
        }
        self.space_ = _FeatureSpace(len(self.user_ids_), len(self.item_ids), len(vocabulary))
        self.decay_ = self._decay_table()

    def _training_matrices(self, train: pd.DataFrame) -> tuple[sp.coo_matrix, sp.csr_matrix]:
        """Positives (row x item) and user features (row x feature) of the training rows."""
        user_codes = train[USER_ID].map(self.user_index_).to_numpy(np.int64)
        item_codes = train[ITEM_ID].map(self.item_index_).to_numpy(np.int64)
        rows, user_features = self._training_rows(user_codes, item_codes)
        positives = sp.coo_matrix(
            (np.ones(item_codes.size, np.float32), (rows, item_codes)),
            shape=(user_features.shape[0], len(self.item_ids)),
        ).tocsr().tocoo()  # merges a chunk's repeated items
        positives.data[:] = 1.0
        return positives, user_features

    def _training_subset(self, data: pd.DataFrame) -> pd.DataFrame:
        """Drop users outside the history-length percentile range."""
        lengths = data.groupby(USER_ID).size()
        low, high = np.quantile(
            lengths.to_numpy(),
            [self.min_user_history_length_percentile, self.max_user_history_length_percentile],
        )
        kept = lengths.index[(lengths >= low) & (lengths <= high)]
        return data[data[USER_ID].isin(kept)].reset_index(drop=True)

    def _decay_table(self) -> np.ndarray:
        """Weight of the item ``lag`` steps back (index 0 = most recent).

        With the recency mask, lags whose weight falls below MIN_RECENCY_WEIGHT
        are dropped: they barely move the representation but cost training time.
        """
        lags = np.arange(self.history_length, dtype=np.float64)
        if not self.recency_mask:
            return np.ones_like(lags)
        decay = 0.5 ** (lags / self.recency_half_life)
        return decay[decay >= MIN_RECENCY_WEIGHT]

    def _training_rows(
        self, user_codes: np.ndarray, item_codes: np.ndarray
    ) -> tuple[np.ndarray, sp.csr_matrix]:
        """Cut each user's sequence into chunks; one feature row per chunk.

        A row's features are the user's identity and metadata plus the items
        consumed *before* the chunk. Returns the row of every interaction and
        the rows' feature matrix. Interactions arrive sorted by user, then time.
        """
        position = np.arange(user_codes.size) - _group_starts(user_codes)
        is_chunk_start = position % self.chunk_size == 0
        rows = np.cumsum(is_chunk_start) - 1
        starts = np.flatnonzero(is_chunk_start)
        row_users = user_codes[starts]
        history = self._history_entries(starts, position[starts], item_codes)
        tokens = self._user_token_matrix()[row_users]
        shares = _shares(  # training rows always carry the identity
            has_identity=np.ones(starts.size, dtype=bool),
            has_metadata=tokens.getnnz(axis=1) > 0,
            has_history=history.getnnz(axis=1) > 0,
        )
        blocks = [
            sp.csr_matrix(
                (shares["identity"], (np.arange(starts.size), row_users)),
                shape=(starts.size, self.space_.n_users),
            ),
            _scale_rows(history, shares["history"]),
            _scale_rows(tokens, shares["metadata"]),
        ]
        return rows, sp.hstack(blocks, format="csr", dtype=np.float32)

    def _history_entries(
        self, starts: np.ndarray, start_positions: np.ndarray, item_codes: np.ndarray
    ) -> sp.csr_matrix:
        """Rows x items: decay weights of the items preceding each row's chunk."""
        row_ids, cols, weights = [], [], []
        for lag, decay in enumerate(self.decay_, start=1):
            valid = np.flatnonzero(start_positions >= lag)
            row_ids.append(valid)
            cols.append(item_codes[starts[valid] - lag])
            weights.append(np.full(valid.size, decay))
        return sp.csr_matrix(
            (np.concatenate(weights), (np.concatenate(row_ids), np.concatenate(cols))),
            shape=(starts.size, self.space_.n_items),
        )

    def _user_token_matrix(self) -> sp.csr_matrix:
        """Training users x metadata tokens, 1 where the user has the token."""
        rows, cols = [], []
        for user, tokens in self.user_tokens_.items():
            if user in self.user_index_:
                rows.append(np.full(tokens.size, self.user_index_[user]))
                cols.append(tokens)
        data = (
            (np.ones(sum(r.size for r in rows)), (np.concatenate(rows), np.concatenate(cols)))
            if rows
            else (np.empty(0), (np.empty(0, np.int64), np.empty(0, np.int64)))
        )
        return sp.csr_matrix(data, shape=(self.space_.n_users, self.space_.n_tokens))

    def _keep_parameters(
        self, estimator: LightFM, user_features: sp.csr_matrix, item_features: sp.csr_matrix
    ) -> None:
        """Keep plain arrays: item representations are fixed, users are rebuilt per request."""
        self.user_embeddings_ = estimator.user_embeddings.astype(np.float32)
        self.item_vectors_ = (item_features @ estimator.item_embeddings).astype(np.float32)
        self.item_biases_ = (item_features @ estimator.item_biases).astype(np.float32)
        # Someone with neither identity nor history gets the average training row.
        rows = user_features @ self.user_embeddings_
        self.default_user_vector_ = np.asarray(rows.mean(axis=0)).ravel().astype(np.float32)

    def _fit_statistics(self, data: pd.DataFrame, items: pd.DataFrame | None) -> None:
        """Repeat rate and the per-item facts exploration needs."""
        repeats = data.duplicated([USER_ID, ITEM_ID]).sum()
        self.repeat_rate_ = float((repeats + 1) / (len(data) + 2))  # Laplace-smoothed
        counts = data.groupby(ITEM_ID).size().reindex(self.item_ids, fill_value=0)
        self.item_counts_ = counts.to_numpy(np.int64)
        self.cold_max_count_ = float(np.quantile(self.item_counts_, COLD_QUANTILE))
        born = data.groupby(ITEM_ID)[TIMESTAMP].min().reindex(self.item_ids)
        if items is not None and CREATION_TIMESTAMP in items:
            created = items.assign(**{ITEM_ID: items[ITEM_ID].astype(str)}).groupby(ITEM_ID)[
                CREATION_TIMESTAMP
            ].min()
            born = created.reindex(self.item_ids).astype(float).fillna(born)
        reference = float(data[TIMESTAMP].max())
        self.item_age_days_ = ((reference - born.astype(float)) / SECONDS_PER_DAY).to_numpy()

    # ------------------------------------------------------------ recommend

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
        """Best items first as (itemId, score); see the module docstring."""
        history_codes = self._codes(history)
        scores = self._adjust_for_repeats(
            _softmax(self._logits(user_id, history_codes)), history_codes
        )
        allowed = np.ones(len(self.item_ids), dtype=bool)
        if exclude:
            allowed[self._codes(exclude)] = False
        n = min(num_results, int(allowed.sum()))
        explore = _best(
            scores,
            allowed & self._cold_items(exploration_item_age_cutoff_days),
            _exploration_slots(exploration_weight, n),
        )
        exploit_pool = allowed.copy()
        exploit_pool[explore] = False
        chosen = np.zeros_like(allowed)
        chosen[explore] = True
        chosen[_best(scores, exploit_pool, n - explore.size)] = True
        return [
            (self.item_ids[i], round(float(scores[i]), SCORE_DECIMALS))
            for i in _best(scores, chosen, n)
        ]

    def _codes(self, item_ids: Sequence[str] | set[str]) -> np.ndarray:
        """Catalog positions of the known items, order kept; unknown ids dropped."""
        codes = [self.item_index_[i] for i in item_ids if i in self.item_index_]
        return np.array(codes, dtype=np.int64)

    def _logits(self, user_id: str, history_codes: np.ndarray) -> np.ndarray:
        # The user bias shifts every item equally, so the softmax ignores it.
        return self.item_vectors_ @ self._user_vector(user_id, history_codes) + self.item_biases_

    def _user_vector(self, user_id: str, history_codes: np.ndarray) -> np.ndarray:
        columns, weights = self._user_features(user_id, history_codes)
        if columns.size == 0:
            return self.default_user_vector_
        return weights.astype(np.float32) @ self.user_embeddings_[columns]

    def _user_features(
        self, user_id: str, history_codes: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Feature columns and weights of one user, as in a training row."""
        recent = history_codes[::-1][: self.decay_.size]  # most recent first
        identity = self.user_index_.get(user_id)
        tokens = self.user_tokens_.get(user_id, np.empty(0, np.int64))
        shares = {
            group: float(share[0])
            for group, share in _shares(
                np.array([identity is not None]),
                np.array([tokens.size > 0]),
                np.array([recent.size > 0]),
            ).items()
        }
        decay = self.decay_[: recent.size]
        columns = [
            np.array([identity] if identity is not None else [], np.int64),
            self.space_.token_column(tokens),
            self.space_.history_column(recent),
        ]
        weights = [
            np.full(columns[0].size, shares["identity"]),
            np.full(tokens.size, shares["metadata"] / max(tokens.size, 1)),
            decay * (shares["history"] / decay.sum()) if recent.size else np.empty(0),
        ]
        return np.concatenate(columns), np.concatenate(weights)

    def _adjust_for_repeats(self, probabilities: np.ndarray, history_codes: np.ndarray) -> np.ndarray:
        """Give the already-consumed items the share of mass repeats get in the data."""
        seen = np.zeros(probabilities.size, dtype=bool)
        seen[history_codes] = True
        seen_mass = probabilities[seen].sum()
        if not 0.0 < seen_mass < 1.0:
            return probabilities
        scale = np.where(
            seen, self.repeat_rate_ / seen_mass, (1 - self.repeat_rate_) / (1 - seen_mass)
        )
        return probabilities * scale

    def _cold_items(self, cutoff_days: float) -> np.ndarray:
        """Items with little interaction data that are young enough to explore."""
        young = np.isnan(self.item_age_days_) | (self.item_age_days_ <= cutoff_days)
        return young & (self.item_counts_ <= self.cold_max_count_)


def _core_columns(interactions: pd.DataFrame) -> pd.DataFrame:
    data = interactions[[USER_ID, ITEM_ID, TIMESTAMP]].copy()
    data[USER_ID] = data[USER_ID].astype(str)
    data[ITEM_ID] = data[ITEM_ID].astype(str)
    data[TIMESTAMP] = data[TIMESTAMP].astype(np.int64)
    return data


def _group_starts(sorted_codes: np.ndarray) -> np.ndarray:
    """For each position, the index where its run of equal codes begins."""
    boundary = np.ones(sorted_codes.size, dtype=bool)
    boundary[1:] = sorted_codes[1:] != sorted_codes[:-1]
    starts = np.flatnonzero(boundary)
    return starts[np.cumsum(boundary) - 1]


def _scale_rows(matrix: sp.csr_matrix, totals: np.ndarray) -> sp.csr_matrix:
    """Rescale each row to sum to its total (empty rows stay empty)."""
    sums = np.asarray(matrix.sum(axis=1)).ravel()
    factors = np.divide(totals, sums, out=np.zeros_like(totals, dtype=np.float64), where=sums > 0)
    return sp.diags(factors) @ matrix


def _shares(
    has_identity: np.ndarray, has_metadata: np.ndarray, has_history: np.ndarray
) -> dict[str, np.ndarray]:
    present = {"identity": has_identity, "metadata": has_metadata, "history": has_history}
    raw = {g: np.where(p, USER_GROUP_SHARES[g], 0.0) for g, p in present.items()}
    total = sum(raw.values())
    safe = np.where(total > 0, total, 1.0)
    return {g: r / safe for g, r in raw.items()}


def _exploration_slots(weight: float, n: int) -> int:
    """Result slots for cold items: the weight's share, rounded, so a list too short for a share has none
    (numResults=1 is the user's best item, not a cold one)."""
    return round(min(max(weight, 0.0), 1.0) * n)


def _best(scores: np.ndarray, allowed: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k best allowed items, best first (ties: catalog order)."""
    candidates = np.flatnonzero(allowed)
    k = min(k, candidates.size)
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    # Only items scoring at least the k-th best score can make the list.
    kth = np.partition(scores[candidates], candidates.size - k)[candidates.size - k]
    candidates = candidates[scores[candidates] >= kth]
    order = np.lexsort((candidates, -scores[candidates]))
    return candidates[order[:k]]


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max())
    return shifted / shifted.sum()


def _item_features(item_ids: list[str], item_tokens: dict[str, list[str]]) -> sp.csr_matrix:
    """Identity plus metadata tokens per item; each row sums to 1."""
    vocabulary = sorted({t for tokens in item_tokens.values() for t in tokens})
    token_index = {t: k for k, t in enumerate(vocabulary)}
    n_items = len(item_ids)
    rows, cols, weights = list(range(n_items)), list(range(n_items)), [1.0] * n_items
    for i, item in enumerate(item_ids):
        tokens = item_tokens.get(item)
        if not tokens:
            continue
        weights[i] = 1.0 - ITEM_METADATA_SHARE
        for token in tokens:
            rows.append(i)
            cols.append(n_items + token_index[token])
            weights.append(ITEM_METADATA_SHARE / len(tokens))
    return sp.csr_matrix(
        (np.array(weights, np.float32), (rows, cols)),
        shape=(n_items, n_items + len(vocabulary)),
    )
