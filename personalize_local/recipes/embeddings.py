"""Low-rank item vectors from sparse matrices (truncated SVD), shared by the embedding-based recipes."""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

# Randomized SVD (Halko, Martinsson & Tropp 2011): a few extra sampled directions and power iterations make
# the leading singular vectors accurate (to ~1e-13 of scipy's ARPACK on MovieLens 100K, in a tenth of its
# time for the 100-150 dimensions the recipes default to). Bases are orthonormalized through the
# eigenvectors of their small Gram matrix rather than QR: the same result with far fewer LAPACK calls,
# which multi-threaded BLAS makes slow on a busy machine.
OVERSAMPLING = 10
POWER_ITERATIONS = 2
# Directions whose Gram eigenvalue is this small relative to the largest carry only rounding noise.
RELATIVE_EIGENVALUE_FLOOR = 1e-12


def truncated_svd(matrix: sp.spmatrix, rank: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(u, s, vt) of the ``rank`` largest singular values, largest first; the rank is capped by the matrix.

    The random directions are seeded, so the same data gives the same factors.
    """
    a = sp.csr_matrix(matrix, dtype=np.float64)
    width = min(rank + OVERSAMPLING, min(a.shape))
    if min(rank, width) < 1 or a.nnz == 0:
        return np.zeros((a.shape[0], 0)), np.zeros(0), np.zeros((0, a.shape[1]))
    basis = _orthonormal(a @ np.random.default_rng(seed).standard_normal((a.shape[1], width)))
    for _ in range(POWER_ITERATIONS):
        basis = _orthonormal(a @ (a.T @ basis))
    projected = (a.T @ basis).T  # basis' coordinates of a: width x columns
    eigenvalues, rotation = np.linalg.eigh(projected @ projected.T)
    order = np.argsort(-eigenvalues)[: min(rank, basis.shape[1])]
    s = np.sqrt(np.maximum(eigenvalues[order], 0.0))
    kept = s > 0
    order, s = order[kept], s[kept]
    return basis @ rotation[:, order], s, (rotation[:, order].T @ projected) / s[:, None]


def _orthonormal(vectors: np.ndarray) -> np.ndarray:
    """An orthonormal basis of the columns' span, from the eigenvectors of their Gram matrix."""
    eigenvalues, rotation = np.linalg.eigh(vectors.T @ vectors)
    kept = eigenvalues > eigenvalues.max() * RELATIVE_EIGENVALUE_FLOOR
    return (vectors @ rotation[:, kept]) / np.sqrt(eigenvalues[kept])


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1 (zero rows stay zero), so dot products are cosines."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
