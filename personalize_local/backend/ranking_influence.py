"""rankingInfluence (CampaignConfig, BatchInferenceJobConfig): how much popularity and freshness weigh in a ranking.

API_CampaignConfig.md: a map of POPULARITY and FRESHNESS to a number from 0.0 to 1.0 (the wire checks
keys and range); the closer to 1.0, the more the factor weighs in the final recommendations. Here each
factor is a per-item signal, standardized over the model's catalog and added to the model's
standardized logits with its weight before the softmax, so the scores stay probabilities:

- POPULARITY: the item's interactions, those the version trained on and the events recorded since
  (log-scaled: a few blockbusters should not drown the rest);
- FRESHNESS: when the item came, its CREATION_TIMESTAMP in the Items dataset now, else (no column,
  no value) its first interaction in the training data; newer is fresher.

The service offers ranking influence with the User-Personalization-v2 recipe.
"""
from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Callable, Mapping, cast

import numpy as np

from ..errors import InvalidInputException
from ..recipes import USER_PERSONALIZATION_V2_ARN
from ..recipes.base import CREATION_TIMESTAMP, ITEM_ID
from .solutions import SolutionVersion

if TYPE_CHECKING:
    from ..recipes.user_personalization import UserPersonalization
    from .datasets import DatasetsService

RECIPES = {USER_PERSONALIZATION_V2_ARN: "aws-user-personalization-v2"}
# What a weight of 1.0 makes of a factor: twice the spread of the model's own standardized logits, so
# at 1.0 the factor leads and at 0.5 it stands level with the model.
FULL_INFLUENCE = 2.0
# A factor's signal over the model's catalog: (the datasets, version) -> one raw value per item (NaN: unknown).
Signal = Callable[["DatasetsService", SolutionVersion], np.ndarray]


def check_ranking_influence(version: SolutionVersion, influence: Mapping[str, float] | None, member: str) -> None:
    """Refuse a rankingInfluence (given at ``member``) for a recipe that doesn't take one."""
    if influence and version.recipe_arn not in RECIPES:
        raise InvalidInputException(
            f"Value at '{member}' applies only to solutions of the {', '.join(RECIPES.values())} recipe, "
            f"not {version.recipe_arn}."
        )


def _model(version: SolutionVersion) -> UserPersonalization:
    """The version's model: rankingInfluence is taken only for RECIPES, whose models are UserPersonalization's."""
    return cast("UserPersonalization", version.model)


def _popularity(datasets: DatasetsService, version: SolutionVersion) -> np.ndarray:
    model = _model(version)
    counts = model.item_counts_.astype(float)
    interactions = datasets.dataset_of(version.dataset_group_arn, "INTERACTIONS")
    if interactions is not None:
        accepts = version.solution.training_filter.accepts
        since = interactions.table.recorded_since(version.marks.get("INTERACTIONS", 0))
        recorded = Counter(r["ITEM_ID"] for r in since if accepts(r.get("EVENT_TYPE"), r.get("EVENT_VALUE")))
        counts += [recorded.get(item, 0) for item in model.item_ids]
    return np.log1p(counts)


def _freshness(datasets: DatasetsService, version: SolutionVersion) -> np.ndarray:
    model = _model(version)
    born = model.item_born_.astype(float)
    items = datasets.dataset_of(version.dataset_group_arn, "ITEMS")
    if items is not None and CREATION_TIMESTAMP in items.table.columns:
        frame = items.table.frame()
        created = frame.assign(**{ITEM_ID: frame[ITEM_ID].astype(str)}).groupby(ITEM_ID)[CREATION_TIMESTAMP].min()
        now = created.reindex(model.item_ids).astype(float).to_numpy()
        born = np.where(np.isnan(now), born, now)
    return born


SIGNALS: dict[str, Signal] = {"POPULARITY": _popularity, "FRESHNESS": _freshness}


def _standardized(values: np.ndarray) -> np.ndarray:
    """Mean 0 and deviation 1 over the known values; unknown (NaN) and flat signals weigh nothing."""
    known = ~np.isnan(values)
    out = np.zeros(values.size)
    spread = float(values[known].std()) if known.any() else 0.0
    if spread > 0.0:
        out[known] = (values[known] - values[known].mean()) / spread
    return out


class RankingInfluence:
    """What a campaign's or a batch inference job's rankingInfluence adds to its model's logits, from the group's data."""

    def __init__(self, datasets: DatasetsService) -> None:
        self.datasets = datasets
        # Each factor's standardized signal by (version, factor), with the data revisions it was computed from.
        self._signals: dict[tuple[str, str], tuple[tuple[object, ...], np.ndarray]] = {}

    def influence_offsets(self, version: SolutionVersion, influence: Mapping[str, float]) -> np.ndarray | None:
        """What ``influence`` adds to each catalog item's logit, or None when it weighs nothing."""
        weighed = {factor: float(weight) for factor, weight in influence.items() if weight}
        if not weighed:
            return None
        offsets = [FULL_INFLUENCE * weight * self._signal(version, factor) for factor, weight in weighed.items()]
        return sum(offsets[1:], offsets[0])

    def _signal(self, version: SolutionVersion, factor: str) -> np.ndarray:
        """The factor's standardized signal, computed again only once the group's data has changed."""
        revisions = tuple(
            dataset.table.revision if dataset is not None else None
            for dataset in (self.datasets.dataset_of(version.dataset_group_arn, kind) for kind in ("INTERACTIONS", "ITEMS"))
        )
        cache = self._signals
        key = (version.arn, factor)
        cached = cache.get(key)
        if cached is None or cached[0] != revisions:
            cached = cache[key] = (revisions, _standardized(SIGNALS[factor](self.datasets, version)))
        return cached[1]
