"""aws-next-best-action: for each user, the actions they are most likely to take within the action optimization period.

What the current guide says (native-recipe-next-best-action.md, actions-datasets.md,
get-action-recommendations.md) and how it is done here:

- Scores are propensities, from 0 to 1: the likelihood that the user takes the action within the
  action optimization period (``action_optimization_period`` days, 14 by default). They come from
  an L2-regularized logistic regression over the action interactions. Each Taken, Not taken or
  Viewed event is one example of the user facing the action, positive when the user took it then
  or within the period after.
- It learns from the action (an intercept of its own), its metadata (categorical values and
  numbers, VALUE among them), what the user did with the action before (how often they took,
  declined and saw it) and the user: a profile folded in from their item interactions (a truncated
  SVD of users x items) and their Users metadata, each crossed with the action, so that users of
  different tastes can prefer different actions.
- An action has a score once it has at least 50 Taken and 50 Not taken or Viewed interactions within
  6 weeks of the latest action interaction; until then it is recommended without personalization
  (exploration) with a score of 0.0, as are actions added after training.
- Expired actions (ACTION_EXPIRATION_TIMESTAMP passed) are never recommended; an action with a
  REPEAT_FREQUENCY waits that many days after the user last interacted with it.
- Of actions a user is equally likely to take, the one of greater VALUE ranks higher, then the newer.
- Training considers 1000 actions at most: the most recently active first (new actions, by creation
  time, and actions by their latest interaction).

What a user did since training (action interactions and item events recorded one by one) changes
their scores at once, without retraining.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.special import expit

from ..data.actions import (
    ACTION_EVENT_KINDS,
    ACTION_ID,
    CREATION_TIMESTAMP,
    EXPIRATION_FIELDS,
    REPEAT_FREQUENCY,
    TAKEN,
    VALUE,
    action_event_kind,
)
from .base import EVENT_TYPE, ITEM_ID, SCORE_DECIMALS, SECONDS_PER_DAY, TIMESTAMP, USER_ID, categorical_tokens
from .hyperparameters import Value

DEFAULT_OPTIMIZATION_PERIOD_DAYS = 14
# native-recipe-next-best-action.md: what an action needs, within 6 weeks of the latest action interaction, to be scored.
MIN_SCORING_EVENTS = 50
SCORING_WINDOW_SECONDS = 6 * 7 * SECONDS_PER_DAY
# actions-datasets.md: training considers at most this many actions.
MAX_TRAINING_ACTIONS = 1000
# Dimensions of the user profile folded in from item interactions.
PROFILE_DIMENSIONS = 16
L2_PENALTY = 1.0
MAX_ITERATIONS = 500
# The fit runs in float32 (twice as fast); its sums are no finer than this relative change of the loss.
RELATIVE_TOLERANCE = 1e-7
# Reserved Actions fields that are rules for recommending an action, not features of it; TYPE is reserved, not metadata.
RULE_FIELDS = (CREATION_TIMESTAMP, *EXPIRATION_FIELDS, REPEAT_FREQUENCY, "TYPE")
# Asked of None too: an event type that is no action event kind.
KIND_CODES: dict[str | None, int] = {kind: code for code, kind in enumerate(ACTION_EVENT_KINDS)}
NEGATIVE_CODES = [KIND_CODES[kind] for kind in ACTION_EVENT_KINDS if kind != TAKEN]

# A user's past with one action: counts of Taken, Not taken, Viewed, and when they last interacted with it.
Past = tuple[np.ndarray, float]


@dataclass(frozen=True)
class ActionRules:
    """Per action of an Actions dataset, what decides whether and where it is recommended."""

    ids: np.ndarray
    value: np.ndarray  # 0 without a value
    created: np.ndarray  # -inf without a creation time
    expires: np.ndarray  # inf without an expiration
    wait_seconds: np.ndarray  # 0 without a repeat frequency

    @classmethod
    def of(cls, actions: pd.DataFrame) -> ActionRules:
        frame = actions.drop_duplicates(ACTION_ID, keep="last")
        return cls(
            ids=frame[ACTION_ID].astype(str).to_numpy(object),
            value=_first_number(frame, (VALUE,), 0.0),
            created=_first_number(frame, (CREATION_TIMESTAMP,), -np.inf),
            expires=_first_number(frame, EXPIRATION_FIELDS, np.inf),
            wait_seconds=_first_number(frame, (REPEAT_FREQUENCY,), 0.0) * SECONDS_PER_DAY,
        )


def _first_number(frame: pd.DataFrame, columns: Sequence[str], default: float) -> np.ndarray:
    """Per row, the first of ``columns`` holding a number, else ``default``."""
    result = np.full(len(frame), np.nan)
    for column in columns:
        if column in frame:
            values = pd.to_numeric(frame[column], errors="coerce").astype(float).to_numpy()
            result = np.where(np.isnan(result), values, result)
    return np.where(np.isnan(result), default, result)


def event_kinds(event_types: pd.Series) -> pd.Series:
    """The code in ACTION_EVENT_KINDS of each event type, -1 for one that isn't an action event type."""
    codes = {value: KIND_CODES.get(action_event_kind(value), -1) for value in event_types.unique()}
    return event_types.map(codes)


