"""One request's catalog-wide probabilities from user-personalization's views, in compiled loops.

The model (user_personalization.py) standardizes each view over the catalog, averages them with its weights and
takes the softmax. Standardizing is linear, so the blend is one weighted sum of the raw views plus a constant, and
the softmax ignores constants: each view needs only its spread over the catalog (its mean shifts every item alike),
and then adds into the total once. The item-to-item view scores its head of items; what follows or goes with a user's few latest items
only the items their rows hold: their statistics count the rest of the catalog as the zeros they are.

The blend of a user's views (user_logits) reads only their history, so the model keeps it while the history
stays; each request then adds its shifts (context, ranking influence) and takes the softmax (blended_probabilities).

An answer is a few passes over the catalog; as numpy calls it was about a hundred of them, each costing more than
its arithmetic on a catalog of ordinary size. The loops (the functions named in _KERNELS) are compiled by numba
and run without the GIL, so requests served side by side run side by side. They are compiled on the first answer,
not on import: numba's import and its cache's read wait till a process answers (a training that never does, a
test that never asks, pays nothing).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Mapping

import numpy as np
import scipy.sparse as sp

from .item_linear import ItemLinear

# The views, in the order their weights are given to the kernel.
VIEWS = ("factors", "linear", "sequence", "together")
NO_SHIFTS = np.empty((0, 0))
_NO_POSITIONS = np.empty(0, dtype=np.int64)
# The k best are kept in order as they come while k is this small; a longer list is sorted from a partition.
_KEPT_IN_ORDER = 64
# numpy sums at most this many values in one block (its pairwise summation's PW_BLOCKSIZE).
_BLOCK = 128


@dataclass(frozen=True)
class Tables:
    """A model's arrays every request reads, in the types the compiled loops take (made once per model)."""

    linear: np.ndarray  # head x head float32: the item-to-item weights, rows read per request
    row_of: np.ndarray  # catalog position -> its row of ``linear``, -1 outside the head
    head: np.ndarray  # the head's catalog positions, int64; empty where the head is the whole catalog
    indptr: np.ndarray  # the sequence table (follows, then same-moment counts, over two catalogs side by side)
    indices: np.ndarray
    data: np.ndarray
    steps: np.ndarray  # the weights of the latest items whose follows count, newest first (none: no sequence view)
    moment: np.ndarray  # the weights of the latest items whose same-moment counts count (none: no such view)
    # Each thread's sums of the sequence table's entries per column, and which columns hold any: all zero between
    # requests (a request resets what it touched), so an answer costs its entries, not the catalog.
    _scratch: threading.local = field(default_factory=threading.local, compare=False, repr=False)

    def scratch(self) -> tuple[np.ndarray, np.ndarray]:
        sums = getattr(self._scratch, "sums", None)
        if sums is None:
            columns = self.indptr.size - 1
            sums = self._scratch.sums = (np.zeros(columns), np.zeros(columns, dtype=np.bool_))
        return sums

    @classmethod
    def of(cls, linear: ItemLinear, sequence: sp.csr_matrix, steps: np.ndarray, moment: np.ndarray) -> "Tables":
        return cls(
            np.ascontiguousarray(linear.weights, dtype=np.float32),
            linear.rows.astype(np.int64),
            _NO_POSITIONS if linear.head.size == linear.n_items else linear.head.astype(np.int64),
            sequence.indptr.astype(np.int64),
            sequence.indices.astype(np.int64),
            sequence.data.astype(np.float32),
            steps.astype(np.float64),
            moment.astype(np.float64),
        )


def user_logits(
    tables: Tables,
    weights: Mapping[str, float],
    factors: np.ndarray,
    factor_spread: float,
    recent: np.ndarray,
    recency: np.ndarray,
) -> np.ndarray:
    """The ``weights``-weighted mean of the standardized views (VIEWS names them) of a user whose ``recent`` items
    (catalog positions, newest first) weigh ``recency``, up to a constant: a new float64 array. The views:
    ``factors``' catalog-wide scores (float32) with their spread (standardizing's means only shift every item alike,
    which the softmax ignores); the item-to-item rows of the recent items in the head; what follows the latest of
    them, its weight the share of the latest that have any follows; what goes with the first few of them. A view
    without spread (no information for this user) drops out, and with no view left every item scores alike."""
    _compiled()
    sums, touched = tables.scratch()
    return _views(
        factors, factor_spread, recent, recency, np.array([weights.get(view, 0.0) for view in VIEWS]), tables.linear, tables.row_of, tables.head,
        tables.indptr, tables.indices, tables.data, tables.steps, tables.moment, sums, touched,
    )


