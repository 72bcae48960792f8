"""aws-user-personalization (and -v2): recency-weighted item-to-item and sequence models blended with LightFM factors.

The score of an item for a user blends four views of the user:

* what they did lately (item_linear.py): an EASE item-to-item model reads the
  user's ``history_length`` (``bptt``) most recent items; with ``recency_mask``
  the item ``lag`` steps back counts 0.5 ** (lag / half-life), so the latest
  items weigh most, as in the service's sequence models; without it the window
  counts evenly. The half-life grows with the user's history (a tenth of it,
  ``recency_half_life_share``, at least ``recency_half_life`` steps): a long
  history says more about lasting tastes than a short one. With
  ``recency_mask`` the model is also fitted with each user's latest
  interactions weighing most (TRAINING_RECENCY_*), so that it learns which items
  go together in a user's recent consumption rather than over their lifetime;
* what comes next (follows.py): what other users went on to, within a few
  steps, after the items this user consumed last (the latest counts most,
  halving with each step back), weighing by the share of those items anyone
  was seen to follow; a view of recency, so only with ``recency_mask``;
* what goes with it (follows.py): what other users took at the same moment
  (one timestamp) as the items this user consumed last, in any order;
  also a view of recency, only with ``recency_mask``;
* who they are (factors.py): LightFM WARP factors of the user's identity and
  Users-dataset metadata against items' identity and Items-dataset metadata,
  which also place items without interactions and users the model never saw.

Each view's catalog-wide scores are standardized per request and averaged with
the weights of BLEND; a view without information for this user (no history, so
no item-to-item or sequence scores; no timestamps shared in the data, so no
same-moment scores) drops out. The request's context (contextual metadata)
adds its log-lifts (context.py) to the blend before the softmax. On MovieLens 100K, under the service's
evaluation protocol, the blend beats each view alone (bench/quality.py,
BENCHMARKS.md); BLEND's weights, the half-lives and the sequence window come
from a small grid there (BENCHMARKS.md).

Everything is computed at request time from the ``history`` passed in
(training data plus events recorded since): a recorded click changes the answer
at once, and a user unknown to the model is served from their events (their
factor vector folded in from their recent items), from their metadata, or, with
neither, as the average user, which ranks broadly popular items first.

Scores
------
As recommendations.md describes, scores are a softmax over every catalog item,
so the scores of the whole catalog sum to 1. The model also learns how often users return to items they
already consumed (``repeat_rate_``); the probability mass of the items in the
user's history is rescaled to that rate, so on data without repeats
already-seen items sink to the bottom while on re-purchase data they stay.
Filters (``exclude``) remove items after scoring; the other scores are not
renormalized, as in the service.

Exploration (campaignConfig.itemExplorationConfig)
--------------------------------------------------
The exploration's ``weight`` w in [0, 1] is the share of the result slots given to
*cold* items (round(w * numResults)): the most relevant of them for this user.
The other slots take the best remaining items, and the list is ordered by
score, so exploration never reorders what it does not replace and scores stay
the model's probabilities. Cold items are those whose training interaction
count is in the bottom quartile of the catalog (items without interactions
included) and whose age is at most its ``item_age_cutoff_days``; age
runs from the item's CREATION_TIMESTAMP in the Items dataset (else its first
interaction) to the latest interaction in the training data, and items of
unknown age qualify. Impressions guide the choice: a cold item's claim on a slot
is its score divided by one plus the times it was shown beyond its interactions
(shown and ignored). w = 0 is pure exploitation. The same request always gives
the same list, which says which items exploration chose (base.Picks).

Hyperparameters (algorithmHyperParameters, checked by CreateSolution)
---------------------------------------------------------------------
hidden_dimension -> no_components; bptt -> history_length; recency_mask (v2:
apply_recency_bias); min/max_user_history_length_percentile (users outside the
range do not train, but their events still feed their recommendations). The
recipe's table in hyperparameters.py sets names and ranges; values arrive
typed. The default of 64 components (the service says 149) keeps training on a
million interactions within a minute; pass hidden_dimension=149 to match the
service.

Determinism: LightFM trains on one thread. Its multi-threaded training is
lock-free (Hogwild), so two runs with the same seed would differ; one thread
makes the same data and configuration give the same model and answers.

The fitted model keeps only numpy arrays, is picklable, and ``recommend`` only
reads them, so concurrent calls are safe.
"""
from __future__ import annotations

