"""Related items from users' time-ordered histories: sequence-aware co-occurrence, smoothed, kept as a sparse top-k.

The related-items recipes (aws-sims, aws-similar-items) score an item's related items by four views of how
two items go together, each read as the query item's row and scaled so that the row's best is 1:

* steps: in each user's history, oldest first, the item ``d`` steps after another (d up to ``window``) adds
  1/d to the pair (earlier, later) and ``backward``/d to (later, earlier): what users went on to after the
  item, and, less, what led them to it;
* two steps: where a walk on the steps' transition probabilities (each item's row over its sum, its
  ``WALK_WIDTH`` most likely kept) is after two moves from the query: the items that follow its followers,
  which a pair seen a few times misses;
* cosine: the number of users of both items over ``(n_q * n_j) ** discount``, n being an item's number of
  users; at the default discount of 0.5 the cosine of the two items' user sets;
* smoothed steps: a rank-``rank`` factorization of the positive pointwise mutual information of the steps
  within ``smoothing_window`` (the matrix item2vec factorizes implicitly, Levy & Goldberg 2014). Its
  reconstruction scores a pair by the items around both, where the counts of a pair seen a few times are
  mostly noise.

The score is ``steps + two_step_weight * two steps + cosine_weight * cosine + smoothed_weight * smoothed``.
Steps within 5 plus half the cosine is issue 19's "plain model". On MovieLens 100K under its protocol, over
47 splits other than the three the issue reports, the blend below (a window of 8, the walk, the smoothed view
at full weight, a fifth of the cosine) raised P@5 by about 5%, NDCG@10 by 5% and MRR@25 by 6% over the
earlier blend (window 5, half the cosine, half the smoothed view, no walk); popularity discounts, weighting
pairs by their user's history length, a ridge regression of the next items on the last few, rank fusion of
the views and the other variants BENCHMARKS.md lists ("Related items") did not.

``discount`` balances popularity and correlation: the cosine takes it as its power, and the blend is
multiplied by ``n_j ** (0.5 - discount)`` (1 at the default), since the smoothing, a mutual information,
and the walk discount popularity whatever the power: at 0 the most popular candidates come first, at 1 the
ones that share users with the query whatever their popularity. Pairs with fewer than ``min_cointeractions``
common users (and pairs without one) get no score. Only the ``kept`` items take part, as queries and as
candidates.

Each item keeps its ``MAX_NEIGHBOURS`` best as one sparse row, computed in blocks of query items so that
memory stays at a few dense blocks as wide as the candidates any of the block's items has.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .embeddings import truncated_svd

# API_RS_GetRecommendations.md: numResults is at most 500, so no item needs more neighbours.
MAX_NEIGHBOURS = 500
# Query items scored at once: bounds memory to a few BLOCK x items dense arrays.
BLOCK = 256
# The walk keeps each item's most likely next items: the two moves then cost at most WALK_WIDTH ** 2 per
# query item (on ml-100k, as good as the whole walk; 25 loses a little).
WALK_WIDTH = 100


@dataclass(frozen=True)
class Settings:
    """How the views are counted and blended (module docstring)."""

    window: int = 8
    backward: float = 0.5
    two_step_weight: float = 0.3
    cosine_weight: float = 0.2
    smoothed_weight: float = 1.0
    smoothing_window: int = 5
    rank: int = 64
    discount: float = 0.5
    min_cointeractions: int = 1
    seed: int = 0  # of the factorization's random directions: the same data and seed give the same neighbours


def step_counts(users: np.ndarray, items: np.ndarray, n_items: int, window: int, backward: float) -> sp.csr_matrix:
    """Items x items: 1/d for each item ``d`` steps after another, ``backward``/d the other way, within ``window``
    steps. ``users`` and ``items`` are codes, grouped by user and in time order within each user."""
    rows, columns, values = [], [], []
    for step in range(1, window + 1):
        same_user = users[step:] == users[:-step]
        earlier, later = items[:-step][same_user], items[step:][same_user]
        other = earlier != later  # an item repeated is no pair
        earlier, later = earlier[other], later[other]
        rows += [earlier, later]
        columns += [later, earlier]
        values += [np.full(earlier.size, 1.0 / step, np.float32), np.full(earlier.size, backward / step, np.float32)]
    if not rows:
        return sp.csr_matrix((n_items, n_items), dtype=np.float32)
    counts = sp.csr_matrix(
        (np.concatenate(values), (np.concatenate(rows), np.concatenate(columns))), shape=(n_items, n_items), dtype=np.float32
    )
    counts.sum_duplicates()
    return counts


def positive_pmi(counts: sp.csr_matrix) -> sp.csr_matrix:
    """The positive pointwise mutual information of a nonnegative matrix's entries (zeros stay zeros)."""
    coo = counts.tocoo()
    total = float(coo.data.sum())
    if total <= 0:
        return sp.csr_matrix(counts.shape, dtype=np.float64)
    row_sums = np.asarray(counts.sum(axis=1)).ravel()
    column_sums = np.asarray(counts.sum(axis=0)).ravel()
    pmi = np.log(coo.data * total / (row_sums[coo.row] * column_sums[coo.col]))
    positive = pmi > 0
    return sp.csr_matrix((pmi[positive], (coo.row[positive], coo.col[positive])), shape=counts.shape)


