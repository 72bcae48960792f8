"""Offline metrics of USER_SEGMENTATION solution versions, as working-with-training-metrics.md defines them.

Split: the training set holds the oldest 80% of each user's interactions, the
testing set the newest 20% (a user with two or more interactions keeps at
least one on each side; a user with one trains with it).

Queries: Item-Affinity is asked for the segment of each item of the testing
set the model knows, Item-Attribute-Affinity for each (field, value) of those
items' non-textual metadata; the actual users of a query are the users who
interacted with the item (with an item having the attribute) in the testing
set. At most MAX_QUERIES queries, drawn at random (seeded) when there are more,
as a batch segment job takes at most 500 items.

With K the top 1% of users (at least one): ``hits_at_1_percent`` is the mean
number of actual users among a segment's top K, ``recall_at_1_percent`` the
mean share of a query's actual users found there. ``coverage``, which the
service reports for these recipes too (a recorded run of its user segmentation
sample), is defined as for the other recipes (metrics.py): the share of every
item of the Interactions and Items datasets among the 25 items any user of the
testing set (at most MAX_COVERAGE_USERS, drawn at random) is likeliest to
interact with. Rounded to 4 decimals.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Sequence, cast

import numpy as np
import pandas as pd

from ..recipes.base import ITEM_ID, USER_ID, AttributeSegmenter, ItemSegmenter, TrainedModel, catalog, chronological
from ..recipes.item_metadata import categorical_values
from .metrics import MAX_K

TEST_SHARE = 0.2
TOP_SHARE = 0.01
MAX_QUERIES = 500
MAX_COVERAGE_USERS = 1000
DECIMALS = 4

# A query's segment of k users, best first.
SegmentFn = Callable[[Any, int], list[str]]  # a query: an item ID, or a (field, value) pair
# Each query and the users who actually interacted with it in the testing set.
Queries = dict[Any, set[str]]


def split_by_user_time(interactions: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(training set, testing set): each user's oldest 80% and newest 20%."""
    ordered = chronological(interactions)
    by_user = ordered.groupby(USER_ID, sort=False)
    position = by_user.cumcount().to_numpy()
    size = by_user[USER_ID].transform("size").to_numpy()
    kept = np.where(size >= 2, np.clip(np.floor((1 - TEST_SHARE) * size), 1, size - 1), size)
    training = position < kept
    return ordered[training].reset_index(drop=True), ordered[~training].reset_index(drop=True)


def segment_metrics(segment: SegmentFn, actual: Queries, n_users: int) -> dict[str, float]:
    """Mean hits and recall at the top 1% of ``n_users`` over the queries of ``actual``."""
    k = max(1, math.floor(TOP_SHARE * n_users))
    hits = [len(set(segment(query, k)) & users) for query, users in actual.items()]
    recall = [h / len(users) for h, users in zip(hits, actual.values())]
    return {
        "hits_at_1_percent": round(float(np.mean(hits)) if hits else 0.0, DECIMALS),
        "recall_at_1_percent": round(float(np.mean(recall)) if recall else 0.0, DECIMALS),
    }


def coverage(model: ItemSegmenter | AttributeSegmenter, users: Sequence[str], catalog_size: int, seed: int) -> float:
    """The share of the catalog among the top MAX_K items of ``users`` (MAX_COVERAGE_USERS of them at most)."""
    chosen = sorted(users)
    if len(chosen) > MAX_COVERAGE_USERS:
        picked = np.random.default_rng(seed).choice(len(chosen), size=MAX_COVERAGE_USERS, replace=False)
        chosen = [chosen[i] for i in sorted(picked)]
    covered = model.top_items(chosen, MAX_K)
    return round(len(covered) / catalog_size, DECIMALS) if catalog_size else 0.0


def _item_queries(model: ItemSegmenter, testing: pd.DataFrame, items: pd.DataFrame | None) -> tuple[SegmentFn, Queries]:
    known = set(model.item_ids)  # the service segments only items present at training
    actual = {item: set(users) for item, users in testing.groupby(ITEM_ID)[USER_ID] if item in known}
    return (lambda item, k: [user for user, _ in model.segment(item, k)]), actual


def _attribute_queries(model: AttributeSegmenter, testing: pd.DataFrame, items: pd.DataFrame | None) -> tuple[SegmentFn, Queries]:
    catalog_ids = sorted(testing[ITEM_ID].unique())
    users_of = testing.groupby(ITEM_ID)[USER_ID].agg(set)
    actual = {
        attribute: set().union(*(users_of[catalog_ids[i]] for i in positions))
        for attribute, positions in categorical_values(items, catalog_ids).items()
    }
    return (lambda attribute, k: [user for user, _ in model.segment_by_attributes([attribute], k)]), actual


# How each kind of segmentation model is queried: its queries and their actual users in the testing set.
QUERIES: tuple[tuple[type, Callable[..., tuple[SegmentFn, Queries]]], ...] = (
    (ItemSegmenter, _item_queries),
    (AttributeSegmenter, _attribute_queries),
)


def evaluate_segments(
    fit: Callable[[pd.DataFrame], TrainedModel],
    interactions: pd.DataFrame,
    items: pd.DataFrame | None,
    seed: int = 0,
) -> dict[str, float]:
    """Fit on the training set with ``fit``, then score the segments of the testing set's queries."""
    training, testing = split_by_user_time(interactions)
    model = fit(training)
    queries = next(make for kind, make in QUERIES if isinstance(model, kind))
    testing = testing.astype({USER_ID: str, ITEM_ID: str})
    segment, actual = queries(model, testing, items)
    if len(actual) > MAX_QUERIES:
        keys = list(actual)
        chosen = np.random.default_rng(seed).choice(len(keys), size=MAX_QUERIES, replace=False)
        actual = {keys[i]: actual[keys[i]] for i in sorted(chosen)}
    segmenter = cast("ItemSegmenter | AttributeSegmenter", model)  # one of QUERIES' kinds
    covered = coverage(segmenter, testing[USER_ID].unique().tolist(), len(catalog(interactions, items)), seed)
    return {"coverage": covered, **segment_metrics(segment, actual, interactions[USER_ID].nunique())}
