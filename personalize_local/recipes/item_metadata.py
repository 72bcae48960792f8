"""The Items dataset as the item-based recipes read it: metadata features and attribute lookups.

How each column is read comes from the Items schema (``FIELD_KINDS`` in the
frame's ``attrs``, set by the backend): categorical strings ('|' separates the
values of a multi-valued field, items-datasets.md), textual strings (free text)
and numbers. Reserved columns (ITEM_ID, CREATION_TIMESTAMP) are no metadata,
and neither are string fields the schema marks neither categorical nor textual,
as the service does not train on them. A frame without the schema's kinds
(called directly, outside the API) reads string columns as categorical.

Features: every field gives a block of weighted tokens, each block normalized
per item so that every field weighs the same, then the item's row is
normalized: categorical values and text words are TF-IDF weighted (rare
values say more), numbers fall in quantile bins.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from typing import TYPE_CHECKING, Callable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .base import CREATION_TIMESTAMP, ITEM_ID

if TYPE_CHECKING:
    from ..data.schemas import Field

FIELD_KINDS = "field_kinds"
CATEGORICAL = "categorical"
TEXTUAL = "textual"
NUMERIC = "numeric"
RESERVED = (ITEM_ID, CREATION_TIMESTAMP)
NUMERIC_BINS = 5
WORD = re.compile(r"\w+")


def schema_field_kinds(fields: Iterable[Field]) -> dict[str, str]:
    """How each field of an Items schema is read; fields that are no metadata are left out."""
    kinds: dict[str, str] = {}
    for field in fields:
        kind = (
            TEXTUAL if field.textual else CATEGORICAL if field.categorical
            else NUMERIC if field.is_numeric else None
        )
        if kind and field.name not in RESERVED:
            kinds[field.name] = kind
    return kinds


def field_kinds(items: pd.DataFrame | None) -> dict[str, str]:
    """The metadata columns of ``items`` and how each is read."""
    if items is None or items.empty:
        return {}
    given = items.attrs.get(FIELD_KINDS)
    if given is not None:
        return {name: kind for name, kind in given.items() if name in items.columns}
    return {
        name: NUMERIC if pd.api.types.is_numeric_dtype(items[name]) else CATEGORICAL
        for name in items.columns
        if name not in RESERVED
    }


def metadata_features(items: pd.DataFrame | None, item_ids: Sequence[str]) -> sp.csr_matrix:
    """Items x tokens, one row per catalog item (rows of items without metadata are empty), rows of unit length."""
    kinds = field_kinds(items)
    if items is None or not kinds:
        return sp.csr_matrix((len(item_ids), 0), dtype=np.float64)
    rows = _aligned(items, item_ids)
    blocks = [_normalized_rows(FEATURIZERS[kind](rows[name])) for name, kind in kinds.items()]
    return _normalized_rows(sp.hstack(blocks, format="csr"))


def categorical_values(items: pd.DataFrame | None, item_ids: Sequence[str]) -> dict[tuple[str, str], np.ndarray]:
    """(FIELD in upper case, value) -> catalog positions of the items having it, for non-textual fields.

    Numbers are keyed by their canonical form (see ``canonical_value``), so "9.5" and "9.50" meet.
    """
    kinds = {name: kind for name, kind in field_kinds(items).items() if kind in VALUE_READERS}
    if items is None or not kinds:
        return {}
    rows = _aligned(items, item_ids)
    index: dict[tuple[str, str], list[int]] = {}
    for name, kind in kinds.items():
        for position, values in enumerate(VALUE_READERS[kind](rows[name])):
            for value in values:
                index.setdefault((name.upper(), value), []).append(position)
    return {key: np.array(positions, dtype=np.int64) for key, positions in index.items()}


def canonical_value(value: str) -> str:
    """The form attribute values are keyed by: a number's shortest float form, else the text as is."""
    try:
        number = float(value)
    except ValueError:
        return value
    return repr(number) if math.isfinite(number) else value


def _aligned(items: pd.DataFrame, item_ids: Sequence[str]) -> pd.DataFrame:
    """Items rows in catalog order (items the Items dataset lacks get empty rows); the last record of an id wins."""
    keyed = items.assign(**{ITEM_ID: items[ITEM_ID].astype(str)}).drop_duplicates(ITEM_ID, keep="last")
    return keyed.set_index(ITEM_ID).reindex(list(item_ids))


def _categorical_values(column: pd.Series) -> list[list[str]]:
    return [[v for v in str(raw).split("|") if v] if isinstance(raw, str) else [] for raw in column]


def _numeric_values(column: pd.Series) -> list[list[str]]:
    numbers = pd.to_numeric(column, errors="coerce")
    return [[] if pd.isna(x) else [canonical_value(str(x))] for x in numbers]


def _words(column: pd.Series) -> list[list[str]]:
    return [WORD.findall(raw.lower()) if isinstance(raw, str) else [] for raw in column]


def _tf_idf(documents: list[list[str]]) -> sp.csr_matrix:
    """Documents x terms: (1 + log tf) * idf, idf = log(n / df) + 1."""
    vocabulary: dict[str, int] = {}
    rows, cols, counts = [], [], []
    for row, tokens in enumerate(documents):
        for term, count in Counter(tokens).items():
            rows.append(row)
            cols.append(vocabulary.setdefault(term, len(vocabulary)))
            counts.append(count)
    matrix = sp.csr_matrix(
        (1.0 + np.log(np.array(counts, dtype=np.float64)), (rows, cols)), shape=(len(documents), len(vocabulary))
    )
    df = np.bincount(matrix.indices, minlength=len(vocabulary))
    idf = np.log(max(len(documents), 1) / np.maximum(df, 1)) + 1.0
    return (matrix @ sp.diags(idf)).tocsr()


def _numeric_bins(column: pd.Series) -> sp.csr_matrix:
    """One-hot quantile bin of each number; near values share a bin, so they count as alike."""
    numbers = pd.to_numeric(column, errors="coerce").to_numpy(np.float64)
    present = np.flatnonzero(~np.isnan(numbers))
    if present.size == 0:
        return sp.csr_matrix((numbers.size, 0))
    edges = np.unique(np.quantile(numbers[present], np.linspace(0, 1, NUMERIC_BINS + 1)[1:-1]))
    bins = np.searchsorted(edges, numbers[present], side="right")
    return sp.csr_matrix((np.ones(present.size), (present, bins)), shape=(numbers.size, edges.size + 1))


def _normalized_rows(matrix: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    scale = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    return (sp.diags(scale) @ matrix).tocsr()


FEATURIZERS: Mapping[str, Callable[[pd.Series], sp.csr_matrix]] = {
    CATEGORICAL: lambda column: _tf_idf(_categorical_values(column)),
    TEXTUAL: lambda column: _tf_idf(_words(column)),
    NUMERIC: _numeric_bins,
}
# How a non-textual field's values are read for attribute queries.
VALUE_READERS: Mapping[str, Callable[[pd.Series], list[list[str]]]] = {CATEGORICAL: _categorical_values, NUMERIC: _numeric_values}
