"""Contextual metadata (contextual-metadata.md): how an interaction's context shifts what users pick.

At training, for each categorical string column of the Interactions dataset (DEVICE, LOCATION...)
and each of its values, every item's interactions in that context are counted. At answer time the
request's ``context`` multiplies each item's probability by how much more (or less) often the item
is picked in that context than its overall popularity predicts, its lift:

    lift(item, value) = (n(item, value) + PRIOR) / (n(item) * n(value) / N + PRIOR)

the observed count over the count expected were item and context independent, both with PRIOR
pseudo-interactions, so sparse counts (a rare item, a rare value) shrink towards a lift of 1. Its
log is added to the model's logits (naive Bayes: P(item | user, context) is proportional to
P(item | user) * P(context | item) / P(context)), one term per context key. Because the lift does
not depend on the user, it steers users the model never saw as much as known ones (cold start by
context).

A key that is no context column of the training data, or a value never seen with it, has no
effect: there is nothing to learn from. Only the counts are kept (sparse per value), so the model
stays small and a request costs one pass over the catalog per key.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from .base import ITEM_ID, MAX_CATEGORY_VALUES

# The frame attribute naming the Interactions columns that hold context (set from the schema).
CONTEXT_COLUMNS = "context_columns"
# Pseudo-interactions on each side of the lift: below a few interactions, a lift says little.
PRIOR = 2.0
# Values kept per column, the most frequent first: the rest are too rare to learn from.
MAX_VALUES = 200
# Multi-valued categorical fields separate values with '|' (interactions-datasets.md).
SEPARATOR = "|"


@dataclass(frozen=True)
class ValueCounts:
    """One context value's interactions: how many in all, and per catalog position (sparse)."""

    total: float
    positions: np.ndarray
    counts: np.ndarray


@dataclass(frozen=True)
class ContextLifts:
    item_counts: np.ndarray  # interactions per catalog position
    total: float
    columns: dict[str, dict[str, ValueCounts]]

    @classmethod
    def fit(cls, interactions: pd.DataFrame, item_index: Mapping[str, int], columns: Iterable[str]) -> "ContextLifts":
        """Counts per (column, value, item) of ``interactions`` (with ITEM_ID and the context ``columns``)."""
        codes = interactions[ITEM_ID].astype(str).map(item_index).to_numpy()
        size = len(item_index)
        item_counts = np.bincount(codes, minlength=size).astype(np.float64)
        learnt: dict[str, dict[str, ValueCounts]] = {}
        for column in columns:
            values = interactions[column].fillna("").astype(str).str.split(SEPARATOR)
            pairs = pd.DataFrame({"item": codes, "value": values}).explode("value")
            pairs = pairs[pairs["value"] != ""]
            frequent = pairs["value"].value_counts().head(MAX_VALUES)
            if frequent.empty or pairs["value"].nunique() > MAX_CATEGORY_VALUES:
                continue  # empty, or free text rather than categories
            per_value: dict[str, ValueCounts] = {}
            for value, group in pairs[pairs["value"].isin(frequent.index)].groupby("value"):
                positions, counts = np.unique(group["item"].to_numpy(np.int64), return_counts=True)
                per_value[str(value)] = ValueCounts(float(len(group)), positions, counts.astype(np.float64))
            learnt[column] = per_value
        return cls(item_counts, float(len(interactions)), learnt)

    def log_lifts(self, context: Mapping[str, str] | None) -> np.ndarray | None:
        """The summed log-lifts of the context's known (column, value) pairs per catalog item; None when none is known."""
        if not context or not self.total:
            return None
        found = [
            self.columns[key][value]
            for key, given in context.items()
            if key in self.columns
            for value in given.split(SEPARATOR)
            if value in self.columns[key]
        ]
        if not found:
            return None
        total = np.zeros(self.item_counts.size, dtype=np.float64)
        for seen in found:
            expected = self.item_counts * (seen.total / self.total)
            observed = np.zeros_like(expected)
            observed[seen.positions] = seen.counts
            total += np.log(observed + PRIOR) - np.log(expected + PRIOR)
        return total


def context_columns(interactions: pd.DataFrame, reserved: Sequence[str]) -> list[str]:
    """The Interactions columns that hold context: the schema's categorical strings when the frame says
    which (CONTEXT_COLUMNS), else the text columns that are no reserved field."""
    named = interactions.attrs.get(CONTEXT_COLUMNS)
    if named is not None:
        return [column for column in named if column in interactions.columns]
    return [
        column
        for column in interactions.columns
        if column not in reserved and pd.api.types.is_object_dtype(interactions[column])
    ]
