"""The answer path's arithmetic (recipes/blend.py, factors.CatalogMoments) against the plain formulas it replaces:
each view standardized over the whole catalog, the weighted mean, the softmax."""
from __future__ import annotations

import numpy as np
import pytest

from personalize_local.recipes import blend
from personalize_local.recipes.blend import Entries, View, blended_probabilities, summed
from personalize_local.recipes.factors import CatalogMoments, Factors

N = 300


def reference(dense: dict[str, np.ndarray], weights: dict[str, float]) -> np.ndarray:
    """The blend as the model defines it: standardized views (flat ones dropped), their weighted mean, the softmax."""
    total, weight = np.zeros(N), 0.0
    for name, scores in dense.items():
        if scores.std() > 0 and weights.get(name, 0.0) > 0:
            total += weights[name] * (scores - scores.mean()) / scores.std()
            weight += weights[name]
    logits = total / weight if weight else total
    probabilities = np.exp(logits - logits.max())
    return probabilities / probabilities.sum()


def entries(rng: np.random.Generator, catalog: int, count: int) -> Entries:
    return Entries(rng.integers(0, catalog, count), rng.random(count))


def as_dense(view: View) -> np.ndarray:
    scores = np.zeros(N)
    scores[view.positions if view.positions is not None else slice(None)] = view.values
    return scores


def test_the_blend_is_the_softmax_of_the_standardized_views_weighted_mean() -> None:
    rng = np.random.default_rng(0)
    factors = rng.normal(size=N).astype(np.float32)
    head = np.sort(rng.choice(N, 120, replace=False))
    linear = rng.normal(size=head.size).astype(np.float32)
    sequence = np.zeros(N)
    np.add.at(sequence, (picked := entries(rng, N, 40)).columns, picked.values)
    views = {
        "factors": View.of(factors, N),
        "linear": View.of(linear, N, head),
        "sequence": summed(picked, ("sequence",), N)["sequence"],
        "flat": View.of(np.ones(N), N),  # no spread: drops out whatever its weight
    }
    weights = {"factors": 0.5, "linear": 0.4, "sequence": 0.1, "flat": 3.0}
    dense_linear = np.zeros(N)
    dense_linear[head] = linear
    expected = reference({"factors": factors.astype(np.float64), "linear": dense_linear, "sequence": sequence}, weights)
    assert np.allclose(blended_probabilities(views, weights, [], N), expected, rtol=1e-9, atol=0)


def test_shifts_move_the_logits_and_no_view_leaves_every_item_equally_likely() -> None:
    shift = np.linspace(-1.0, 1.0, N)
    flat = {"factors": View.of(np.zeros(N, dtype=np.float32), N)}
    assert np.allclose(blended_probabilities(flat, {"factors": 1.0}, [], N), np.full(N, 1 / N))
    expected = np.exp(shift - shift.max()) / np.exp(shift - shift.max()).sum()
    assert np.allclose(blended_probabilities(flat, {"factors": 1.0}, [shift], N), expected)


@pytest.mark.parametrize("count", [5, 2000])  # sparse (distinct items) and dense (one table) sums
def test_side_by_side_views_sum_their_entries_either_way(count: int) -> None:
    rng = np.random.default_rng(count)
    picked = entries(rng, 2 * N, count)
    views = summed(picked, ("sequence", "together"), N)
    expected = np.bincount(picked.columns, picked.values, minlength=2 * N).reshape(2, N)
    for k, name in enumerate(("sequence", "together")):
        if not expected[k].any():
            assert name not in views
            continue
        assert (views[name].positions is None) == (2 * N <= blend._DENSE_UNTIL * count)
        assert np.allclose(as_dense(views[name]), expected[k])
        assert views[name].mean == pytest.approx(expected[k].mean())
        assert views[name].spread == pytest.approx(expected[k].std())


def test_the_catalog_moments_give_the_factor_scores_mean_and_spread() -> None:
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
    mean, spread = CatalogMoments.of(factors).mean_and_spread(user)
    assert mean == pytest.approx(scores.mean(), rel=1e-6)
    assert spread == pytest.approx(scores.std(), rel=1e-6)