from functools import cached_property
from typing import Any, ClassVar, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .base import (
    CREATION_TIMESTAMP,
    EVENT_TYPE,
    EVENT_VALUE,
    EVENT_WEIGHT,
    ITEM_ID,
    NO_EXPLORATION,
    SCORE_DECIMALS,
    SECONDS_PER_DAY,
    TIMESTAMP,
    USER_ID,
    Exploration,
    Picks,
    Signals,
    TrainingError,
    catalog,
    chronological,
    unique_interactions,
)
from .context import ContextLifts, context_columns
from .factors import CatalogMoments, Factors, FactorSettings, FactorTable
from .blend import NO_SHIFTS, Tables, best_positions, blended_probabilities, user_logits
from .follows import follow_counts, together_counts
from .hyperparameters import Value
from .item_linear import ItemLinear
from .metadata import categorical_tokens

# The recipes' hyperparameters and the constructor keyword each sets.
HYPERPARAMETERS: dict[str, str] = {
    "hidden_dimension": "no_components",
    "bptt": "history_length",
    "recency_mask": "recency_mask",
    "apply_recency_bias": "recency_mask",
    "min_user_history_length_percentile": "min_user_history_length_percentile",
    "max_user_history_length_percentile": "max_user_history_length_percentile",
}

# Weight of each view's standardized scores: bench/quality.py measures each view alone beside the blend. The
# sequence view weighs half what ranked best on MovieLens (0.2): there its latest item, one of another taste after
# a session of eight, would pull the user's top 10 away from the session's taste (tests/test_recorded_data.py).
BLEND = {"linear": 0.4, "factors": 0.5, "sequence": 0.1, "together": 0.1}
# Fitting the item-to-item view with recency: a user's interaction ``lag`` steps before their latest weighs
# FLOOR + (1 - FLOOR) * 0.5 ** (lag / HALF_LIFE), so old tastes still count, less.
TRAINING_RECENCY_HALF_LIFE = 100.0
TRAINING_RECENCY_FLOOR = 0.2
# The sequence view: items following within FOLLOW_WINDOW steps; it reads the user's SEQUENCE_STEPS latest
# items, the one ``lag`` steps back weighing 0.5 ** (lag / SEQUENCE_HALF_LIFE) (beyond 8 steps, under 1%).
FOLLOW_WINDOW = 3
SEQUENCE_HALF_LIFE = 1.0
SEQUENCE_STEPS = 8
# The same-moment view: pairs of a user's interactions sharing their timestamp within TOGETHER_WINDOW steps, the
# columns discounted by popularity ** TOGETHER_DISCOUNT; it reads the TOGETHER_STEPS latest items, the one ``lag``
# steps back weighing 0.5 ** (lag / TOGETHER_HALF_LIFE) (the next ones would add under 2%).
TOGETHER_WINDOW = 10
TOGETHER_DISCOUNT = 0.35
TOGETHER_HALF_LIFE = 0.5
TOGETHER_STEPS = 3
_TOGETHER_WEIGHTS = 0.5 ** (np.arange(TOGETHER_STEPS) / TOGETHER_HALF_LIFE)  # newest first; the view exists only with recency_mask
# Training users x items up to which a model keeps every training user's factor scores (64 MB of float32).
FACTOR_TABLE_ENTRIES = 16_000_000
USER_METADATA_SHARE = 0.2
ITEM_METADATA_SHARE = 0.3
COLD_QUANTILE = 0.25
# Interactions columns that are no context: the reserved fields (custom-datasets-and-schemas.md) and training weights.
NOT_CONTEXT = (USER_ID, ITEM_ID, TIMESTAMP, EVENT_TYPE, EVENT_VALUE, EVENT_WEIGHT, "IMPRESSION", "RECOMMENDATION_ID", "EVENT_ATTRIBUTION_SOURCE")
NO_SIGNALS = Signals()
_NONE = np.empty(0, dtype=np.int64)
_NO_WEIGHTS = np.empty(0, dtype=np.float64)
_SCALE = 10.0**SCORE_DECIMALS
# History entries whose catalog positions a model keeps at most, all users together (UserPersonalization._history_codes):
# about 16 MB of item references and positions.
_HISTORY_ENTRIES_KEPT = 1_000_000
# Refused sets whose catalog positions a model keeps at most (UserPersonalization._excluded_codes).
_EXCLUSIONS_KEPT = 4096
# Users' logits a model keeps at most, all users' entries together (UserPersonalization._user_logits): 64 MB of float64.
_LOGITS_KEPT = 8_000_000
# Users whose logits must fit that for a model to keep any (catalogs up to 8,000 items).
_LOGITS_USERS = 1_000