def transitions(counts: sp.csr_matrix, width: int) -> sp.csr_matrix:
    """Each row over its sum, the probabilities of a walk's next item, keeping the ``width`` largest of each
    row (and any tied with the last of them); rows without entries stay empty."""
    counts = sp.csr_matrix(counts)
    sums = np.asarray(counts.sum(axis=1)).ravel()
    rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
    values = counts.data / sums[rows]
    order = np.lexsort((-values, rows))  # by row, largest first
    place = np.arange(order.size) - counts.indptr[rows[order]]  # rank within the row
    cut = np.full(counts.shape[0], -np.inf)
    last = place == width - 1
    cut[rows[order][last]] = values[order][last]
    kept = values >= cut[rows]
    return sp.csr_matrix((values[kept], (rows[kept], counts.indices[kept])), shape=counts.shape, dtype=np.float32)


def _scaled_rows(view: np.ndarray) -> np.ndarray:
    """Each row over its largest entry (rows without a positive entry stay as they are: zeros)."""
    best = view.max(axis=1, keepdims=True)
    return np.divide(view, best, out=np.zeros_like(view), where=best > 0)


def related_items(users: np.ndarray, items: np.ndarray, n_items: int, kept: np.ndarray, settings: Settings) -> sp.csr_matrix:
    """Items x items, each row its item's related items (at most MAX_NEIGHBOURS, scores > 0).

    ``users`` and ``items``: codes of the interactions the model learns from, grouped by user and in time
    order within each user, only ``kept`` items among them; ``kept``: which catalog items take part."""
    presence = sp.csr_matrix((np.ones(users.size, np.float32), (users, items)), shape=(int(users.max(initial=-1)) + 1, n_items))
    presence.sum_duplicates()
    presence.data[:] = 1.0  # who interacted with what, once
    by_item = presence.T.tocsr()
    popularity = np.asarray(presence.sum(axis=0)).ravel()
    steps = step_counts(users, items, n_items, settings.window, settings.backward)
    smoothing = steps if settings.smoothing_window == settings.window else step_counts(
        users, items, n_items, settings.smoothing_window, settings.backward
    )
    u, s, vt = truncated_svd(positive_pmi(smoothing), settings.rank, settings.seed)
    del smoothing
    walk = transitions(steps, WALK_WIDTH)
    left, right = (u * s).astype(np.float32), vt.astype(np.float32)
    popular = np.maximum(popularity, 1.0)
    candidate_shift = (popular ** (0.5 - settings.discount)).astype(np.float32)  # 1 at the default discount
    candidate_discount = (popular ** -settings.discount).astype(np.float32)
    k = min(MAX_NEIGHBOURS, n_items)
    queries = np.flatnonzero(kept & (popularity > 0))
    rows, columns, values = [np.empty(0, np.int64)], [np.empty(0, np.int64)], [np.empty(0, np.float32)]
    for start in range(0, queries.size, BLOCK):
        block = queries[start : start + BLOCK]
        together = by_item[block] @ presence  # block x items: users of both
        valid = (together >= max(settings.min_cointeractions, 1)).toarray() & kept[None, :]
        valid[np.arange(block.size), block] = False
        # Only the candidates valid for some query of the block can score: the dense work is that wide.
        candidates = np.flatnonzero(valid.any(axis=0))
        if candidates.size == 0:
            continue
        valid = valid[:, candidates]
        stepped = steps[block][:, candidates].toarray() * valid
        walked = (walk[block] @ walk)[:, candidates].toarray() * valid
        cosine = (
            together[:, candidates].toarray()
            * candidate_discount[candidates][None, :]
            * candidate_discount[block][:, None]
            * valid
        )
        smoothed = np.maximum(left[block] @ right[:, candidates], 0.0) * valid
        blend = (
            _scaled_rows(stepped)
            + settings.two_step_weight * _scaled_rows(walked)
            + settings.cosine_weight * _scaled_rows(cosine)
            + settings.smoothed_weight * _scaled_rows(smoothed)
        )
        score = (blend * candidate_shift[candidates][None, :]).astype(np.float32)
        width = min(k, candidates.size)
        top = np.argpartition(-score, width - 1, axis=1)[:, :width]
        best = np.take_along_axis(score, top, axis=1)
        keep = best > 0
        rows.append(np.broadcast_to(block[:, None], top.shape)[keep])
        columns.append(candidates[top[keep]])
        values.append(best[keep])
    return sp.csr_matrix((np.concatenate(values), (np.concatenate(rows), np.concatenate(columns))), shape=(n_items, n_items))