def blended_probabilities(logits: np.ndarray, shifts: np.ndarray, seen: np.ndarray, repeat_rate: float) -> np.ndarray:
    """The softmax over the catalog of a user's ``logits`` (:func:`user_logits`) plus each row of ``shifts``: a new
    float64 array (``logits`` itself where it is writable: the request's own, not a row someone keeps). Then the
    items the user has had (``seen``, distinct positions) get ``repeat_rate`` of the mass between them, the others
    the rest, each keeping its share within its part."""
    _compiled()
    owned = logits.flags.writeable
    total = _shifted(logits if owned else logits.copy(), shifts)
    # numpy's exp is vectorized, the compiled loop's is not.
    np.exp(total, out=total)
    _shared(total, seen, repeat_rate)
    return total


def _views(
    factors: np.ndarray, factor_spread: float, recent: np.ndarray, recency: np.ndarray, weights: np.ndarray,
    linear: np.ndarray, row_of: np.ndarray, head: np.ndarray, indptr: np.ndarray, indices: np.ndarray, data: np.ndarray,
    steps: np.ndarray, moment: np.ndarray, sums: np.ndarray, touched: np.ndarray,
) -> np.ndarray:
    """The weighted sum of the views, each over its spread (user_logits')."""
    n = factors.size
    # The item-to-item view: the recent items' rows, weighted, summed row after row in float32.
    scores = np.zeros(linear.shape[1], dtype=np.float32)
    for k in range(recent.size):
        if row_of[recent[k]] >= 0:
            row, weight = linear[row_of[recent[k]]], np.float32(recency[k])
            for j in range(scores.size):
                scores[j] += weight * row[j]
    linear_spread = _spread_of(scores, n)
    # The sequence view weighs by the share of the latest items it knows anything to follow: a few followed items
    # alone would otherwise stand out of a flat view as if the whole history said so.
    latest = min(recent.size, steps.size)
    steps_total = followed = 0.0
    for k in range(latest):
        steps_total += steps[k]
        if indptr[recent[k] + 1] > indptr[recent[k]]:
            followed += steps[k]
    weights[2] *= followed / steps_total if latest else 0.0
    together = min(latest, moment.size) if weights[3] > 0.0 else 0
    if weights[2] <= 0.0:
        latest = 0
    # Their rows of the sequence table (the same-moment view's are the second catalog's), summed per column.
    rows = np.empty(latest + together, dtype=np.int64)
    row_weights = np.empty(latest + together)
    rows[:latest], row_weights[:latest] = recent[:latest], steps[:latest]
    rows[latest:], row_weights[latest:] = recent[:together] + n, moment[:together]
    columns = _summed_rows(indptr, indices, data, rows, row_weights, sums, touched)
    sequence_total = sequence_squares = together_total = together_squares = 0.0
    for column in columns:
        value = sums[column]
        if column < n:
            sequence_total += value
            sequence_squares += value * value
        else:
            together_total += value
            together_squares += value * value
    # Each kept view's coefficient: its weight over its spread, over the kept views' total weight.
    spreads = np.array([
        factor_spread, linear_spread,
        _spread(sequence_total / n, sequence_squares, n), _spread(together_total / n, together_squares, n),
    ])
    coefficients = np.zeros(4)
    total_weight = 0.0
    for v in range(4):
        if spreads[v] > 0.0 and weights[v] > 0.0:
            coefficients[v] = weights[v] / spreads[v]
            total_weight += spreads[v] * coefficients[v]
    if total_weight > 0.0:
        coefficients /= total_weight
    total = np.zeros(n)
    if coefficients[0] != 0.0:
        for j in range(n):
            total[j] = np.float64(factors[j]) * coefficients[0]
    for column in columns:
        view = 2 if column < n else 3
        if coefficients[view] != 0.0:
            total[column - (view - 2) * n] += sums[column] * coefficients[view]
        sums[column] = 0.0
        touched[column] = False
    if coefficients[1] != 0.0:
        if head.size:
            for j in range(head.size):
                total[head[j]] += np.float64(scores[j]) * coefficients[1]
        else:
            for j in range(n):
                total[j] += np.float64(scores[j]) * coefficients[1]
    return total


