"""The dataset data filters read, indexed once per revision of each dataset.

- An Items or Users dataset as :class:`RecordIndex`: which records hold which values.
  Categorical fields hold several values separated by ``|`` (items-datasets.md);
  other string fields one exact string. A condition holds only for records in
  the dataset: an item without an Items record matches no Items condition, and a
  record whose field is empty matches NOT IN but never IN or a comparison.
- Interactions by event type, matched in any case (filter-expressions.md: "Amazon
  Personalize ignores case only when matching event types"): the requesting
  user's items, the most recent ``limit`` of each event type (limits.md: 100 by
  default, adjustable), or, for UserID filters, the users who have each type.
  Recorded events (PutEvents) count at once, as they arrive.
"""
from __future__ import annotations

import heapq
import operator
import weakref
from collections import defaultdict
from typing import Any, Callable, Iterable, Sequence

import numpy as np
import pandas as pd

from ..data.schemas import Field
from ..data.table import DatasetTable

CATEGORY_SEPARATOR = "|"
COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "=": operator.eq,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _tokens(value: Any, field: Field) -> tuple[str, ...]:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)) or value == "":
        return ()
    text = str(value)
    return tuple(text.split(CATEGORY_SEPARATOR)) if field.categorical else (text,)


class RecordIndex:
    """One Items or Users dataset's records: the IDs whose field holds given values, or compares so."""

    def __init__(self, frame: pd.DataFrame, key: str) -> None:
        self._frame = frame
        self.ids = frame[key].astype(str).to_numpy(dtype=object)
        self.all: frozenset[str] = frozenset(self.ids)
        self._rows = {record_id: row for row, record_id in enumerate(self.ids)}
        self._tokens: dict[str, dict[str, set[str]]] = {}
        self._numbers: dict[str, np.ndarray] = {}

    def _by_token(self, field: Field) -> dict[str, set[str]]:
        if field.name not in self._tokens:
            index: dict[str, set[str]] = defaultdict(set)
            for record_id, value in zip(self.ids, self._frame[field.name]):
                for token in _tokens(value, field):
                    index[token].add(record_id)
            self._tokens[field.name] = index
        return self._tokens[field.name]

    def _numbers_of(self, field: Field) -> np.ndarray:
        if field.name not in self._numbers:
            self._numbers[field.name] = pd.to_numeric(self._frame[field.name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        return self._numbers[field.name]

    def holding(self, field: Field, values: Iterable[str | float]) -> set[str]:
        """IDs whose ``field`` holds any of ``values``."""
        if field.is_numeric:
            wanted = np.array([float(v) for v in values], dtype=float)
            return set(self.ids[np.isin(self._numbers_of(field), wanted)])
        index = self._by_token(field)
        return set().union(*(index.get(str(v), ()) for v in values))

    def comparing(self, field: Field, operator_: str, number: float) -> set[str]:
        """IDs whose numerical ``field`` compares to ``number`` by ``operator_`` (empty values never do)."""
        with np.errstate(invalid="ignore"):
            return set(self.ids[COMPARE[operator_](self._numbers_of(field), number)])

    def raw_value(self, record_id: str, column: str) -> str:
        """The record's ``column`` as imported ("" when empty or the record is unknown)."""
        row = self._rows.get(record_id)
        if row is None:
            return ""
        value = self._frame[column].iat[row]
        if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
            return ""
        return str(value)

    def values_of(self, record_id: str, field: Field) -> tuple[str | float, ...]:
        """What the record's ``field`` holds: its values (numbers for numerical fields); () when empty or unknown."""
        row = self._rows.get(record_id)
        if row is None:
            return ()
        if field.is_numeric:
            number = self._numbers_of(field)[row]
            return () if np.isnan(number) else (float(number),)
        return _tokens(self._frame[field.name].iat[row], field)


class InteractionsIndex:
    """Who has interactions of which event type (lower case): for UserID filters."""

    def __init__(self, frame: pd.DataFrame) -> None:
        types = frame["EVENT_TYPE"].fillna("").astype(str).str.lower()
        self.users_by_type: dict[str, set[str]] = {
            event_type: set(users.astype(str)) for event_type, users in frame["USER_ID"].groupby(types, sort=False)
        }


def _event_type(value: Any) -> str:
    return str(value or "").lower()


class RecentIndex:
    """An interactions dataset's bulk rows by user, newest first (of two at the same time, the later in
    the file first): their times, event types (lower case) and items (or, by ``key``, actions)."""

    def __init__(self, frame: pd.DataFrame, key: str) -> None:
        self._spans: dict[Any, tuple[int, int]] = {}
        self._times: list[int] = []
        self._types: list[str] = []
        self._items: list[Any] = []
        # (user, limit) -> the user's newest items by event type: built on first use, the bulk rows never change.
        self._by_type: dict[tuple[Any, int], dict[str, list[str]]] = {}
        if frame.empty or "USER_ID" not in frame or key not in frame:
            return
        users, uniques = pd.factorize(frame["USER_ID"])
        times = frame["TIMESTAMP"].to_numpy(dtype=np.int64)
        order = np.lexsort((-np.arange(len(frame)), -times, users))
        users = users[order]
        lowered: dict[Any, str] = {}
        self._times = times[order].tolist()
        self._types = [lowered[v] if v in lowered else lowered.setdefault(v, _event_type(v)) for v in frame["EVENT_TYPE"].to_numpy(dtype=object)[order]]
        self._items = frame[key].to_numpy(dtype=object)[order].tolist()
        starts = np.flatnonzero(np.r_[True, users[1:] != users[:-1]])
        ends = np.r_[starts[1:], users.size]
        self._spans = {uniques[users[start]]: (int(start), int(end)) for start, end in zip(starts, ends) if users[start] >= 0}

    def rows_of(self, user_id: str) -> tuple[list[int], list[str], list[Any]]:
        """The user's bulk rows, newest first: times, event types, items."""
        start, end = self._spans.get(user_id, (0, 0))
        return self._times[start:end], self._types[start:end], self._items[start:end]

    def newest_by_type(self, user_id: str, limit: int) -> dict[str, list[str]]:
        """The user's bulk items by event type, newest first, the most recent ``limit`` of each (read only)."""
        found = self._by_type.get((user_id, limit))
        if found is None:
            _, types, items = self.rows_of(user_id)
            found = _by_type(zip(types, items), limit)
            self._by_type[(user_id, limit)] = found
        return found


# table -> key -> (the bulk revision it was built from, the index): events recorded since are read apart.
_recent: weakref.WeakKeyDictionary[DatasetTable, dict[str, tuple[int, RecentIndex]]] = weakref.WeakKeyDictionary()


def _recent_index(table: DatasetTable, key: str) -> RecentIndex:
    built = _recent.setdefault(table, {})
    revision = table.bulk_revision
    if key not in built or built[key][0] != revision:
        built[key] = (revision, RecentIndex(table.bulk(), key))
    return built[key][1]


def recent_items_by_type(table: DatasetTable, user_ids: Sequence[str], limit: int, key: str = "ITEM_ID") -> dict[str, list[str]]:
    """The items (or, by ``key``, actions) of ``user_ids`` (a user, and the anonymous sessions that became theirs) by
    event type (lower case), newest first, the most recent ``limit`` of each type.

    Of two with the same time, the one that arrived later comes first: a recorded event before any bulk row."""
    if len(user_ids) == 1 and not table.recorded_for(user_ids[0]):
        return _recent_index(table, key).newest_by_type(user_ids[0], limit)  # bulk rows alone: indexed
    streams = [_newest_first(table, user_id, key) for user_id in user_ids]
    rows = streams[0] if len(streams) == 1 else heapq.merge(*streams, key=lambda row: -row[0])
    return _by_type(((event_type, item) for _, event_type, item in rows), limit)


def _by_type(rows: Iterable[tuple[str, Any]], limit: int) -> dict[str, list[str]]:
    """(event type, item) rows, newest first, to each type's first ``limit`` items."""
    by_type: dict[str, list[str]] = defaultdict(list)
    for event_type, item in rows:
        chosen = by_type[event_type]
        if len(chosen) < limit:
            chosen.append(str(item))
    return dict(by_type)


def _newest_first(table: DatasetTable, user_id: str, key: str) -> Iterable[tuple[int, str, Any]]:
    """One ID's (time, event type, item) rows, newest first: the bulk index merged with the events recorded one by one."""
    times, types, items = _recent_index(table, key).rows_of(user_id)
    rows: Iterable[tuple[int, str, Any]] = zip(times, types, items)
    recorded = table.recorded_for(user_id)
    if recorded:
        arrived = sorted(
            ((int(r["TIMESTAMP"]), k, _event_type(r.get("EVENT_TYPE")), r.get(key)) for k, r in enumerate(recorded)), reverse=True
        )
        # heapq.merge takes ties from its first input first: the recorded rows.
        rows = ((t, e, i) for t, _, e, i in heapq.merge(arrived, ((t, 0, e, i) for t, e, i in rows), key=lambda row: -row[0]))
    return rows


class _Cache:
    """What was built from a table, kept while the table stays at the same revision."""

    def __init__(self, build: Callable[[DatasetTable], Any]) -> None:
        self._build = build
        self._built: weakref.WeakKeyDictionary[DatasetTable, tuple[tuple[int, int], Any]] = weakref.WeakKeyDictionary()

    def __call__(self, table: DatasetTable) -> Any:
        revision = table.revision
        cached = self._built.get(table)
        if cached is None or cached[0] != revision:
            cached = (revision, self._build(table))
            self._built[table] = cached
        return cached[1]


def _record_index(table: DatasetTable) -> RecordIndex:
    assert table.key is not None, "records of a dataset with an ID: Items, Users, Actions"
    return RecordIndex(table.frame(), table.key)


records_of: Callable[[DatasetTable], RecordIndex] = _Cache(_record_index)
interactions_of: Callable[[DatasetTable], InteractionsIndex] = _Cache(lambda table: InteractionsIndex(table.frame()))
