"""Picking the best-scored entries of a score vector without sorting all of it."""
from __future__ import annotations

import numpy as np


def top_indices(scores: np.ndarray, allowed: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` best-scored allowed entries, best first; ties in index order."""
    candidates = np.flatnonzero(allowed)
    k = min(k, candidates.size)
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    # Only entries scoring at least the k-th best score can make the cut.
    kth = np.partition(scores[candidates], candidates.size - k)[candidates.size - k]
    candidates = candidates[scores[candidates] >= kth]
    return candidates[np.lexsort((candidates, -scores[candidates]))][:k]