def action_events(action_interactions: pd.DataFrame | None) -> pd.DataFrame:
    """USER_ID, ACTION_ID, KIND (a code of ACTION_EVENT_KINDS) and TIMESTAMP of every action interaction, by user and time."""
    if action_interactions is None or action_interactions.empty:
        return pd.DataFrame({USER_ID: [], ACTION_ID: [], "KIND": np.empty(0, np.int64), TIMESTAMP: np.empty(0)})
    kinds = event_kinds(action_interactions[EVENT_TYPE])
    events = pd.DataFrame({
        USER_ID: action_interactions[USER_ID].astype(str).to_numpy(),
        ACTION_ID: action_interactions[ACTION_ID].astype(str).to_numpy(),
        "KIND": kinds.to_numpy(np.int64),
        TIMESTAMP: action_interactions[TIMESTAMP].astype(float).to_numpy(),
    })
    events = events[events["KIND"] >= 0]
    return events.sort_values([USER_ID, TIMESTAMP], kind="stable").reset_index(drop=True)


class UserProfiles:
    """User features: a profile folded in from item interactions, and Users metadata tokens."""

    # What a saved state holds of it (state/records.py).
    item_index: dict[str, int]
    item_factors: np.ndarray
    trained: dict[str, np.ndarray]
    token_index: dict[str, int]
    user_tokens: dict[str, np.ndarray]

    def __init__(self, interactions: pd.DataFrame, users: pd.DataFrame | None, seed: int) -> None:
        pairs = interactions[[USER_ID, ITEM_ID]].astype(str).drop_duplicates()
        self.item_index = {item: code for code, item in enumerate(sorted(pairs[ITEM_ID].unique()))}
        user_codes, user_ids = pd.factorize(pairs[USER_ID])
        matrix = sp.csr_matrix(
            (np.ones(len(pairs)), (user_codes, pairs[ITEM_ID].map(self.item_index).to_numpy())),
            shape=(len(user_ids), len(self.item_index)),
        )
        self.item_factors, profiles = _item_factors(matrix, seed)
        # What training knows of each user's items, folded in: the same as vector() of their history.
        self.trained = dict(zip(user_ids, profiles))
        tokens = categorical_tokens(users, USER_ID)
        vocabulary = sorted({token for found in tokens.values() for token in found})
        self.token_index = {token: code for code, token in enumerate(vocabulary)}
        self.user_tokens = {user: np.array([self.token_index[t] for t in found]) for user, found in tokens.items()}

    @property
    def dimensions(self) -> int:
        return self.item_factors.shape[1] + len(self.token_index)

    def vector(self, user_id: str, item_history: Sequence[str] | None = None) -> np.ndarray:
        """The user's features; without an item history, their items at training."""
        if item_history is None:
            profile = self.trained.get(user_id, np.zeros(self.item_factors.shape[1]))
        else:
            known = sorted({self.item_index[item] for item in item_history if item in self.item_index})
            profile = self.item_factors[known].sum(axis=0) / np.sqrt(len(known)) if known else np.zeros(self.item_factors.shape[1])
        tokens = np.zeros(len(self.token_index))
        codes = self.user_tokens.get(user_id, np.empty(0, np.int64))
        if codes.size:
            tokens[codes] = 1.0 / np.sqrt(codes.size)
        return np.concatenate([profile, tokens])