def _shifted(total: np.ndarray, shifts: np.ndarray) -> np.ndarray:
    """``total`` plus each row of ``shifts``, less their largest (in place): the softmax's input."""
    for s in range(shifts.shape[0]):
        for j in range(total.size):
            total[j] += shifts[s, j]
    total -= total.max()
    return total


def _shared(exponentials: np.ndarray, seen: np.ndarray, repeat_rate: float) -> None:
    """The softmax from its ``exponentials`` (in place), the ``seen`` items then given ``repeat_rate`` of the mass."""
    mass = _sum(exponentials)
    for j in range(exponentials.size):
        exponentials[j] /= mass
    if not seen.size:
        return
    seen_values = np.empty(seen.size)
    for k in range(seen.size):
        seen_values[k] = exponentials[seen[k]]
    seen_mass = _sum(seen_values)
    if not 0.0 < seen_mass < 1.0:
        return
    others = (1 - repeat_rate) / (1 - seen_mass)
    for j in range(exponentials.size):
        exponentials[j] *= others
    for k in range(seen.size):
        exponentials[seen[k]] = seen_values[k] * (repeat_rate / seen_mass)


def _sum(values: np.ndarray) -> float:
    """``np.add.reduce(values)`` to the bit: numpy's pairwise summation, so that the answers are those numpy's
    arithmetic gave. numpy halves the array (at multiples of 8) down to blocks of at most 128 and adds the halves'
    sums; here the halving runs on a stack of its own (numba's cache can't hold a function that calls itself)."""
    if values.size <= _BLOCK:
        return _block_sum(values, 0, values.size)
    # A frame per half being summed: where it starts, its size, how far along it is (0: not begun, 1: its first
    # half being summed, 2: its second), and its first half's sum.
    starts, sizes = np.empty(64, dtype=np.int64), np.empty(64, dtype=np.int64)
    stages, firsts = np.empty(64, dtype=np.int64), np.empty(64)
    starts[0], sizes[0], stages[0] = 0, values.size, 0
    top, last = 1, 0.0  # the frames on the stack; the sum of the last one finished
    while top:
        frame = top - 1
        size = sizes[frame]
        half = size // 2 - (size // 2) % 8
        if size <= _BLOCK:
            last = _block_sum(values, starts[frame], size)
            top -= 1
        elif stages[frame] == 0:
            stages[frame] = 1
            starts[top], sizes[top], stages[top] = starts[frame], half, 0
            top += 1
        elif stages[frame] == 1:
            firsts[frame], stages[frame] = last, 2
            starts[top], sizes[top], stages[top] = starts[frame] + half, size - half, 0
            top += 1
        else:
            last = firsts[frame] + last
            top -= 1
    return last


def _block_sum(values: np.ndarray, start: int, count: int) -> float:
    """numpy's sum of at most _BLOCK values: one after the other below 8, else in eight running sums."""
    if count < 8:
        total = 0.0
        for i in range(start, start + count):
            total += values[i]
        return total
    r0, r1, r2, r3 = values[start], values[start + 1], values[start + 2], values[start + 3]
    r4, r5, r6, r7 = values[start + 4], values[start + 5], values[start + 6], values[start + 7]
    i, whole = start + 8, start + count - count % 8
    while i < whole:
        r0 += values[i]
        r1 += values[i + 1]
        r2 += values[i + 2]
        r3 += values[i + 3]
        r4 += values[i + 4]
        r5 += values[i + 5]
        r6 += values[i + 6]
        r7 += values[i + 7]
        i += 8
    total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    for i in range(whole, start + count):
        total += values[i]
    return total


