"""What every trained model offers, and helpers shared by the recipes."""
from __future__ import annotations

from typing import Collection, Protocol, Sequence, runtime_checkable

import numpy as np
import pandas as pd

USER_ID = "USER_ID"
ITEM_ID = "ITEM_ID"
TIMESTAMP = "TIMESTAMP"
EVENT_TYPE = "EVENT_TYPE"
EVENT_VALUE = "EVENT_VALUE"
CREATION_TIMESTAMP = "CREATION_TIMESTAMP"

SECONDS_PER_DAY = 86_400.0
SCORE_DECIMALS = 7



class TrainingError(ValueError):
    """Training cannot proceed; the message becomes the solution version's failureReason."""


@runtime_checkable
class Model(Protocol):
    """A trained solution version.

    ``item_ids`` is the catalog the model knows (interactions and Items dataset).
    ``reports_scores`` says whether the service shows the scores to callers
    (Popularity-Count results carry no score in the real service).
    ``recommend`` ranks items best first as (itemId, score); ``history`` is the
    user's chronological item interactions known now (training data plus events
    recorded since), so a longer history can change the answer without
    retraining. ``exclude`` removes items after scoring (filters). The
    exploration arguments are the campaign's itemExplorationConfig; recipes
    without exploration ignore them.
    """

    item_ids: list[str]
    reports_scores: bool

    def recommend(
        self,
        user_id: str,
        history: Sequence[str],
        num_results: int,
        exclude: set[str] | None = None,
        *,
        exploration_weight: float = 0.0,
        exploration_item_age_cutoff_days: float = 30.0,
    ) -> list[tuple[str, float]]: ...


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
    ids = set(interactions[ITEM_ID].astype(str))
    if items is not None and ITEM_ID in items:
        ids.update(items[ITEM_ID].astype(str))
    return sorted(ids)
