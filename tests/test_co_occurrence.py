"""The related-items model shared by aws-sims and aws-similar-items (recipes/co_occurrence.py)."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import scipy.sparse as sp

from personalize_local.recipes.co_occurrence import Settings, related_items, transitions

# Histories, oldest first. "a" is followed by "b", and "b" by "c" (in other users' histories). "c" and "d" each
# share two users with "a", far after it, and have as many users in all, so only the walk tells them apart.
HISTORIES = (
    [["a", "b"]] * 4
    + [["b", "c"]] * 4
    + [["d", "e"]] * 4
    + [["a"] + [f"x{k}-{u}" for k in range(9)] + ["c"] for u in range(2)]
    + [["a"] + [f"y{k}-{u}" for k in range(9)] + ["d"] for u in range(2)]
)


def _scores(settings: Settings) -> dict[str, float]:
    """The related items of "a" and their scores."""
    catalog = sorted({item for history in HISTORIES for item in history})
    code = {item: i for i, item in enumerate(catalog)}
    users = np.concatenate([np.full(len(history), u) for u, history in enumerate(HISTORIES)])
    items = np.array([code[item] for history in HISTORIES for item in history])
    neighbours = related_items(users, items, len(catalog), np.ones(len(catalog), dtype=bool), settings)
    row = neighbours.getrow(code["a"])
    return {catalog[j]: float(score) for j, score in zip(row.indices, row.data)}


def test_the_walk_ranks_what_the_followers_go_on_to() -> None:
    without_smoothing = Settings(smoothed_weight=0.0, min_cointeractions=1)
    walked = _scores(without_smoothing)
    assert walked["c"] > walked["d"]
    unwalked = _scores(replace(without_smoothing, two_step_weight=0.0))
    assert unwalked["c"] == unwalked["d"]


def test_the_walk_keeps_each_items_likeliest_next_items() -> None:
    counts = sp.csr_matrix(np.array([[4.0, 3.0, 2.0, 1.0], [0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 0.0]]))
    walk = transitions(counts, 2).toarray()
    np.testing.assert_allclose(walk[0], [0.4, 0.3, 0.0, 0.0])  # over the row's whole sum
    assert not walk[1].any()
    np.testing.assert_allclose(walk[2], [1 / 3, 1 / 3, 1 / 3, 0.0])  # ties with the last kept stay
