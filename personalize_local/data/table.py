"""A dataset's rows: bulk data from import jobs, and records that arrive one by one (events).

The two are kept apart because the service treats them apart: a FULL import
replaces the bulk data only, never what was recorded individually.
"""
from __future__ import annotations

from typing import Any, Collection, Iterable, Mapping, cast

import pandas as pd

# The column that identifies a record, where a newer record replaces an older one (INCREMENTAL imports).
RECORD_KEYS = {"ITEMS": "ITEM_ID", "USERS": "USER_ID", "ACTIONS": "ACTION_ID"}


class DatasetTable:
    """Rows of one dataset, typed by its schema's columns, read as a single frame."""

    def __init__(self, columns: Iterable[str], key: str | None = None) -> None:
        self.columns = list(columns)
        self.key = key
        self._bulk = pd.DataFrame({name: pd.Series(dtype=object) for name in self.columns})
        # Deleted records leave None behind: positions in _recorded are marks that must stay valid.
        self._recorded: list[dict[str, Any] | None] = []
        self._deleted = 0
        self._recorded_frame: pd.DataFrame | None = None
        # Positions in _recorded by USER_ID, so one user's recent events are found without a scan.
        self._by_user: dict[str, list[int]] = {}
        # How many times the bulk data has changed (or rows were deleted).
        self._bulk_revision = 0

    def __len__(self) -> int:
        return len(self._bulk) + len(self._recorded) - self._deleted

    @property
    def recorded_count(self) -> int:
        """How many records have arrived one by one so far: a mark to read later arrivals from."""
        return len(self._recorded)

    @property
    def revision(self) -> tuple[int, int]:
        """Changes whenever the rows do: what was computed from an earlier revision is stale."""
        return self._bulk_revision, len(self._recorded)

    @property
    def bulk_revision(self) -> int:
        """Changes whenever the bulk rows do (imports, deletions), not when records arrive one by one."""
        return self._bulk_revision

    def frame(self, recorded_users: Mapping[str, str] | None = None) -> pd.DataFrame:
        """Bulk rows, then recorded rows; ``recorded_users`` renames the USER_ID of recorded rows."""
        recorded = self.recorded()
        if recorded_users:
            recorded = recorded.assign(USER_ID=recorded["USER_ID"].replace(dict(recorded_users)))
        return _concat(self._bulk, recorded, self.key)

    def bulk(self) -> pd.DataFrame:
        """The rows import jobs brought, in file order (records with the same key included)."""
        return self._bulk

    def recorded(self) -> pd.DataFrame:
        """The rows that arrived one by one, in arrival order (records with the same key included)."""
        if self._recorded_frame is None:
            self._recorded_frame = pd.DataFrame.from_records([r for r in self._recorded if r is not None], columns=self.columns)
        return self._recorded_frame

    def add_columns(self, names: Iterable[str]) -> None:
        """A replaced schema's new (nullable) fields: empty in every row there is."""
        new = [name for name in names if name not in self.columns]
        self.columns += new
        self._bulk = self._bulk.assign(**{name: pd.Series(None, index=self._bulk.index, dtype=object) for name in new})
        self._recorded_frame = None
        self._bulk_changed()

    def replace(self, frame: pd.DataFrame) -> None:
        """A FULL import: the bulk data becomes ``frame``; recorded rows stay."""
        self._bulk = frame.reset_index(drop=True)
        self._bulk_changed()

    def append(self, frame: pd.DataFrame) -> None:
        """An INCREMENTAL import: ``frame`` joins the bulk data, replacing records with the same key."""
        self._bulk = _concat(self._bulk, frame, self.key)
        self._bulk_changed()

    def _bulk_changed(self) -> None:
        self._bulk_revision += 1

    def delete_users(self, users: Collection[str]) -> int:
        """Drop every row, bulk or recorded, whose USER_ID is one of ``users``; how many rows went."""
        if "USER_ID" not in self.columns:
            return 0
        doomed = self._bulk["USER_ID"].isin(users)
        from_bulk = int(doomed.sum())
        if from_bulk:
            self._bulk = self._bulk[~doomed].reset_index(drop=True)
        positions = [position for user in users for position in self._by_user.pop(user, ())]
        for position in positions:
            self._recorded[position] = None
        self._deleted += len(positions)
        self._recorded_frame = None
        self._bulk_changed()
        return from_bulk + len(positions)

    def record(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            if "USER_ID" in row:
                self._by_user.setdefault(row["USER_ID"], []).append(len(self._recorded))
            self._recorded.append(row)
        self._recorded_frame = None

    def recorded_since(self, since: int) -> list[dict[str, Any]]:
        """Every record that arrived at or after the mark ``since``, in arrival order."""
        return [row for row in self._recorded[since:] if row is not None]

    def recorded_count_for(self, user_id: str) -> int:
        """How many of the user's records have arrived one by one: grows with each, as a deletion changes the bulk revision."""
        return len(self._by_user.get(user_id, ()))

    def recorded_for(self, user_id: str, since: int = 0) -> list[dict[str, Any]]:
        """The user's records that arrived at or after the mark ``since``, in arrival order."""
        found = [self._recorded[i] for i in self._by_user.get(user_id, ()) if i >= since]
        return cast("list[dict[str, Any]]", found)  # a deleted user's positions left _by_user with them


def _concat(first: pd.DataFrame, second: pd.DataFrame, key: str | None) -> pd.DataFrame:
    if second.empty:
        return first
    if first.empty:
        return second.reset_index(drop=True)
    joined = pd.concat([first, second], ignore_index=True)
    return joined.drop_duplicates(key, keep="last", ignore_index=True) if key else joined