def _item_factors(matrix: sp.csr_matrix, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Item factors and the users' profiles folded in from them (their items summed over the root of their
    count), scaled so that each profile dimension has unit variance."""
    k = min(PROFILE_DIMENSIONS, min(matrix.shape) - 1)
    if k < 1:
        return np.zeros((matrix.shape[1], 0)), np.zeros((matrix.shape[0], 0))
    counts = np.asarray(matrix.sum(axis=1)).ravel()
    normalized = sp.diags(1.0 / np.sqrt(np.maximum(counts, 1.0))) @ matrix
    v0 = np.random.default_rng(seed).standard_normal(min(normalized.shape))
    from scipy.sparse.linalg import svds  # imported when first used, as minimize is

    _, _, vt = svds(normalized, k=k, v0=v0)
    factors = vt.T
    # svds' signs are arbitrary: each component's largest entry made positive gives the same factors every time.
    factors = factors * np.sign(factors[np.abs(factors).argmax(axis=0), np.arange(k)])
    profiles = normalized @ factors
    spread = profiles.std(axis=0)
    scale = np.where(spread > 0, spread, 1.0)
    return factors / scale, profiles / scale


class NextBestAction:
    """The trainer: fits a :class:`NextBestActionModel` from the action and item data of a dataset group."""

    def __init__(self, optimization_period_days: int = DEFAULT_OPTIMIZATION_PERIOD_DAYS, seed: int = 0) -> None:
        self.optimization_period_days = optimization_period_days
        self.seed = seed

    @classmethod
    def from_hyperparameters(cls, hyperparameters: Mapping[str, Value], seed: int = 0) -> "NextBestAction":
        period = hyperparameters.get("action_optimization_period", DEFAULT_OPTIMIZATION_PERIOD_DAYS)
        return cls(int(period), seed)

    def fit(
        self,
        interactions: pd.DataFrame,
        items: pd.DataFrame | None = None,
        users: pd.DataFrame | None = None,
        *,
        actions: pd.DataFrame,
        action_interactions: pd.DataFrame | None = None,
    ) -> "NextBestActionModel":
        rules = ActionRules.of(actions)
        events = action_events(action_interactions)
        catalog = _training_actions(rules, events)
        events = events[events[ACTION_ID].isin(set(catalog))].reset_index(drop=True)
        model = NextBestActionModel(catalog, rules, UserProfiles(interactions, users, self.seed))
        model.fit(events, actions, self.optimization_period_days * SECONDS_PER_DAY)
        return model


def _training_actions(rules: ActionRules, events: pd.DataFrame) -> list[str]:
    """The actions training considers: all of them, or the most recently active MAX_TRAINING_ACTIONS."""
    if len(rules.ids) <= MAX_TRAINING_ACTIONS:
        return list(rules.ids)
    latest = events.groupby(ACTION_ID)[TIMESTAMP].max()
    # An action without interactions is new: as active as its creation, or as the latest interaction.
    newest = float(events[TIMESTAMP].max()) if len(events) else 0.0
    created = np.where(np.isinf(rules.created), newest, rules.created)
    activity = pd.Series(rules.ids).map(latest).fillna(pd.Series(created)).to_numpy()
    chosen = np.lexsort((rules.ids.astype(str), -activity))[:MAX_TRAINING_ACTIONS]
    return list(rules.ids[chosen])


class NextBestActionModel:
    """A trained aws-next-best-action solution version (an :class:`~.base.ActionModel`)."""

    # What a saved state holds of it (state/records.py).
    action_ids: list[str]
    action_index: dict[str, int]
    rules: ActionRules
    profiles: UserProfiles
    scored: np.ndarray
    intercept: float
    action_logits: np.ndarray
    history_weights: np.ndarray
    cross_weights: np.ndarray
    pasts: dict[str, dict[str, Past]]

    reports_scores = True

    def __init__(self, action_ids: list[str], rules: ActionRules, profiles: UserProfiles) -> None:
        self.action_ids = action_ids
        self.action_index = {action: code for code, action in enumerate(action_ids)}
        self.rules = rules
        self.profiles = profiles
        n_actions, dims = len(action_ids), profiles.dimensions
        self.scored = np.zeros(n_actions, dtype=bool)
        self.intercept = 0.0
        self.action_logits = np.zeros(n_actions)  # the action's own weight plus its metadata's
        self.history_weights = np.zeros(len(ACTION_EVENT_KINDS))
        self.cross_weights = np.zeros((n_actions, dims))
        self.pasts: dict[str, dict[str, Past]] = {}

    # ---------------------------------------------------------------- fit

    def fit(self, events: pd.DataFrame, actions: pd.DataFrame, period_seconds: float) -> None:
        """Learn from ``events`` (see :func:`action_events`) of the catalog's actions."""
        self.pasts = _pasts(events)
        if events.empty:
            return
        self.scored = self._scored(events)
        n_actions, dims = len(self.action_ids), self.profiles.dimensions
        codes = events[ACTION_ID].map(self.action_index).to_numpy(np.int64)
        metadata = _action_metadata(actions, self.action_ids)
        vectors = {user: self.profiles.vector(user) for user in events[USER_ID].unique()}
        user_vectors = np.array([vectors[user] for user in events[USER_ID]]).reshape(len(events), dims)
        design = sp.hstack(
            [
                sp.csr_matrix((np.ones(codes.size), (np.arange(codes.size), codes)), shape=(codes.size, n_actions)),
                sp.csr_matrix(metadata[codes]),
                sp.csr_matrix(np.log1p(_prior_counts(events))),
                _crossed(user_vectors, codes, n_actions),
            ],
            format="csr",
        )
        weights, self.intercept = _fit_logistic(design, _labels(events, period_seconds))
        n_meta = metadata.shape[1]
        self.action_logits = weights[:n_actions] + metadata @ weights[n_actions : n_actions + n_meta]
        start = n_actions + n_meta
        self.history_weights = weights[start : start + len(ACTION_EVENT_KINDS)]
        self.cross_weights = weights[start + len(ACTION_EVENT_KINDS) :].reshape(n_actions, dims)

    def _scored(self, events: pd.DataFrame) -> np.ndarray:
        """Actions with enough Taken and enough Not taken or Viewed interactions lately to be scored."""
        recent = events[events[TIMESTAMP] >= events[TIMESTAMP].max() - SCORING_WINDOW_SECONDS]
        counts = _kind_counts(recent, [ACTION_ID]).reindex(self.action_ids, fill_value=0)
        taken = counts[KIND_CODES[TAKEN]].to_numpy()
        others = counts[NEGATIVE_CODES].sum(axis=1).to_numpy()
        return (taken >= MIN_SCORING_EVENTS) & (others >= MIN_SCORING_EVENTS)

    # ---------------------------------------------------------- recommend

    def recommend_actions(
        self,
        user_id: str,
        item_history: Sequence[str],
        recent: Sequence[Mapping[str, Any]],
        num_results: int,
        now: float,
        actions: pd.DataFrame | None = None,
    ) -> list[tuple[str, float]]:
        """The user's best actions first as (actionId, score); ``actions`` None: the Actions dataset as at training."""
        rules = self.rules if actions is None else ActionRules.of(actions)
        pasts = self._pasts_now(user_id, recent)
        counts = np.zeros((len(rules.ids), len(ACTION_EVENT_KINDS)))
        last = np.full(len(rules.ids), -np.inf)
        for position, action in enumerate(rules.ids):
            if action in pasts:
                counts[position], last[position] = pasts[action]
        allowed = (rules.expires > now) & ~((rules.wait_seconds > 0) & (now < last + rules.wait_seconds))
        codes = np.array([self.action_index.get(action, -1) for action in rules.ids], dtype=np.int64)
        scored = codes >= 0
        scored[scored] = self.scored[codes[scored]]
        scores = np.zeros(len(rules.ids))
        if scored.any():
            user = self.profiles.vector(user_id, item_history)
            known = codes[scored]
            logits = (
                self.intercept
                + self.action_logits[known]
                + np.log1p(counts[scored]) @ self.history_weights
                + self.cross_weights[known] @ user
            )
            scores[scored] = np.round(expit(logits), SCORE_DECIMALS)
        # Best score first; of equally likely actions, the more valuable, then the newer, then by ID.
        order = np.lexsort((rules.ids.astype(str), -rules.created, -rules.value, -scores))
        chosen = order[allowed[order]][:num_results]
        return [(str(rules.ids[i]), float(scores[i])) for i in chosen]

    def _pasts_now(self, user_id: str, recent: Sequence[Mapping[str, Any]]) -> dict[str, Past]:
        """The user's past with each action: at training, plus the action interactions recorded since."""
        pasts = dict(self.pasts.get(user_id, {}))
        for record in recent:
            kind = KIND_CODES.get(action_event_kind(record.get(EVENT_TYPE)))
            if kind is None:
                continue
            action = str(record[ACTION_ID])
            counts, last = pasts.get(action, (np.zeros(len(ACTION_EVENT_KINDS)), -np.inf))
            counts = counts.copy()
            counts[kind] += 1
            pasts[action] = (counts, max(last, float(record[TIMESTAMP])))
        return pasts


