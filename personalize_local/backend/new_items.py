"""Items put (or imported) since a model was trained: the Items dataset's records the model doesn't know.

Exploration offers them and filters judge them on every request, so they are worked out once per
revision of the Items dataset and per model, not per request: a catalog of 100,000 items would
otherwise be walked each time.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

from ..data.table import DatasetTable
from ..filters.records import records_of


@dataclass(frozen=True)
class _Worked:
    items: DatasetTable | None
    revision: tuple[int, int] | None
    unknown: tuple[str, ...]  # the latest put first
    judged: frozenset[str]  # the model's items and the unknown ones


_worked: weakref.WeakKeyDictionary[Any, _Worked] = weakref.WeakKeyDictionary()


def _worked_out(model: Any, items: DatasetTable | None) -> _Worked:
    revision = items.revision if items is not None else None
    cached = _worked.get(model)
    if cached is None or cached.items is not items or cached.revision != revision:
        known = getattr(model, "item_index_", None) or set(model.item_ids)
        ids = records_of(items).ids if items is not None else ()
        unknown = tuple(item for item in reversed(ids) if item not in known)
        cached = _Worked(items, revision, unknown, frozenset((*model.item_ids, *unknown)))
        _worked[model] = cached
    return cached


def items_unknown_to(model: Any, items: DatasetTable) -> tuple[str, ...]:
    """The records of ``items`` that ``model`` has no data on, the latest put first."""
    return _worked_out(model, items).unknown


def judged_items(model: Any, items: DatasetTable | None) -> frozenset[str]:
    """The model's items and those of ``items`` (if given) it has no data on: the same object while neither changes."""
    return _worked_out(model, items).judged