class UserPersonalization:
    """Recency-weighted EASE item-to-item and follow-up scores blended with LightFM factors."""

    # What a saved state holds of it (state/records.py); the last call's scores and the like are caches, not data.
    TRANSIENT: ClassVar[frozenset[str]] = frozenset(
        {"_last_scores", "_exclusions", "_last_history", "_history_by_user", "_history_entries", "_logits_by_user", "_cold_by_cutoff",
         "_recency_by_length", "_user_vectors", "_factor_table", "_tables", "_catalog_moments"}
    )
    view_weights: dict[str, float]
    history_length: int
    recency_mask: bool
    recency_half_life: float  # the shortest half-life, in steps
    # Class-level defaults: what a state saved before the adaptive half-life and the sequence view reads back as
    # (a fixed half-life, no sequence view), so its answers stay what they were.
    recency_half_life_share: float = 0.0
    follows_: sp.csr_matrix | None = None
    together_: sp.csr_matrix | None = None  # a state saved before the same-moment view has none
    _history_entries: int = 0  # how many history entries _history_by_user holds, all users together (transient)
    recency_: np.ndarray | None = None  # the fixed weights of a state saved before the half-life depended on the history
    l2_ratio: float
    max_linear_items: int
    min_user_history_length_percentile: float
    max_user_history_length_percentile: float
    factor_settings: FactorSettings
    item_ids: list[str]
    item_index_: dict[str, int]
    user_ids_: list[str]
    user_index_: dict[str, int]
    user_tokens_: dict[str, Any]
    linear_: ItemLinear
    factors_: Factors
    context_: ContextLifts
    item_counts_: np.ndarray
    item_age_days_: np.ndarray
    item_born_: np.ndarray
    cold_max_count_: float
    repeat_rate_: float

    reports_scores = True
    reads_signals = True

    def __init__(
        self,
        no_components: int = 64,
        epochs: int = 12,
        history_length: int = 32,
        recency_mask: bool = True,
        recency_half_life: float = 4.0,
        recency_half_life_share: float = 0.1,
        l2_ratio: float = 5.0,
        max_linear_items: int = 5000,
        learning_rate: float = 0.05,
        item_alpha: float = 1e-6,
        user_alpha: float = 1e-6,
        max_sampled: int = 10,
        min_user_history_length_percentile: float = 0.0,
        max_user_history_length_percentile: float = 0.99,
        view_weights: Mapping[str, float] = BLEND,
        random_state: int = 0,
    ) -> None:
        self.view_weights = dict(view_weights)
        self.history_length = history_length
        self.recency_mask = recency_mask
        self.recency_half_life = recency_half_life
        self.recency_half_life_share = recency_half_life_share
        self.l2_ratio = l2_ratio
        self.max_linear_items = max_linear_items
        self.min_user_history_length_percentile = min_user_history_length_percentile
        self.max_user_history_length_percentile = max_user_history_length_percentile
        self.factor_settings = FactorSettings(
            no_components=no_components,
            epochs=epochs,
            learning_rate=learning_rate,
            item_alpha=item_alpha,
            user_alpha=user_alpha,
            max_sampled=max_sampled,
            num_threads=1,
            random_state=random_state,
            user_metadata_share=USER_METADATA_SHARE,
            item_metadata_share=ITEM_METADATA_SHARE,
        )
        self.item_ids: list[str] = []

    @classmethod
    def from_hyperparameters(
        cls, hyperparameters: Mapping[str, Value], seed: int = 0
    ) -> "UserPersonalization":
        """Values arrive typed and within the recipe's ranges; absent ones keep the constructor's defaults."""
        kwargs = {HYPERPARAMETERS[name]: value for name, value in hyperparameters.items()}
        return cls(random_state=seed, **kwargs)  # type: ignore[arg-type]  # each value of its argument's type (HYPERPARAMETERS)

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
        self.item_ids = catalog(data, items)
        self.item_index_ = {item: i for i, item in enumerate(self.item_ids)}
        self.user_ids_: list[str] = sorted(train[USER_ID].unique())
        self.user_index_ = {user: u for u, user in enumerate(self.user_ids_)}
        self.user_tokens_ = categorical_tokens(users, USER_ID)
        self.linear_ = self._fit_linear(train, self.user_ids_)
        self.follows_, self.together_ = self._fit_sequences(train)
        weights = None
        if EVENT_WEIGHT in interactions:  # eventsConfig: a (user, item) pair weighs what its weightiest interaction does
            train = train.groupby([USER_ID, ITEM_ID], sort=False)[EVENT_WEIGHT].max().reset_index()
            weights = train[EVENT_WEIGHT].to_numpy(np.float32, copy=True)  # LightFM needs writable buffers
        user_codes = _codes_of(train[USER_ID], self.user_ids_)
        item_codes = _codes_of(train[ITEM_ID], self.item_ids)
        self.factors_ = Factors.fit(
            user_codes,
            item_codes,
            self.user_ids_,
            self.item_ids,
            self.user_tokens_,
            categorical_tokens(items, ITEM_ID),
            self.factor_settings,
            weights,
        )
        self._fit_statistics(data, items)
        self.context_ = ContextLifts.fit(unique_interactions(interactions), self.item_index_, context_columns(interactions, NOT_CONTEXT))
        return self

    def update(
        self,
        previous: "UserPersonalization",
        interactions: pd.DataFrame,
        items: pd.DataFrame | None = None,
        users: pd.DataFrame | None = None,
    ) -> "UserPersonalization":
        """trainingMode UPDATE: fold new items and interactions into ``previous`` without retraining it.

        The item-to-item view, the catalog and the item statistics (exploration's cold items) are
        computed on all the data now; the LightFM factors stay ``previous``'s, grown to the new
        catalog (factors.Factors.for_catalog), and its users keep their identities. A FULL version
        retrains them.
        """
        data = chronological(unique_interactions(_core_columns(interactions)))
        self.item_ids = catalog(data, items)
        self.item_index_ = {item: i for i, item in enumerate(self.item_ids)}
        self.user_ids_, self.user_index_ = previous.user_ids_, previous.user_index_
        self.user_tokens_ = categorical_tokens(users, USER_ID)
        self.linear_ = self._fit_linear(data, sorted(data[USER_ID].unique()))
        self.follows_, self.together_ = self._fit_sequences(data)
        self.factors_ = previous.factors_.for_catalog(previous.item_ids, self.item_ids)
        self._fit_statistics(data, items)
        self.context_ = ContextLifts.fit(unique_interactions(interactions), self.item_index_, context_columns(interactions, NOT_CONTEXT))
        return self

    def _training_subset(self, data: pd.DataFrame) -> pd.DataFrame:
        """Drop users outside the history-length percentile range."""
        lengths = data.groupby(USER_ID).size()
        low, high = np.quantile(
            lengths.to_numpy(),
            [self.min_user_history_length_percentile, self.max_user_history_length_percentile],
        )
        kept = lengths.index[(lengths >= low) & (lengths <= high)]
        return data[data[USER_ID].isin(kept)].reset_index(drop=True)

    def _fit_linear(self, data: pd.DataFrame, user_ids: list[str]) -> ItemLinear:
        """The item-to-item view of ``data`` (chronological), each (user, item) pair weighing what its weightiest
        interaction does: its event weight (eventsConfig), times its recency with ``recency_mask``."""
        weight = np.ones(len(data), dtype=np.float32)
        if self.recency_mask:
            lag = data.groupby(USER_ID, sort=False).cumcount(ascending=False).to_numpy(np.float64)  # 0: the user's latest
            weight = (TRAINING_RECENCY_FLOOR + (1 - TRAINING_RECENCY_FLOOR) * 0.5 ** (lag / TRAINING_RECENCY_HALF_LIFE)).astype(np.float32)
        if EVENT_WEIGHT in data:
            weight *= data[EVENT_WEIGHT].to_numpy(np.float32)
        weighted = self.recency_mask or EVENT_WEIGHT in data
        if weighted:
            pairs = data[[USER_ID, ITEM_ID]].assign(weight=weight).groupby([USER_ID, ITEM_ID], sort=False)["weight"].max().reset_index()
        else:
            pairs = data
        return ItemLinear.fit(
            _codes_of(pairs[USER_ID], user_ids),
            _codes_of(pairs[ITEM_ID], self.item_ids),
            len(user_ids),
            len(self.item_ids),
            self.max_linear_items,
            self.l2_ratio,
            pairs["weight"].to_numpy(np.float32) if weighted else None,
        )

    def _fit_sequences(self, data: pd.DataFrame) -> tuple[sp.csr_matrix | None, sp.csr_matrix | None]:
        """The sequence and same-moment views: which items follow which in every user's history, and which
        ones users took at one timestamp (``data``: chronological). Both read the latest items, recency
        itself: none without ``recency_mask``."""
        if not self.recency_mask:
            return None, None
        users = _codes_of(data[USER_ID], sorted(data[USER_ID].unique()))
        items = _codes_of(data[ITEM_ID], self.item_ids)
        follows = follow_counts(users, items, len(self.item_ids), FOLLOW_WINDOW)
        together = together_counts(users, items, data[TIMESTAMP].to_numpy(np.int64), len(self.item_ids), TOGETHER_WINDOW, TOGETHER_DISCOUNT)
        return follows, together

    def _recency(self, n_items: int, half_life: float) -> np.ndarray:
        """Weights of the user's ``n_items`` latest items, newest first: halving every ``half_life`` steps with
        ``recency_mask``, even without (read only: kept per length and half-life, as requests ask for few)."""
        known = self.__dict__.setdefault("_recency_by_length", {})
        weights = known.get((n_items, half_life))
        if weights is None:
            lags = np.arange(n_items, dtype=np.float64)
            weights = 0.5 ** (lags / half_life) if self.recency_mask else np.ones_like(lags)
            weights.flags.writeable = False
            known[(n_items, half_life)] = weights
        return weights

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
        # When each item came (its CREATION_TIMESTAMP, else its first interaction), in epoch seconds.
        self.item_born_ = born.astype(float).to_numpy()
        self.item_age_days_ = (reference - self.item_born_) / SECONDS_PER_DAY

    # ------------------------------------------------------------ scoring

    def recommend(
        self,
        user_id: str,
        history: Sequence[str],
        num_results: int,
        exclude: set[str] | None = None,
        *,
        exploration: Exploration = NO_EXPLORATION,
        new_items: Sequence[str] = (),
        signals: Signals = NO_SIGNALS,
    ) -> Picks:
        """Best items first as (itemId, score); see the module docstring.

        ``new_items`` are items added since training (PutItems, later imports), the model has no data
        on: exploration offers them before its cold items, in the order given (the least shown first),
        scored 0. ``signals``: the request's context, impressions, retrieval depth and rankingInfluence
        offsets (base.Signals).
        """
        scores = self._scores(user_id, *self._history_codes(user_id, history), signals.context, signals.offsets)
        excluded = self._excluded_codes(exclude) if exclude else _NONE  # distinct positions: distinct ids
        fresh = list(dict.fromkeys(new_items))
        if signals.impressions:
            fresh.sort(key=lambda item: signals.impressions.get(item, 0))
        n = min(num_results, scores.size - excluded.size + len(fresh))
        slots = _exploration_slots(exploration.weight, n)
        offered = fresh[:slots]
        explore = _NONE
        if slots:
            cold = self._cold_items(exploration.item_age_cutoff_days)
            if excluded.size:
                refused = np.zeros(scores.size, dtype=bool)
                refused[excluded] = True
                cold = cold[~refused[cold]]
            explore = _best_among(self._exploration_priority(scores, cold, signals.impressions), cold, slots - len(offered))
        # The best of the others: what the filter refused and what exploration took are left out.
        exploitable = self._retrieved(scores, signals.retrieval_depth)
        skipped = np.concatenate((excluded, explore)) if explore.size else excluded
        best = best_positions(exploitable, n - explore.size - len(offered), skipped)
        if explore.size:  # merged: best first, ties in catalog order
            picked = np.concatenate((explore, best))
            best = picked[np.lexsort((picked, -scores[picked]))]
        ranked: list[tuple[str, float | None]] = [
            (self.item_ids[i], score) for i, score in zip(best.tolist(), _rounded(scores[best]).tolist())
        ]
        ranked += [(item, 0.0) for item in offered]
        placeholders = self._popular(excluded, best, n - len(ranked))
        explored = [self.item_ids[i] for i in explore] + offered
        return Picks(ranked + [(item, None) for item in placeholders], explored, placeholders)

    def _scores(
        self,
        user_id: str,
        history_codes: np.ndarray,
        seen: np.ndarray,
        context: Mapping[str, str] | None = None,
        offsets: np.ndarray | None = None,
    ) -> np.ndarray:
        """Catalog-wide probabilities: the softmax of the blend shifted by the context's lifts and the
        ranking influence's ``offsets``, repeats (``seen``: the distinct positions in the history) given their
        share (read only).

        The last request's are kept: a request with a promotion asks twice for the same user, history,
        context, offsets and view weights (the same array while the data stays)."""
        key = (user_id, history_codes.tobytes(), tuple(sorted((context or {}).items())), tuple(self.view_weights.items()))
        last = self.__dict__.get("_last_scores")
        if last is not None and last[0] == key and last[1] is offsets:
            return last[2]
        shifts = [shift for shift in (self.context_.log_lifts(context), offsets) if shift is not None]
        scores = self._probabilities(user_id, history_codes, seen, shifts)
        scores.flags.writeable = False
        self._last_scores = (key, offsets, scores)
        return scores

    def _exploration_priority(self, scores: np.ndarray, positions: np.ndarray, impressions: Mapping[str, int]) -> np.ndarray:
        """How much exploration wants each candidate (``positions``): its score, divided by one plus the times it
        was shown without being picked (impressions beyond its interactions), so a much ignored item is explored less."""
        if not impressions:
            return scores[positions]
        shown = np.fromiter((impressions.get(self.item_ids[i], 0) for i in positions), dtype=np.float64, count=positions.size)
        return scores[positions] / (1.0 + np.maximum(shown - self.item_counts_[positions], 0.0))

    def _retrieved(self, scores: np.ndarray, depth: int | None) -> np.ndarray:
        """The scores of the items the model retrieves before a filter applies, the ``depth`` best (None: every
        item); the others score -inf. ``scores`` itself where every item is retrieved."""
        if depth is None or depth >= scores.size:
            return scores
        retrieved = np.full(scores.size, -np.inf)
        best = best_positions(scores, depth)
        retrieved[best] = scores[best]
        return retrieved

    def _popular(self, excluded: np.ndarray, picked: np.ndarray, k: int) -> list[str]:
        """The ``k`` most interacted-with items neither ``excluded`` nor ``picked`` (ties: catalog order)."""
        if k <= 0:
            return []
        counts = self.item_counts_.astype(np.float64)
        counts[excluded] = -np.inf
        counts[picked] = -np.inf
        return [self.item_ids[i] for i in best_positions(counts, k)]

    def _excluded_codes(self, exclude: set[str] | frozenset[str]) -> np.ndarray:
        """Catalog positions of ``exclude``. Filters hand over the same frozenset while what they refuse stays (one
        for everyone, or one per user): the positions of each are kept with it."""
        known = self.__dict__.setdefault("_exclusions", {})
        found = known.get(id(exclude))
        if found is not None and found[0] is exclude:
            return found[1]
        codes = self._codes(exclude)
        if isinstance(exclude, frozenset):
            if len(known) >= _EXCLUSIONS_KEPT:
                known.clear()
            known[id(exclude)] = (exclude, codes)  # kept with it: its id names no other set while it is here
        return codes

    def _history_codes(self, user_id: str, history: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Catalog positions of ``history``, and the distinct ones ascending (read only). A request that ranks twice
        (a promotion, then the rest) hands over the same history: the positions of the last one are kept. Each
        user's are kept too, with the history they came from: a history only grows with events, so the next request
        usually finds it unchanged."""
        last = self.__dict__.get("_last_history")
        if last is not None and last[0] is history:
            return last[1]
        by_user = self.__dict__.setdefault("_history_by_user", {})
        kept = by_user.get(user_id)
        if kept is not None and kept[0] == history:
            positions = kept[1]
        else:
            codes = self._codes(history)
            distinct = np.unique(codes)
            codes.flags.writeable = distinct.flags.writeable = False
            positions = (codes, distinct)
            entries = self._history_entries - (len(kept[0]) if kept is not None else 0)
            if entries + len(history) > _HISTORY_ENTRIES_KEPT:
                by_user.clear()
                entries = 0
            by_user[user_id] = (list(history), positions)
            self._history_entries = entries + len(history)
        self._last_history = (history, positions)
        return positions

    def _codes(self, item_ids: Iterable[str]) -> np.ndarray:
        """Catalog positions of the known items, order kept; unknown ids dropped."""
        codes = list(map(self.item_index_.get, item_ids))
        if None in codes:
            codes = [code for code in codes if code is not None]
        return np.array(codes, dtype=np.int64)

    def _probabilities(self, user_id: str, history_codes: np.ndarray, seen: np.ndarray, shifts: list[np.ndarray]) -> np.ndarray:
        """The softmax over the catalog of the views' blend (their standardized scores' weighted mean) plus ``shifts``,
        the already-consumed items (``seen``: their catalog positions) given the share of mass repeats get in the data."""
        recent = history_codes[::-1][: self.history_length]  # most recent first
        if self.recency_ is not None:
            recency = self.recency_[: recent.size]
        else:
            recency = self._recency(recent.size, max(self.recency_half_life, self.recency_half_life_share * history_codes.size))
        shift = np.array(shifts, dtype=np.float64) if shifts else NO_SHIFTS
        return blended_probabilities(self._user_logits(user_id, history_codes, recent, recency), shift, seen, self.repeat_rate_)

    def _user_logits(self, user_id: str, history_codes: np.ndarray, recent: np.ndarray, recency: np.ndarray) -> np.ndarray:
        """The blend of the user's views before the softmax (blend.user_logits), kept per user with the history
        positions and the view weights it came from: _history_codes hands over the same array while the user's
        history stays, and the views read nothing else of the request. An answer then reads one row of the
        catalog, not the rows of the user's recent items; an event makes the history, and so the row, new."""
        by_user = self.__dict__.setdefault("_logits_by_user", {})
        kept = by_user.get(user_id)
        if kept is not None and kept[0] is history_codes and kept[1] == self.view_weights:
            return kept[2]
        factors, spread = self._factor_view(user_id, recent, recency)
        logits = user_logits(self._tables, self.view_weights, factors, spread, recent, recency)
        if logits.size * _LOGITS_USERS > _LOGITS_KEPT:  # a catalog this large would only churn through them
            return logits
        if kept is None and (len(by_user) + 1) * logits.size > _LOGITS_KEPT:
            by_user.clear()
        logits.flags.writeable = False  # kept: each request's softmax works on a copy
        by_user[user_id] = (history_codes, dict(self.view_weights), logits)
        return logits

    @cached_property
    def _tables(self) -> Tables:
        """The arrays every answer reads (transient, made once): the item-to-item weights, and the follow counts and
        same-moment counts side by side, one read for both."""
        n = len(self.item_ids)
        if self.follows_ is None:
            return Tables.of(self.linear_, sp.csr_matrix((2 * n, 2 * n), dtype=np.float32), _NO_WEIGHTS, _NO_WEIGHTS)
        together = self.together_ if self.together_ is not None else sp.csr_matrix((n, n), dtype=np.float32)
        sequence = sp.block_diag((self.follows_, together), format="csr", dtype=np.float32)
        moment = _TOGETHER_WEIGHTS if self.together_ is not None else _NO_WEIGHTS
        return Tables.of(self.linear_, sequence, self._recency(SEQUENCE_STEPS, SEQUENCE_HALF_LIFE), moment)

    def _factor_view(self, user_id: str, recent: np.ndarray, recency: np.ndarray) -> tuple[np.ndarray, float]:
        """The user's factor scores over the catalog, with their spread: a row of the per-model table for a training
        user, else the product."""
        identity = self.user_index_.get(user_id)
        table = self._factor_table if identity is not None else None
        if table is not None:
            return table.scores[identity], float(table.spreads[identity])
        user_vector = self._user_vector(user_id, recent, recency)
        return self.factors_.scores(user_vector), self._catalog_moments.spread(user_vector)

    @cached_property
    def _catalog_moments(self) -> CatalogMoments:
        """The factors' item-side moments, for the mean and spread of a user's factor scores (transient, made once)."""
        return CatalogMoments.of(self.factors_)

    @cached_property
    def _factor_table(self) -> FactorTable | None:
        """Every training user's factor scores, where they fit FACTOR_TABLE_ENTRIES (transient, made on the first request)."""
        n_users, n_items = len(self.user_ids_), len(self.item_ids)
        if not 0 < n_users * n_items <= FACTOR_TABLE_ENTRIES:
            return None
        # Straight from the factors: the table replaces the per-user vectors _user_vector would keep.
        vectors = [self.factors_.user_vector(u, self.user_tokens_.get(user, []), _NONE, _NO_WEIGHTS) for u, user in enumerate(self.user_ids_)]
        return FactorTable.of(np.stack(vectors), self.factors_)

    def _user_vector(self, user_id: str, recent: np.ndarray, recency: np.ndarray) -> np.ndarray:
        """The user's factor representation (factors.Factors.user_vector). A user the model knows by identity
        or metadata has the same one on every request: it is kept (read only); one folded in from their
        recent items is not."""
        known = self.__dict__.setdefault("_user_vectors", {})
        vector = known.get(user_id)
        if vector is None:
            identity, tokens = self.user_index_.get(user_id), self.user_tokens_.get(user_id, [])
            vector = self.factors_.user_vector(identity, tokens, recent, recency)
            if identity is not None or any(token in self.factors_.token_columns for token in tokens):
                vector.flags.writeable = False
                known[user_id] = vector
        return vector

    def _cold_items(self, cutoff_days: float) -> np.ndarray:
        """Catalog positions, ascending, of the items with little interaction data that are young enough to
        explore (read only; kept by cutoff)."""
        known = self.__dict__.setdefault("_cold_by_cutoff", {})
        if cutoff_days not in known:
            young = np.isnan(self.item_age_days_) | (self.item_age_days_ <= cutoff_days)
            cold = np.flatnonzero(young & (self.item_counts_ <= self.cold_max_count_))
            cold.flags.writeable = False
            known[cutoff_days] = cold
        return known[cutoff_days]