def _spread_of(values: np.ndarray, n: int) -> float:
    """The standard deviation over ``n`` items of ``values``, the other items scoring 0."""
    total = 0.0
    squares = 0.0
    for j in range(values.size):
        value = np.float64(values[j])
        total += value
        squares += value * value
    return _spread(total / n, squares, n)


def _spread(mean: float, squares: float, n: int) -> float:
    """The standard deviation over ``n`` items of scores with this mean and sum of squares."""
    return np.sqrt(max(squares / n - mean * mean, 0.0))


def _summed_rows(
    indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, rows: np.ndarray, weights: np.ndarray, sums: np.ndarray, touched: np.ndarray,
) -> np.ndarray:
    """The entries of the CSR matrix's ``rows``, each times its row's weight, added into ``sums`` per column (in the
    rows' order); returned: the columns touched, ``touched`` marking them (the caller resets both)."""
    size = 0
    for k in range(rows.size):
        size += indptr[rows[k] + 1] - indptr[rows[k]]
    columns = np.empty(size, dtype=np.int64)
    distinct = 0
    for k in range(rows.size):
        for p in range(indptr[rows[k]], indptr[rows[k] + 1]):
            column = indices[p]
            if not touched[column]:
                touched[column] = True
                columns[distinct] = column
                distinct += 1
            sums[column] += weights[k] * np.float64(data[p])
    return columns[:distinct]


def best_positions(scores: np.ndarray, k: int, skipped: np.ndarray = _NO_POSITIONS) -> np.ndarray:
    """Positions of the ``k`` best of ``scores`` above -inf, best first, ties in catalog order (fewer when fewer
    are above -inf), the ``skipped`` positions left out as if they scored -inf."""
    if k <= _KEPT_IN_ORDER:
        _compiled()
        return _best_in_order(scores, k, skipped)
    if skipped.size:
        scores = scores.copy()
        scores[skipped] = -np.inf
    k = min(k, int(np.count_nonzero(scores > -np.inf)))
    if k <= 0:
        return _NO_POSITIONS
    # Only items scoring at least the k-th best score can make the list.
    kth = np.partition(scores, scores.size - k)[scores.size - k]
    candidates = np.flatnonzero(scores >= kth)
    order = np.lexsort((candidates, -scores[candidates]))
    return candidates[order[:k]]


def _best_in_order(scores: np.ndarray, k: int, skipped: np.ndarray) -> np.ndarray:
    """best_positions' answer for a short list: the best so far kept in order as the items come, most of them
    beaten by the last kept at a glance."""
    kept = np.empty(max(k, 0), dtype=np.int64)  # best first
    if k <= 0:
        return kept
    skip = np.zeros(scores.size if skipped.size else 0, dtype=np.bool_)
    for position in skipped:
        skip[position] = True
    size = 0
    worst = -np.inf  # the last kept's score, once k are kept: a later item must beat it
    for j in range(scores.size):
        score = scores[j]
        if score <= worst and (size == k or score == -np.inf):
            continue
        if skip.size and skip[j]:
            continue
        at = size - 1 if size < k else k - 2
        size = min(size + 1, k)
        while at >= 0 and scores[kept[at]] < score:
            kept[at + 1] = kept[at]
            at -= 1
        kept[at + 1] = j
        if size == k:
            worst = scores[kept[k - 1]]
    return kept[:size]


# The compiled loops: each replaced in this module by numba's compiled function on the first answer (the loops call
# each other through the module, so all at once).
_KERNELS = ("_views", "_shifted", "_spread_of", "_spread", "_summed_rows", "_shared", "_sum", "_block_sum", "_best_in_order")
_compiled_yet = threading.Event()
_compiling = threading.Lock()


def _compiled() -> None:
    if _compiled_yet.is_set():
        return
    with _compiling:
        if not _compiled_yet.is_set():
            from numba import njit

            module = globals()
            for name in _KERNELS:
                module[name] = njit(cache=True, nogil=True)(module[name])
            _compiled_yet.set()
