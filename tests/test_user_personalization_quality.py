"""aws-user-personalization's ranking quality on small generated data with a sequential pattern, fitted directly:
a guard against regressions of the model itself (bench/quality.py measures it on MovieLens through the API).

Users watch series of episodes in order: three series each, from a random episode on, with now and then a stray
popular title. The test users' last two episodes are held out, so what comes next is the continuation of the series
they watched last: popularity knows nothing of it, the factor model knows the user's series but neither which one
is current nor where they stand in it, and the sequence view reads exactly that.

Shoppers fill baskets: the few items of a recipe at one moment (one timestamp, in any order), recipes sharing
their ingredients. The test users' last two items complete their latest basket: the same-moment view reads which
items others took together with the ones already in it.
"""
from __future__ import annotations

import random
from typing import Callable

import numpy as np
import pandas as pd
import pytest

from personalize_local.recipes.user_personalization import BLEND, UserPersonalization

SERIES, EPISODES, USERS, TEST_EVERY, HELD_OUT, TOP = 20, 12, 300, 10, 2, 10
START = 1_600_000_000


def series_watchers(seed: int = 0) -> pd.DataFrame:
    rng = random.Random(seed)
    rows = []
    for u in range(USERS):
        at = START + u * 10_000
        for series in rng.sample(range(SERIES), 3):
            first = rng.randrange(0, EPISODES - 5)
            for episode in range(first, min(EPISODES, first + rng.randint(4, 8))):
                if rng.random() < 0.1:  # a stray first episode, of the lower-numbered (popular) series more often
                    rows.append((f"user-{u}", f"s{min(int(rng.expovariate(1 / 4)), SERIES - 1)}-e0", at))
                    at += 1
                rows.append((f"user-{u}", f"s{series}-e{episode}", at))
                at += 1
    return pd.DataFrame(rows, columns=["USER_ID", "ITEM_ID", "TIMESTAMP"])


class Split:
    """Every tenth user is a test user, whose last HELD_OUT interactions are held out; the rest trains."""

    def __init__(self, frame: pd.DataFrame) -> None:
        ordered = frame.sort_values(["USER_ID", "TIMESTAMP"], kind="stable")
        self.users = [f"user-{u}" for u in range(0, USERS, TEST_EVERY)]
        tested = ordered["USER_ID"].isin(self.users)
        held = tested & (ordered.groupby("USER_ID").cumcount(ascending=False) < HELD_OUT)
        self.train = ordered[~held]
        self.holdout = {user: set(rows["ITEM_ID"]) for user, rows in ordered[held].groupby("USER_ID")}
        self.history = {user: list(rows["ITEM_ID"]) for user, rows in self.train[self.train["USER_ID"].isin(self.users)].groupby("USER_ID")}

    def mean_reciprocal_rank(self, ranked: Callable[[str], list[str]]) -> float:
        """1 / rank of the first held-out item in each test user's top TOP (0 without one), averaged."""
        ranks = [next((1.0 / k for k, item in enumerate(ranked(user)[:TOP], 1) if item in self.holdout[user]), 0.0) for user in self.users]
        return float(np.mean(ranks))


@pytest.fixture(scope="module")
def split() -> Split:
    return Split(series_watchers())


@pytest.fixture(scope="module")
def model(split: Split) -> UserPersonalization:
    return UserPersonalization().fit(split.train)


def mrr_of(split: Split, model: UserPersonalization, weights: dict[str, float]) -> float:
    model.view_weights = dict(weights)
    try:
        return split.mean_reciprocal_rank(lambda user: [item for item, _ in model.recommend(user, split.history[user], TOP)])
    finally:
        model.view_weights = dict(BLEND)


def test_the_blend_finds_what_comes_next_far_better_than_popularity(split: Split, model: UserPersonalization) -> None:
    counts = split.train["ITEM_ID"].value_counts()  # most watched first
    popular = split.mean_reciprocal_rank(lambda user: [item for item in counts.index if item not in split.history[user]])
    blended = mrr_of(split, model, BLEND)
    assert blended >= 0.8
    assert blended > 5 * popular, (blended, popular)


def test_the_blend_beats_the_factor_view_alone_where_recency_matters(split: Split, model: UserPersonalization) -> None:
    factors = mrr_of(split, model, {"factors": 1.0})
    blended = mrr_of(split, model, BLEND)
    assert blended > 1.5 * factors, (blended, factors)


def test_the_sequence_view_adds_to_the_blend(split: Split, model: UserPersonalization) -> None:
    sequence = mrr_of(split, model, {"sequence": 1.0})
    without = mrr_of(split, model, {name: weight for name, weight in BLEND.items() if name != "sequence"})
    blended = mrr_of(split, model, BLEND)
    assert sequence >= 0.8  # the next episode, from the last one watched
    assert blended > without, (blended, without)


def test_without_recency_mask_there_is_no_sequence_view(split: Split) -> None:
    plain = UserPersonalization(recency_mask=False).fit(split.train)
    assert plain.follows_ is None
    assert plain.together_ is None


RECIPES, INGREDIENTS, PER_BASKET, BASKETS = 60, 40, 4, 6


def basket_fillers(seed: int = 0) -> pd.DataFrame:
    rng = random.Random(seed)
    recipes = [rng.sample(range(INGREDIENTS), PER_BASKET) for _ in range(RECIPES)]
    rows = []
    for u in range(USERS):
        at = START + u * 1_000_000
        for recipe in rng.sample(range(RECIPES), BASKETS):
            for item in rng.sample(recipes[recipe], PER_BASKET):  # one moment, in any order
                rows.append((f"user-{u}", f"i{item}", at))
            at += rng.randint(3600, 86400)
    return pd.DataFrame(rows, columns=["USER_ID", "ITEM_ID", "TIMESTAMP"])


def test_the_same_moment_view_completes_the_latest_basket() -> None:
    split = Split(basket_fillers())
    model = UserPersonalization().fit(split.train)
    counts = split.train["ITEM_ID"].value_counts()
    popular = split.mean_reciprocal_rank(lambda user: [item for item in counts.index if item not in split.history[user]])
    together = mrr_of(split, model, {"together": 1.0})
    without = mrr_of(split, model, {name: weight for name, weight in BLEND.items() if name != "together"})
    blended = mrr_of(split, model, BLEND)
    assert together > 1.8 * popular, (together, popular)
    assert blended > 1.1 * without, (blended, without)


def test_without_shared_timestamps_the_same_moment_view_drops_out(split: Split, model: UserPersonalization) -> None:
    # Every episode has its own second: nothing was taken together, and the blend is the other views'.
    assert model.together_ is not None and model.together_.nnz == 0
    without = mrr_of(split, model, {name: weight for name, weight in BLEND.items() if name != "together"})
    assert mrr_of(split, model, BLEND) == without
