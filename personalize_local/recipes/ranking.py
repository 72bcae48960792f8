"""Personalized ranking: a model's scores over the caller's candidates only (rankings.md).

"the scoring function for GetPersonalizedRanking is identical to GetRecommendations, except
that it only considers the input items": the scores are the model's, renormalized over
the candidates so they sum to 1. Candidates the model has no score for (no data on them)
come last, without a score (native-recipe-search.md), in the order given.
"""
from __future__ import annotations

from typing import Any, Sequence

from .base import SCORE_DECIMALS, Model


def rank(model: Model, user_id: str, history: Sequence[str], candidates: Sequence[str], **options: Any) -> list[tuple[str, float | None]]:
    wanted = dict.fromkeys(candidates)  # the caller's order, repeats dropped
    scored = [
        (item, score) for item, score in model.recommend(user_id, history, len(model.item_ids), **options)
        if item in wanted and score is not None
    ]
    total = sum(score for _, score in scored)
    ranked: list[tuple[str, float | None]] = [
        (item, round(score / total, SCORE_DECIMALS) if total > 0 else score) for item, score in scored
    ]
    placed = {item for item, _ in scored}
    return ranked + [(item, None) for item in wanted if item not in placed]
