"""The sequence signals of aws-user-personalization: which items follow which in users' time-ordered histories,
and which ones users take at the same moment.

In each user's history, oldest first, the item ``d`` steps after another (d up to ``window``) adds
1/d to the pair (earlier, later). A user's scores are the rows of their latest items, weighted by
recency: what others went on to after the items this user just consumed. Only forward steps count:
on MovieLens 100K, under issue 19's evaluation protocol, counting backward steps as well (half
weight), a window of 5 or 10 steps, or counts normalized by popularity ranked the held-out items no
better (BENCHMARKS.md).

Items a user took at the same moment (one timestamp: rated on one page, bought in one basket) go
together whatever their order within it, which the data does not say: :func:`together_counts`. On
MovieLens 100K, 42% of consecutive ratings share their second, and reading what others took at the same
moment as the user's latest items ranks their next items higher than the forward steps alone (BENCHMARKS.md).

Each kind of count is one sparse items x items matrix: about ``window`` entries per interaction at most
(twice that for the moments), so a million interactions take tens of megabytes.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def follow_counts(users: np.ndarray, items: np.ndarray, n_items: int, window: int) -> sp.csr_matrix:
    """The items x items counts of ``items`` (catalog positions) following one another within ``window``
    steps, from interactions grouped by user (``users``: their codes) and in time order within each user."""
    rows, columns, values = [], [], []
    for step in range(1, window + 1):
        same_user = users[step:] == users[:-step]
        rows.append(items[:-step][same_user])
        columns.append(items[step:][same_user])
        values.append(np.full(int(same_user.sum()), 1.0 / step, dtype=np.float32))
    counts = sp.csr_matrix(
        (np.concatenate(values), (np.concatenate(rows), np.concatenate(columns))), shape=(n_items, n_items), dtype=np.float32
    )
    counts.sum_duplicates()  # one entry per pair, columns sorted: rows read the same on every run
    return counts


def together_counts(
    users: np.ndarray, items: np.ndarray, timestamps: np.ndarray, n_items: int, window: int, discount: float
) -> sp.csr_matrix:
    """The items x items counts of pairs of one user's interactions sharing their timestamp, at most ``window``
    steps apart (both ways, 1 each; arguments as :func:`follow_counts`'s). Column j is divided by (its item's
    interaction count + 1) ** ``discount``: an item everyone takes alongside everything says little."""
    rows, columns = [], []
    for step in range(1, window + 1):
        together = (users[step:] == users[:-step]) & (timestamps[step:] == timestamps[:-step])
        rows += [items[:-step][together], items[step:][together]]
        columns += [items[step:][together], items[:-step][together]]
    pairs = np.concatenate(rows)
    counts = sp.csr_matrix(
        (np.ones(pairs.size, dtype=np.float32), (pairs, np.concatenate(columns))), shape=(n_items, n_items), dtype=np.float32
    )
    counts.sum_duplicates()  # one entry per pair, columns sorted: rows read the same on every run
    popularity = np.bincount(items, minlength=n_items).astype(np.float32) + 1.0
    counts.data *= (popularity ** -np.float32(discount))[counts.indices]
    return counts
