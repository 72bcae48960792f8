"""What every trained model offers, and helpers shared by the recipes."""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice
from typing import AbstractSet, Any, Collection, Mapping, Protocol, Sequence, runtime_checkable

import numpy as np
import pandas as pd

USER_ID = "USER_ID"
ITEM_ID = "ITEM_ID"
TIMESTAMP = "TIMESTAMP"
EVENT_TYPE = "EVENT_TYPE"
EVENT_VALUE = "EVENT_VALUE"
CREATION_TIMESTAMP = "CREATION_TIMESTAMP"
# How much an interaction weighs in training (solutionConfig.eventsConfig); absent: every one weighs 1.
EVENT_WEIGHT = "EVENT_WEIGHT"

SECONDS_PER_DAY = 86_400.0
SCORE_DECIMALS = 7
# Categorical columns with more distinct values than this are treated as text.
MAX_CATEGORY_VALUES = 1000


class TrainingError(ValueError):
    """Training cannot proceed; the message becomes the solution version's failureReason."""


@dataclass(frozen=True)
class Exploration:
    """A campaign's or recommender's itemExplorationConfig, as numbers: the share of a list's slots given to
    cold items (explorationWeight), and how many days old an item may be to count as one (explorationItemAgeCutOff)."""

    weight: float = 0.0
    item_age_cutoff_days: float = 30.0


NO_EXPLORATION = Exploration()


# (itemId, score), best first; an item filling an answer (a Picks placeholder) has no score.
Ranking = Sequence[tuple[str, "float | None"]]


@runtime_checkable
class Model(Protocol):
    """A trained solution version.

    ``item_ids`` is the catalog the model knows (interactions and Items dataset).
    ``reports_scores`` says whether the service shows the scores to callers
    (Popularity-Count results carry no score in the real service).
    ``recommend`` ranks items best first as (itemId, score); ``history`` is the
    user's chronological item interactions known now (training data plus events
    recorded since), so a longer history can change the answer without
    retraining. ``exclude`` removes items after scoring (filters).
    ``exploration`` is the campaign's itemExplorationConfig; recipes without
    exploration ignore it. Models with ``reads_signals`` also take ``signals``
    (Signals) and answer with Picks.
    """

    item_ids: list[str]
    reports_scores: bool

    def recommend(
        self, user_id: str, history: Sequence[str], num_results: int, exclude: set[str] | None = None,
        *, exploration: Exploration = NO_EXPLORATION,
    ) -> Ranking: ...


class SameForEveryone:
    """A ranking fitted once that every user gets alike, items they interacted with included (Popularity-Count,
    Trending-Now): the user, their history and exploration change nothing. The service shows no scores for it."""

    # What a saved state holds of it (state/records.py), besides each recipe's own.
    item_ids: list[str]
    _ranked: list[tuple[str, float]]

    reports_scores = False

    def recommend(
        self, user_id: str, history: Sequence[str], num_results: int, exclude: set[str] | None = None,
        *, exploration: Exploration = NO_EXPLORATION,
    ) -> list[tuple[str, float]]:
        """The first ``num_results`` items of the ranking, leaving out ``exclude``."""
        excluded = exclude or set()
        return list(islice(((item, score) for item, score in self._ranked if item not in excluded), num_results))


@dataclass(frozen=True)
class Signals:
    """What a request tells a model beyond the user and their items (models with ``reads_signals``).

    ``context``: the request's contextual metadata (contextual-metadata.md). ``impressions``: how often
    each item was shown to users (impressions data), which exploration reads: the more an item was
    shown and ignored, the less it is explored. ``retrieval_depth``: how many of the best items the
    model retrieves before the filter applies (None: every item); when the filter leaves fewer than
    asked for, popular items that pass it fill the answer as placeholders, without a score.
    ``offsets``: one number per catalog item (the model's ``item_ids``) added to its standardized
    logits before the softmax: what a campaign's rankingInfluence blends in (None: nothing).
    """

    context: Mapping[str, str] = field(default_factory=dict)
    impressions: Mapping[str, int] = field(default_factory=dict)
    retrieval_depth: int | None = None
    offsets: "np.ndarray | None" = None


class Picks(list[tuple[str, "float | None"]]):
    """A ranking, best first, that says why some of its items are there: ``explored`` items were chosen by
    exploration, ``placeholders`` are popular items filling an answer the filter left short."""

    def __init__(self, ranked: Sequence[tuple[str, float | None]] = (), explored: Collection[str] = (), placeholders: Collection[str] = ()) -> None:
        super().__init__(ranked)
        self.explored = frozenset(explored)
        self.placeholders = frozenset(placeholders)


@runtime_checkable
class ActionModel(Protocol):
    """A trained PERSONALIZED_ACTIONS solution version.

    ``recommend_actions`` ranks actions for a user, best first, as (actionId, score), at the moment
    ``now`` (epoch seconds). ``item_history`` is the user's items oldest first (training data and
    events recorded since), ``recent`` the user's action interactions recorded since training (rows
    of the Action interactions dataset), ``actions`` the Actions dataset as it is now (None: as it
    was at training).
    """

    action_ids: list[str]

    def recommend_actions(
        self,
        user_id: str,
        item_history: Sequence[str],
        recent: Sequence[Mapping[str, Any]],
        num_results: int,
        now: float,
        actions: pd.DataFrame | None = None,
    ) -> list[tuple[str, float]]: ...



