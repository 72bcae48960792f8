"""A dataset's rows: bulk-imported frames plus records that arrive one by one (events, items, users)."""
from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Any, Iterable

import pandas as pd


@dataclass(frozen=True)
class Interaction:
    timestamp: int
    item_id: str
    event_type: str | None
    event_value: float | None


class DatasetTable:
    """Rows of one dataset, typed by its schema's columns, read as a single frame."""

    def __init__(self, columns: Iterable[str]) -> None:
        self.columns = list(columns)
        self._frame = pd.DataFrame({name: pd.Series(dtype=object) for name in self.columns})
        self._records: list[dict[str, Any]] = []
        self._histories: dict[str, list[Interaction]] | None = None

    def __len__(self) -> int:
        return len(self._frame) + len(self._records)

    def frame(self) -> pd.DataFrame:
        """All rows; records that arrived one by one are folded in on first read."""
        if self._records:
            added = pd.DataFrame.from_records(self._records, columns=self.columns)
            self._frame = _concat(self._frame, added)
            self._records = []
        return self._frame

    def replace(self, frame: pd.DataFrame) -> None:
        self._frame = frame.reset_index(drop=True)
        self._records = []
        self._histories = None

    def append(self, frame: pd.DataFrame) -> None:
        self._frame = _concat(self.frame(), frame)
        self._histories = None

    def append_records(self, records: list[dict[str, Any]]) -> None:
        self._records.extend(records)
        if self._histories is not None:
            for record in records:
                _insert(self._histories, record)

    def histories(self) -> dict[str, list[Interaction]]:
        """Each user's interactions, oldest first (interactions datasets only)."""
        if self._histories is None:
            histories: dict[str, list[Interaction]] = {}
            frame = self.frame().sort_values("TIMESTAMP", kind="stable")
            types = frame["EVENT_TYPE"] if "EVENT_TYPE" in frame else [None] * len(frame)
            values = frame["EVENT_VALUE"] if "EVENT_VALUE" in frame else [None] * len(frame)
            for user, item, ts, etype, value in zip(frame["USER_ID"], frame["ITEM_ID"], frame["TIMESTAMP"], types, values):
                histories.setdefault(user, []).append(Interaction(int(ts), item, _opt(etype), _opt(value)))
            self._histories = histories
        return self._histories


def _opt(value: Any) -> Any:
    return None if value is None or pd.isna(value) else value


def _insert(histories: dict[str, list[Interaction]], record: dict[str, Any]) -> None:
    history = histories.setdefault(record["USER_ID"], [])
    entry = Interaction(int(record["TIMESTAMP"]), record["ITEM_ID"], record.get("EVENT_TYPE"), record.get("EVENT_VALUE"))
    # Events may arrive out of order; keep the history sorted by time, later arrivals last among equals.
    position = bisect.bisect_right([h.timestamp for h in history], entry.timestamp)
    history.insert(position, entry)


def _concat(first: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
    if first.empty:
        return second.reset_index(drop=True)
    if second.empty:
        return first
    return pd.concat([first, second], ignore_index=True)