def _core_columns(interactions: pd.DataFrame) -> pd.DataFrame:
    data = interactions[[USER_ID, ITEM_ID, TIMESTAMP]].copy()
    data[USER_ID] = data[USER_ID].astype(str)
    data[ITEM_ID] = data[ITEM_ID].astype(str)
    data[TIMESTAMP] = data[TIMESTAMP].astype(np.int64)
    if EVENT_WEIGHT in interactions:
        data[EVENT_WEIGHT] = interactions[EVENT_WEIGHT].astype(np.float32)
    return data


def _codes_of(values: pd.Series, ordered_ids: list[str]) -> np.ndarray:
    """Position of each value in ``ordered_ids`` (every value is among them)."""
    return pd.Categorical(values, categories=ordered_ids).codes.astype(np.int64)


def _rounded(scores: np.ndarray) -> np.ndarray:
    """``scores`` to SCORE_DECIMALS decimals at once: round()'s answer but where the scaled score lands within an
    ulp of a half (a last-digit tie, one score in billions)."""
    return np.rint(scores * _SCALE) / _SCALE


def _exploration_slots(weight: float, n: int) -> int:
    """Result slots for cold items: the weight's share, rounded, so a list too short for a share has none
    (numResults=1 is the user's best item, not a cold one)."""
    return round(min(max(weight, 0.0), 1.0) * n)


def _best_among(values: np.ndarray, positions: np.ndarray, k: int) -> np.ndarray:
    """The k best of ``positions`` (catalog positions, ascending) by their ``values``, best first (ties: catalog
    order): best_positions' answer over those positions, read without a pass over the whole catalog."""
    k = min(k, positions.size)
    if k <= 0:
        return _NONE
    # The values are probabilities (never -inf), in the order of their positions: the best of them are the positions'.
    return positions[best_positions(values, k)]
