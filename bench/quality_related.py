"""bench/quality.py's section of the RELATED_ITEMS recipes, on the same splits and metrics.

Each test user asks GetRecommendations for 25 items related to the last item of their input
(quality_protocol.about_last_item); the held-out items are the truth, as GetSolutionMetrics
measures these recipes. Rows:

- aws-sims with its defaults;
- aws-sims keeping the most popular items (max_item_interaction_count_percentile 1.0, where the
  default 0.9 gives the top tenth no neighbours);
- aws-similar-items, without an Items dataset (co-occurrence alone).
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import pandas as pd

from quality_protocol import Asked, Row, Split, about_last_item, through_api

SIMS_ROW = "aws-sims"
SIMS = "arn:aws:personalize:::recipe/aws-sims"
SIMILAR_ITEMS = "arn:aws:personalize:::recipe/aws-similar-items"

# (row name, recipe, solutionConfig)
RECIPES: tuple[tuple[str, str, Mapping[str, Any]], ...] = (
    (SIMS_ROW, SIMS, {}),
    (
        "aws-sims, max_item_interaction_count_percentile 1.0",
        SIMS,
        {"algorithmHyperParameters": {"max_item_interaction_count_percentile": "1.0"}},
    ),
    ("aws-similar-items (no Items dataset)", SIMILAR_ITEMS, {}),
)


def related_items(interactions: pd.DataFrame, splits: Sequence[Split]) -> list[Row]:
    return [
        row
        for split in splits
        for name, recipe, config in RECIPES
        for row in through_api(recipe, split, [Asked(name, about_last_item, reads_history=False)], config)
    ]