@runtime_checkable
class RelatedItems(Protocol):
    """A trained RELATED_ITEMS solution version: items related to a given item.

    ``similar`` ranks items best first as (itemId, score), never the item itself;
    an item the model cannot place (unknown, or without enough data) gets the
    popular items, as the service answers. ``exclude`` removes items after scoring.
    """

    item_ids: list[str]
    reports_scores: bool

    def similar(self, item_id: str, num_results: int, exclude: AbstractSet[str] | None = None) -> list[tuple[str, float]]: ...


class UnknownSegmentInput(LookupError):
    """A segment was asked for an item or item attribute the solution version was not trained with."""


@runtime_checkable
class ItemSegmenter(Protocol):
    """A trained USER_SEGMENTATION solution version by item (Item-Affinity).

    ``segment`` ranks users best first as (userId, score): the users most likely
    to interact with the item. ``item_ids`` are the items it knows; it raises
    UnknownSegmentInput for any other. ``user_ids`` are the users a segment can hold.
    ``top_items`` gives the items among each given user's ``k`` likeliest (for coverage).
    """

    item_ids: list[str]
    user_ids: list[str]

    def segment(self, item_id: str, num_results: int) -> list[tuple[str, float]]: ...

    def top_items(self, user_ids: Sequence[str], k: int) -> set[str]: ...


@runtime_checkable
class AttributeSegmenter(Protocol):
    """A trained USER_SEGMENTATION solution version by item attributes (Item-Attribute-Affinity).

    ``segment_by_attributes`` ranks users best first as (userId, score): the users
    most likely to interact with items having every (field, value) pair given
    (``ITEMS.field = "value" AND ...`` in a batch segment job's input). Raises
    UnknownSegmentInput when no item of the training data has them all.
    ``user_ids`` are the users a segment can hold; ``top_items`` as ItemSegmenter's.
    """

    user_ids: list[str]

    def segment_by_attributes(self, attributes: Sequence[tuple[str, str]], num_results: int) -> list[tuple[str, float]]: ...

    def top_items(self, user_ids: Sequence[str], k: int) -> set[str]: ...


# What fitting a recipe gives: one of the capabilities above, per the recipe's category.
TrainedModel = Model | RelatedItems | ItemSegmenter | AttributeSegmenter | ActionModel

RECORD_COLUMNS = (USER_ID, ITEM_ID, TIMESTAMP, EVENT_TYPE, EVENT_VALUE)


def unique_interactions(interactions: pd.DataFrame) -> pd.DataFrame:
    """Drop records that repeat another record exactly (the service keeps one).

    Only the reserved columns are compared, so extra metadata columns holding
    unhashable values cannot break the comparison.
    """
    subset = [c for c in RECORD_COLUMNS if c in interactions.columns]
    return interactions.drop_duplicates(subset=subset, ignore_index=True)


def chronological(interactions: pd.DataFrame) -> pd.DataFrame:
    """Order by user then time; the stable sort keeps file order for ties."""
    ordered = interactions.sort_values([USER_ID, TIMESTAMP], kind="stable")
    return ordered.reset_index(drop=True)


def sequences(ordered: pd.DataFrame, users: Collection[str] | None = None) -> dict[str, list[str]]:
    """Each user's item IDs oldest first, from interactions in :func:`chronological` order
    (only ``users``' when given)."""
    user_ids = ordered[USER_ID].to_numpy()
    if user_ids.size == 0:
        return {}
    starts = np.flatnonzero(np.r_[True, user_ids[1:] != user_ids[:-1]])
    items = ordered[ITEM_ID].to_numpy()
    ends = np.r_[starts[1:], user_ids.size]
    wanted = None if users is None else set(users)
    return {
        user_ids[start]: items[start:end].tolist()
        for start, end in zip(starts.tolist(), ends.tolist())
        if wanted is None or user_ids[start] in wanted
    }


def catalog(interactions: pd.DataFrame, items: pd.DataFrame | None) -> list[str]:
    """Distinct item ids of the Interactions and Items datasets, sorted."""
    # unique() first: a set built straight from a Series walks every row in Python.
    ids = set(interactions[ITEM_ID].astype(str).unique())
    if items is not None and ITEM_ID in items:
        ids.update(items[ITEM_ID].astype(str).unique())
    return sorted(ids)


def categorical_tokens(
    frame: pd.DataFrame | None, id_column: str, skip: tuple[str, ...] = (CREATION_TIMESTAMP,)
) -> dict[str, list[str]]:
    """'column=value' tokens per id from low-cardinality string columns.

    Multi-valued categorical fields use '|' as separator (items-datasets.md).
    Numeric columns, the ``skip`` columns and free-text-like columns are left out.
    """
    if frame is None or id_column not in frame or frame.empty:
        return {}
    tokens: dict[str, list[str]] = {}
    ids = frame[id_column].astype(str).to_numpy()
    for column in frame.columns:
        if column == id_column or column in skip or not _is_text(frame[column]):
            continue
        values = frame[column].fillna("").astype(str).str.split("|")
        distinct = {v for parts in values for v in parts if v}
        if not distinct or len(distinct) > MAX_CATEGORY_VALUES:
            continue
        for key, parts in zip(ids, values):
            tokens.setdefault(key, []).extend(f"{column}={v}" for v in parts if v)
    return {key: sorted(set(found)) for key, found in tokens.items() if found}


def _is_text(column: pd.Series) -> bool:
    return pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column)
