"""Categorical metadata of the Items and Users datasets, as model features.

A row of metadata becomes 'column=value' tokens (``categorical_tokens`` in base.py);
each id is then described by its identity plus its tokens, as LightFM feature rows.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .base import categorical_tokens

__all__ = ["categorical_tokens", "feature_rows", "token_columns", "vocabulary"]


def vocabulary(tokens: dict[str, list[str]]) -> dict[str, int]:
    """Column of each distinct token, in sorted order (the same tokens always get the same columns)."""
    return {token: k for k, token in enumerate(sorted({t for found in tokens.values() for t in found}))}


def feature_rows(ids: list[str], tokens: dict[str, list[str]], metadata_share: float) -> sp.csr_matrix:
    """ids x (identities, then tokens): identity plus metadata tokens per id, each row summing to 1.

    The tokens of an id share ``metadata_share`` of its row equally; an id without tokens is its identity alone.
    """
    columns = vocabulary(tokens)
    n = len(ids)
    rows, cols, weights = list(range(n)), list(range(n)), [1.0] * n
    for i, key in enumerate(ids):
        found = tokens.get(key)
        if not found:
            continue
        weights[i] = 1.0 - metadata_share
        for token in found:
            rows.append(i)
            cols.append(n + columns[token])
            weights.append(metadata_share / len(found))
    return sp.csr_matrix((np.array(weights, np.float32), (rows, cols)), shape=(n, n + len(columns)))


def token_columns(tokens: list[str], columns: dict[str, int]) -> np.ndarray:
    """Columns of the known tokens among ``tokens``."""
    return np.array([columns[t] for t in tokens if t in columns], dtype=np.int64)
