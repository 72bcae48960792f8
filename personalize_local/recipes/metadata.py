"""Categorical metadata of the Items and Users datasets, as model features.

A row of metadata becomes 'column=value' tokens; a multi-valued categorical
field separates its values with '|' (items-datasets.md). Each id is then
described by its identity plus its tokens, as LightFM feature rows.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .base import CREATION_TIMESTAMP

# Categorical columns with more distinct values than this are treated as text.
MAX_CATEGORY_VALUES = 1000


def categorical_tokens(frame: pd.DataFrame | None, id_column: str) -> dict[str, list[str]]:
    """'column=value' tokens per id from low-cardinality string columns.

    Numeric, timestamp and free-text-like columns are skipped.
    """
    if frame is None or id_column not in frame or frame.empty:
        return {}
    tokens: dict[str, list[str]] = {}
    ids = frame[id_column].astype(str).to_numpy()
    for column in frame.columns:
        if column in (id_column, CREATION_TIMESTAMP) or not _is_text(frame[column]):
            continue
        values = frame[column].fillna("").astype(str).str.split("|")
        distinct = {v for parts in values for v in parts if v}
        if not distinct or len(distinct) > MAX_CATEGORY_VALUES:
            continue
        for key, parts in zip(ids, values):
            tokens.setdefault(key, []).extend(f"{column}={v}" for v in parts if v)
    return {key: sorted(set(found)) for key, found in tokens.items() if found}


def _is_text(column: pd.Series) -> bool:
    return pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column)


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
