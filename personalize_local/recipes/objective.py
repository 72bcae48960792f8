"""An additional objective (solutionConfig.optimizationObjective): relevance blended with an item attribute.

optimizing-solution-for-objective.md: only User-Personalization and Personalized-Ranking
take one; the attribute is a numerical, non-null column of the Items dataset; items with
higher values weigh more, by the objective sensitivity (OFF, LOW, MEDIUM, HIGH). The
version's metrics gain ``average_rewards_at_k``: per test user, the attribute values of
the held-out items found in the top 25, over those of all held-out items, averaged.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Collection, Mapping, Sequence, cast

import numpy as np
import pandas as pd

from .base import ITEM_ID, Model, Picks, SCORE_DECIMALS, TrainedModel

# How much of the ranking the objective decides, by sensitivity; relevance decides the rest.
EMPHASIS = {"OFF": 0.0, "LOW": 0.25, "MEDIUM": 0.5, "HIGH": 0.75}
DEFAULT_SENSITIVITY = "MEDIUM"
RECIPES = {
    "arn:aws:personalize:::recipe/aws-user-personalization",
    "arn:aws:personalize:::recipe/aws-user-personalization-v2",
    "arn:aws:personalize:::recipe/aws-personalized-ranking",
    "arn:aws:personalize:::recipe/aws-personalized-ranking-v2",
}
METRIC = "average_rewards_at_k"


@dataclass(frozen=True)
class Objective:
    attribute: str
    sensitivity: str = DEFAULT_SENSITIVITY

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "Objective | None":
        given = config.get("optimizationObjective") or {}
        if not given.get("itemAttribute"):
            return None
        return cls(given["itemAttribute"], given.get("objectiveSensitivity") or DEFAULT_SENSITIVITY)

    def rewards(self, items: pd.DataFrame | None) -> dict[str, float]:
        """Each item's value of the attribute (what a recommendation of it earns)."""
        if items is None or self.attribute not in items:
            return {}
        values = pd.to_numeric(items[self.attribute], errors="coerce").fillna(0.0)
        return dict(zip(items[ITEM_ID].astype(str), values.astype(float)))


class ObjectiveModel:
    """A model whose ranking weighs each item's attribute value beside the model's own relevance."""

    # What a saved state holds of it (state/records.py).
    model: Model
    item_ids: list[str]
    reports_scores: bool
    reads_signals: bool
    _emphasis: float
    _value: dict[str, float]

    def __init__(self, model: Model, objective: Objective, rewards: Mapping[str, float]) -> None:
        self.model = model
        self.item_ids = model.item_ids
        self.reports_scores = model.reports_scores
        self.reads_signals = getattr(model, "reads_signals", False)
        self._emphasis = EMPHASIS[objective.sensitivity]
        values = np.array([rewards.get(item, 0.0) for item in model.item_ids], dtype=float)
        span = values.max() - values.min() if len(values) else 0.0
        # Values on [0, 1] across the catalog, so the emphasis means the same whatever the attribute's unit.
        self._value = dict(zip(model.item_ids, (values - values.min()) / span if span > 0 else np.zeros_like(values)))

    def recommend(self, user_id: str, history: Sequence[str], num_results: int, exclude: set[str] | None = None, **options: Any) -> Picks:
        answer = self.model.recommend(user_id, history, len(self.item_ids), exclude, **options)
        explored: Collection[str] = getattr(answer, "explored", ())
        placeholders: frozenset[str] = getattr(answer, "placeholders", frozenset())
        # Placeholders have no relevance to weigh: they keep their places after the scored items.
        ranked = [(item, score) for item, score in answer if item not in placeholders]
        if not ranked or self._emphasis == 0.0:
            return Picks([*ranked, *((item, None) for item in placeholders)][:num_results], explored, placeholders)
        scores = np.array([score for _, score in ranked], dtype=float)
        span = scores.max() - scores.min()
        relevance = (scores - scores.min()) / span if span > 0 else np.ones_like(scores)
        blended = (1 - self._emphasis) * relevance + self._emphasis * np.array([self._value.get(i, 0.0) for i, _ in ranked])
        order = np.argsort(-blended, kind="stable")[:num_results]
        reordered = [(ranked[i][0], round(float(blended[i]), SCORE_DECIMALS)) for i in order]
        return Picks([*reordered, *((item, None) for item in placeholders)][:num_results], explored, placeholders)


def weighing(model: TrainedModel, objective: Objective | None, items: pd.DataFrame | None) -> TrainedModel:
    """``model``, weighing ``objective``'s attribute of ``items`` if there is one: a model of RECIPES, which rank."""
    return ObjectiveModel(cast(Model, model), objective, objective.rewards(items)) if objective else model


def average_rewards(recommended: Mapping[str, Sequence[str]], holdout: Mapping[str, Sequence[str]], rewards: Mapping[str, float], k: int) -> float:
    """Mean over test users of the held-out rewards reached in the top ``k``, over all held-out rewards."""
    shares = []
    for user, items in recommended.items():
        total = sum(rewards.get(item, 0.0) for item in holdout[user])
        if total > 0:
            top = set(items[:k])
            shares.append(sum(rewards.get(item, 0.0) for item in holdout[user] if item in top) / total)
    return float(np.mean(shares)) if shares else 0.0
