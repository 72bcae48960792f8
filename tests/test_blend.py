"""The answer path's arithmetic (recipes/blend.py, factors.CatalogMoments) against the plain formulas it replaces:
each view standardized over the whole catalog, the weighted mean, the softmax."""
from __future__ import annotations

import numpy as np
import pytest

import scipy.sparse as sp

from personalize_local.recipes.blend import NO_SHIFTS, Tables, best_positions, blended_probabilities, user_logits
from personalize_local.recipes.factors import CatalogMoments, Factors
from personalize_local.recipes.item_linear import ItemLinear

N = 300
WEIGHTS = {"factors": 0.5, "linear": 0.4, "sequence": 0.1, "together": 0.2}
STEPS, MOMENT = np.array([1.0, 0.5, 0.25]), np.array([1.0, 0.3])
NONE = np.empty(0, dtype=np.int64)


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


def model(rng: np.random.Generator, head: np.ndarray, unfollowed: int) -> tuple[ItemLinear, np.ndarray]:
    """Random item-to-item weights over ``head``, and a random sequence table over two catalogs side by side (what
    follows each item, then what goes with it), where nothing follows item ``unfollowed``."""
    rows = np.full(N, -1)
    rows[head] = np.arange(head.size)
    linear = ItemLinear(head, rows, rng.normal(size=(head.size, head.size)).astype(np.float32), N)
    follows, together = (sp.random(N, N, density=0.05, random_state=rng, format="lil", dtype=np.float32) for _ in range(2))
    follows[unfollowed, :] = 0.0
    return linear, sp.block_diag((follows, together), format="csr").toarray()


def test_the_blend_is_the_softmax_of_the_standardized_views_weighted_mean() -> None:
    rng = np.random.default_rng(0)
    head = np.sort(rng.choice(N, 120, replace=False))
    recent = np.array([head[3], 7 if 7 not in head else 8, head[17], head[60], head[3]])  # newest first
    recency = rng.random(recent.size)
    linear, sequence = model(rng, head, unfollowed=recent[1])
    tables = Tables.of(linear, sp.csr_matrix(sequence), STEPS, MOMENT)
    factors = rng.normal(size=N).astype(np.float32)

    in_head = linear.rows[recent] >= 0
    dense_linear = np.zeros(N)
    dense_linear[head] = (recency[in_head, None].astype(np.float32) * linear.weights[linear.rows[recent[in_head]]]).sum(axis=0)
    follows = (STEPS[:, None] * sequence[recent[:3], :N]).sum(axis=0)
    together = (MOMENT[:, None] * sequence[N + recent[:2], N:]).sum(axis=0)
    # The second latest item has no follows: the sequence view weighs the others' share of the steps.
    weights = {**WEIGHTS, "sequence": WEIGHTS["sequence"] * (STEPS[0] + STEPS[2]) / STEPS.sum()}
    expected = reference({"factors": factors.astype(np.float64), "linear": dense_linear, "sequence": follows, "together": together}, weights)
    spread = float(factors.astype(np.float64).std())

    answer = blended_probabilities(user_logits(tables, WEIGHTS, factors, spread, recent, recency), NO_SHIFTS, NONE, 0.0)
    assert np.allclose(answer, expected, rtol=1e-6, atol=0)
    # Each request's sums are its own: the per-thread sums start from zero again.
    assert np.array_equal(blended_probabilities(user_logits(tables, WEIGHTS, factors, spread, recent, recency), NO_SHIFTS, NONE, 0.0), answer)
    # A view without spread drops out whatever its weight: here the factor view of a user scoring all items alike.
    flat = np.ones(N, dtype=np.float32)
    without_factors = reference({"linear": dense_linear, "sequence": follows, "together": together}, weights)
    assert np.allclose(blended_probabilities(user_logits(tables, WEIGHTS, flat, 0.0, recent, recency), NO_SHIFTS, NONE, 0.0), without_factors, rtol=1e-6, atol=0)


def test_shifts_move_the_logits_and_no_view_leaves_every_item_equally_likely() -> None:
    linear, sequence = model(np.random.default_rng(1), np.arange(N), unfollowed=0)
    tables = Tables.of(linear, sp.csr_matrix(sequence), STEPS, MOMENT)
    shifts = (np.linspace(-1.0, 1.0, N), np.cos(np.arange(N)))
    flat, nothing, no_weights = np.zeros(N, dtype=np.float32), np.empty(0, dtype=np.int64), np.empty(0)
    assert np.allclose(blended_probabilities(user_logits(tables, {"factors": 1.0}, flat, 0.0, nothing, no_weights), NO_SHIFTS, nothing, 0.0), np.full(N, 1 / N))
    answer = blended_probabilities(user_logits(tables, {"factors": 1.0}, flat, 0.0, nothing, no_weights), np.array(shifts), nothing, 0.0)
    assert np.allclose(answer, reference({}, {}, shifts))


def test_the_items_had_share_the_repeat_rate_and_the_sums_are_numpys() -> None:
    linear, sequence = model(np.random.default_rng(2), np.arange(N), unfollowed=0)
    tables = Tables.of(linear, sp.csr_matrix(sequence), STEPS, MOMENT)
    shift = np.random.default_rng(3).normal(size=(1, N)) * 3
    flat, nothing, no_weights = np.zeros(N, dtype=np.float32), np.empty(0, dtype=np.int64), np.empty(0)
    seen = np.array([4, 9, 250])
    plain = blended_probabilities(user_logits(tables, {}, flat, 0.0, nothing, no_weights), shift, nothing, 0.0)
    # The softmax as numpy writes it, to the bit: its exp, its sum.
    expected = np.exp(shift[0] - shift[0].max())
    assert np.array_equal(plain, expected / np.add.reduce(expected))
    shared = blended_probabilities(user_logits(tables, {}, flat, 0.0, nothing, no_weights), shift, seen, 0.3)
    assert shared[seen].sum() == pytest.approx(0.3)
    assert np.allclose(shared[seen] / shared[seen].sum(), plain[seen] / plain[seen].sum())
    others = np.setdiff1d(np.arange(N), seen)
    assert np.allclose(shared[others] / shared[others].sum(), plain[others] / plain[others].sum())


def lexsorted_best(scores: np.ndarray, k: int) -> np.ndarray:
    """The k best above -inf, best first, ties in catalog order, the plain way."""
    order = np.lexsort((np.arange(scores.size), -scores))
    return order[: min(k, int(np.count_nonzero(scores > -np.inf)))]


@pytest.mark.parametrize("k", [0, 1, 25, 64, 65, 200, N, N + 10])  # kept in order as they come, or from a partition
def test_the_best_positions_are_the_best_scores_ties_in_catalog_order(k: int) -> None:
    rng = np.random.default_rng(k)
    ties = np.round(rng.random(N) * 10)  # many equal scores
    excluded = np.where(rng.random(N) < 0.3, -np.inf, rng.random(N))
    skipped = rng.choice(N, 40, replace=False)  # left out as if they scored -inf, some twice
    skipped = np.concatenate((skipped, skipped[:5]))
    for scores in (rng.random(N), np.sort(rng.random(N)), ties, excluded, np.full(N, -np.inf)):
        assert best_positions(scores, k).tolist() == lexsorted_best(scores, k).tolist()
        without = scores.copy()
        without[skipped] = -np.inf
        assert best_positions(scores, k, skipped).tolist() == lexsorted_best(without, k).tolist()


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
