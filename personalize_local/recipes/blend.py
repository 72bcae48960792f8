"""One request's catalog-wide probabilities from user-personalization's views, in few passes over the catalog.

The model (user_personalization.py) standardizes each view over the catalog, averages them with its weights and
takes the softmax. Standardizing is linear, so the blend is one weighted sum of the raw views plus a constant, and
the softmax ignores constants: each view needs only its mean and spread over the catalog, and then adds into the
total once. A view that scores only some items (the item-to-item model's head; what follows or goes with a user's
few latest items) keeps just those, and its statistics count the rest of the catalog as the zeros they are. The
sequence views' entries are summed together: on a catalog of ordinary size in one pass into a small views x
catalog table, on a large one view by view over their distinct items.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import scipy.sparse as sp

# Entries are summed into catalog-wide rows unless the catalog is this many times their count: a catalog-wide
# row costs passes over the catalog, distinct items a sort of the entries.
_DENSE_UNTIL = 16


@dataclass(frozen=True)
class Entries:
    """A view's scores before they are summed: ``values`` at catalog positions ``columns`` (repeats add up)."""

    columns: np.ndarray
    values: np.ndarray  # float64


NO_ENTRIES = Entries(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64))


@dataclass(frozen=True)
class View:
    """A view's scores: ``values`` at the distinct catalog ``positions`` (None: the whole catalog, in order), every
    other item scoring 0, with their mean and standard deviation over the catalog."""

    positions: np.ndarray | None
    values: np.ndarray
    mean: float
    spread: float

    @classmethod
    def of(cls, values: np.ndarray, n: int, positions: np.ndarray | None = None) -> "View":
        """The view of ``values`` in a catalog of ``n`` items."""
        mean = float(np.add.reduce(values, dtype=np.float64)) / n
        return cls(positions, values, mean, _spread(float(np.einsum("i,i->", values, values, dtype=np.float64)), mean, n))


def row_entries(matrix: sp.csr_matrix, rows: np.ndarray, weights: np.ndarray) -> Entries:
    """The entries of ``matrix``'s ``rows`` (a user's few latest items), each times its row's weight: the user's
    scores in an item-to-item view."""
    indptr = matrix.indptr
    starts = indptr[rows]
    lengths = indptr[rows + 1] - starts
    total = int(np.add.reduce(lengths))
    if not total:
        return NO_ENTRIES
    # Each entry's place in the matrix's arrays: its row's start, then its rank within the row.
    places = np.arange(total) + np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
    return Entries(matrix.indices[places], np.repeat(weights, lengths) * matrix.data[places])


def summed(entries: Entries, names: Sequence[str], n: int) -> dict[str, View]:
    """The views of ``entries`` whose columns run over len(names) catalogs of ``n`` items side by side, the k-th
    catalog's being view ``names[k]`` (those that have any entries)."""
    if not entries.columns.size:
        return {}
    if len(names) * n > _DENSE_UNTIL * entries.columns.size:
        positions, inverse = np.unique(entries.columns, return_inverse=True)
        values = np.bincount(inverse, entries.values, minlength=positions.size)
        bounds = np.searchsorted(positions, np.arange(len(names) + 1) * n)
        return {
            name: View.of(values[start:end], n, positions[start:end] - k * n)
            for k, (name, start, end) in enumerate(zip(names, bounds[:-1], bounds[1:]))
            if end > start
        }
    table = np.bincount(entries.columns, entries.values, minlength=len(names) * n).reshape(len(names), n)
    means = np.add.reduce(table, axis=1) / n
    squares = np.einsum("ij,ij->i", table, table)
    return {
        name: View(None, table[k], float(means[k]), _spread(float(squares[k]), float(means[k]), n))
        for k, name in enumerate(names)
        if squares[k] > 0.0
    }


def _spread(sum_of_squares: float, mean: float, n: int) -> float:
    """The standard deviation over ``n`` items of scores with this sum of squares and mean."""
    return float(np.sqrt(max(sum_of_squares / n - mean * mean, 0.0)))


def blended_probabilities(views: dict[str, View], weights: dict[str, float], shifts: list[np.ndarray], n: int) -> np.ndarray:
    """The softmax over a catalog of ``n`` items of the ``weights``-weighted mean of the standardized ``views``
    plus ``shifts``: a new float64 array. A view without spread (no information for this user) drops out, and with
    no view left every item is equally likely."""
    kept = [(weights.get(name, 0.0) / view.spread, view) for name, view in views.items() if view.spread > 0.0 and weights.get(name, 0.0) > 0.0]
    weight = sum(view.spread * coefficient for coefficient, view in kept)
    total: np.ndarray | None = None
    scaled: np.ndarray | None = None  # one scratch row for the catalog-wide views after the first
    for coefficient, view in sorted(kept, key=lambda kept: kept[1].positions is not None):  # catalog-wide first
        if total is None and view.positions is None:
            total = np.multiply(view.values, coefficient / weight, dtype=np.float64)
            continue
        if total is None:
            total = np.zeros(n)
        if view.positions is None:
            scaled = np.multiply(view.values, coefficient / weight, out=scaled, dtype=np.float64)
            total += scaled
        else:
            total[view.positions] += np.multiply(view.values, coefficient / weight, dtype=np.float64)
    if total is None:
        total = np.zeros(n)
    for shift in shifts:
        total += shift
    total -= total.max()
    np.exp(total, out=total)
    total /= np.add.reduce(total)
    return total