def _pasts(events: pd.DataFrame) -> dict[str, dict[str, Past]]:
    """Per user and action: how often they took, declined and saw it, and when they last interacted with it."""
    if events.empty:
        return {}
    counts = _kind_counts(events, [USER_ID, ACTION_ID])
    last = events.groupby([USER_ID, ACTION_ID])[TIMESTAMP].max().reindex(counts.index)
    pasts: dict[str, dict[str, Past]] = {}
    for (user, action), row, when in zip(counts.index, counts.to_numpy(float), last.to_numpy()):
        pasts.setdefault(user, {})[action] = (row, float(when))
    return pasts


def _kind_counts(events: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Events of each kind (columns: the kind codes), by ``keys``."""
    counts = events.groupby([*keys, "KIND"]).size().unstack("KIND", fill_value=0)
    return counts.reindex(columns=range(len(ACTION_EVENT_KINDS)), fill_value=0)


def _prior_counts(events: pd.DataFrame) -> np.ndarray:
    """Per event: how often the user had taken, declined and seen that action before it."""
    kinds = np.zeros((len(events), len(ACTION_EVENT_KINDS)))
    kinds[np.arange(len(events)), events["KIND"].to_numpy()] = 1.0
    frame = pd.DataFrame(kinds, index=events.index)
    keys = [events[USER_ID], events[ACTION_ID]]
    return (frame.groupby(keys).cumsum() - frame).to_numpy()


def _labels(events: pd.DataFrame, period_seconds: float) -> np.ndarray:
    """Per event: 1 if the user took the action then, or took it within the period after."""
    taken = events["KIND"].to_numpy() == KIND_CODES[TAKEN]
    times = events[TIMESTAMP]
    keys = [events[USER_ID], events[ACTION_ID]]
    taken_times = times.where(taken)
    following = taken_times.groupby(keys).shift(-1).groupby(keys).bfill()
    return (taken | ((following - times) <= period_seconds).to_numpy()).astype(float)


def _action_metadata(actions: pd.DataFrame, action_ids: list[str]) -> np.ndarray:
    """Per catalog action: its categorical values (one-hot, unit length) and its numbers (standardized; VALUE among them)."""
    frame = actions.drop_duplicates(ACTION_ID, keep="last").assign(**{ACTION_ID: lambda f: f[ACTION_ID].astype(str)})
    frame = frame.set_index(ACTION_ID).reindex(action_ids)
    tokens = categorical_tokens(frame.reset_index(), ACTION_ID, skip=RULE_FIELDS)
    vocabulary = {token: code for code, token in enumerate(sorted({t for found in tokens.values() for t in found}))}
    categorical = np.zeros((len(action_ids), len(vocabulary)))
    for position, action in enumerate(action_ids):
        found = tokens.get(action, [])
        for token in found:
            categorical[position, vocabulary[token]] = 1.0 / np.sqrt(len(found))
    numeric_columns = [
        column
        for column in frame.columns
        if column not in RULE_FIELDS and pd.api.types.is_numeric_dtype(frame[column])
    ]
    numbers = frame[numeric_columns].astype(float)
    spread = numbers.std(ddof=0).fillna(0.0)
    standardized = (numbers - numbers.mean()) / spread.where(spread > 0, 1.0)
    return np.hstack([categorical, standardized.fillna(0.0).to_numpy().reshape(len(action_ids), len(numeric_columns))])


def _crossed(user_vectors: np.ndarray, codes: np.ndarray, n_actions: int) -> sp.csr_matrix:
    """The user's features placed in their action's block: one weight vector over user features per action."""
    n_rows, dims = user_vectors.shape
    rows = np.repeat(np.arange(n_rows), dims)
    columns = (codes[:, None] * dims + np.arange(dims)[None, :]).ravel()
    return sp.csr_matrix((user_vectors.ravel(), (rows, columns)), shape=(n_rows, n_actions * dims))


def _fit_logistic(design: sp.csr_matrix, labels: np.ndarray) -> tuple[np.ndarray, float]:
    """Weights and intercept of an L2-regularized logistic regression (the intercept is not penalized)."""
    design = design.astype(np.float32)
    transposed = design.T.tocsr()
    targets = labels.astype(np.float32)

    def loss_and_gradient(theta: np.ndarray) -> tuple[float, np.ndarray]:
        weights = theta[:-1]
        logits = design @ weights.astype(np.float32) + np.float32(theta[-1])
        fit = np.logaddexp(np.float32(0.0), logits).sum(dtype=np.float64) - np.dot(targets, logits)
        residual = expit(logits) - targets
        gradient = (transposed @ residual).astype(np.float64) + L2_PENALTY * weights
        return float(fit) + 0.5 * L2_PENALTY * weights @ weights, np.append(gradient, residual.sum(dtype=np.float64))

    # Imported on first use: scipy.optimize adds a third of a second to every server start.
    from scipy.optimize import minimize

    result = minimize(
        loss_and_gradient,
        np.zeros(design.shape[1] + 1),
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": MAX_ITERATIONS, "ftol": RELATIVE_TOLERANCE},
    )
    return result.x[:-1], float(result.x[-1])
