"""trend_prediction_accuracy of Trending-Now solution versions (working-with-training-metrics.md).

The actual trend is read in the testing set (the held-out newest interactions
of the test users): an item's popularity increase is the growth of its
interactions from the previous trend discovery interval to the latest one,
counted back from the newest held-out interaction (decreases count as none).
The metric divides the increase of the recommended items by the increase of
the 25 items that actually increased most; 0.0 when nothing increased, which
the guide allows for sparse data or a short interval.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from ..recipes.base import USER_ID, chronological
from ..recipes.trending import interval_counts

TOP_TRENDING = 25
DECIMALS = 4


def trend_prediction_accuracy(recommended: Sequence[str], held_out: pd.DataFrame, interval: int) -> float:
    items = sorted(held_out["ITEM_ID"].astype(str).unique())
    counts = interval_counts(held_out, items, interval, 2)
    increase = pd.Series(np.maximum(counts[:, 0] - counts[:, 1], 0.0), index=items)
    best = increase.nlargest(TOP_TRENDING).sum()
    found = increase.reindex(list(recommended[:TOP_TRENDING]), fill_value=0.0).sum()
    return round(float(found / best), DECIMALS) if best > 0 else 0.0


def held_out_rows(interactions: pd.DataFrame, test_holdout: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """The rows behind split_for_evaluation's held-out items: each test user's newest interactions."""
    ordered = chronological(interactions[interactions[USER_ID].isin(list(test_holdout))])
    from_end = ordered.groupby(USER_ID, sort=False).cumcount(ascending=False)
    kept = from_end < ordered[USER_ID].map({user: len(items) for user, items in test_holdout.items()})
    return ordered[kept.to_numpy()]
