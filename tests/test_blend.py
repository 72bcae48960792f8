"""The answer path's arithmetic (recipes/blend.py, factors.CatalogMoments) against the plain formulas it replaces:
each view standardized over the whole catalog, the weighted mean, the softmax."""
from __future__ import annotations

import numpy as np
import pytest

import scipy.sparse as sp

from personalize_local.recipes.blend import NO_SHIFTS, Tables, best_positions, blended_probabilities
from personalize_local.recipes.factors import CatalogMoments, Factors

N = 300
NONE = np.empty(0, dtype=np.int64)
NO_WEIGHTS = np.empty(0)
NO_LINEAR_WEIGHTS = np.empty(0, dtype=np.float32)


def reference(dense: dict[str, np.ndarray], weights: dict[str, float], shifts: tuple[np.ndarray, ...] = ()) -> np.ndarray:
    """The blend as the model defines it: standardized views (flat ones dropped), their weighted mean, the softmax."""
    total, weight = np.zeros(N), 0.0
    for name, scores in dense.items():
        if scores.std() > 0 and weights.get(name, 0.0) > 0:
            total += weights[name] * (scores - scores.mean()) / scores.std()
            weight += weights[name]
    logits = (total / weight if weight else total) + sum(shifts, np.zeros(N))
    probabilities = np.exp(logits - logits.max())
    return probabilities / probabilities.sum()


def tables(rng: np.random.Generator, head: np.ndarray) -> Tables:
    """Random item-to-item weights over ``head``, and a random sequence table over two catalogs side by side."""
    linear = rng.normal(size=(head.size, head.size)).astype(np.float32)
    sequence = sp.random(2 * N, 2 * N, density=0.05, random_state=rng, format="csr", dtype=np.float32)
    return Tables.of(linear, head, N, sequence)


def test_the_blend_is_the_softmax_of_the_standardized_views_weighted_mean() -> None:
    rng = np.random.default_rng(0)
    head = np.sort(rng.choice(N, 120, replace=False))
    table = tables(rng, head)
    factors = rng.normal(size=N).astype(np.float32)
    linear_rows, linear_weights = np.array([3, 17, 3, 60]), rng.random(4).astype(np.float32)
    # What follows three items (one read twice), and what goes with two (the table's second catalog).
    sequence_rows, sequence_weights = np.array([5, 9, 5, N + 2, N + 40]), rng.random(5)
    dense_linear = np.zeros(N)
    dense_linear[head] = (linear_weights[:, None] * table.linear[linear_rows]).sum(axis=0)
    side_by_side = np.zeros(2 * N)
    for row, weight in zip(sequence_rows, sequence_weights):
        start, end = table.indptr[row], table.indptr[row + 1]
        np.add.at(side_by_side, table.indices[start:end], weight * table.data[start:end].astype(np.float64))
    weights = {"factors": 0.5, "linear": 0.4, "sequence": 0.1, "together": 0.2}
    expected = reference(
        {"factors": factors.astype(np.float64), "linear": dense_linear, "sequence": side_by_side[:N], "together": side_by_side[N:]},
        weights,
    )
    spread = float(factors.astype(np.float64).std())
    answer = blended_probabilities(
        table, factors, spread, linear_rows, linear_weights, sequence_rows, sequence_weights,
        np.array([0.5, 0.4, 0.1, 0.2]), NO_SHIFTS,
    )
    assert np.allclose(answer, expected, rtol=1e-6, atol=0)
    # A view without spread drops out whatever its weight: here the factor view of a user scoring all items alike.
    flat = np.ones(N, dtype=np.float32)
    answer = blended_probabilities(
        table, flat, 0.0, linear_rows, linear_weights, NONE, NO_WEIGHTS, np.array([3.0, 0.4, 0.0, 0.0]), NO_SHIFTS,
    )
    assert np.allclose(answer, reference({"factors": flat.astype(np.float64), "linear": dense_linear}, weights), rtol=1e-6, atol=0)
    # Each request's sums are its own: the per-thread sums start from zero again.
    again = blended_probabilities(
        table, factors, spread, linear_rows, linear_weights, sequence_rows, sequence_weights,
        np.array([0.5, 0.4, 0.1, 0.2]), NO_SHIFTS,
    )
    assert np.allclose(again, expected, rtol=1e-6, atol=0)


def test_shifts_move_the_logits_and_no_view_leaves_every_item_equally_likely() -> None:
    table = tables(np.random.default_rng(1), np.arange(N))
    shifts = (np.linspace(-1.0, 1.0, N), np.cos(np.arange(N)))
    flat = np.zeros(N, dtype=np.float32)
    weights = np.array([1.0, 0.0, 0.0, 0.0])
    assert np.allclose(blended_probabilities(table, flat, 0.0, NONE, NO_LINEAR_WEIGHTS, NONE, NO_WEIGHTS, weights, NO_SHIFTS), np.full(N, 1 / N))
    answer = blended_probabilities(table, flat, 0.0, NONE, NO_LINEAR_WEIGHTS, NONE, NO_WEIGHTS, weights, np.array(shifts))
    assert np.allclose(answer, reference({}, {}, shifts))


def lexsorted_best(scores: np.ndarray, k: int) -> np.ndarray:
    """The k best above -inf, best first, ties in catalog order, the plain way."""
    order = np.lexsort((np.arange(scores.size), -scores))
    return order[: min(k, int(np.count_nonzero(scores > -np.inf)))]


@pytest.mark.parametrize("k", [0, 1, 25, 64, 65, 200, N, N + 10])  # kept in order as they come, or from a partition
def test_the_best_positions_are_the_best_scores_ties_in_catalog_order(k: int) -> None:
    rng = np.random.default_rng(k)
    ties = np.round(rng.random(N) * 10)  # many equal scores
    excluded = np.where(rng.random(N) < 0.3, -np.inf, rng.random(N))
    for scores in (rng.random(N), np.sort(rng.random(N)), ties, excluded, np.full(N, -np.inf)):
        assert best_positions(scores, k).tolist() == lexsorted_best(scores, k).tolist()


def test_the_catalog_moments_give_the_factor_scores_spread() -> None:
    rng = np.random.default_rng(1)
    factors = Factors(
        item_vectors=rng.normal(size=(N, 8)).astype(np.float32),
        item_biases=rng.normal(size=N).astype(np.float32),
        identity_vectors=np.zeros((0, 8), dtype=np.float32),
        token_vectors=np.zeros((0, 8), dtype=np.float32),
        token_columns={},
        user_metadata_share=0.2,
        mean_user_vector=np.zeros(8, dtype=np.float32),
    )
    user = rng.normal(size=8).astype(np.float32)
    scores = factors.scores(user).astype(np.float64)
    spread = CatalogMoments.of(factors).spread(user)
    assert spread == pytest.approx(scores.std(), rel=1e-6)
