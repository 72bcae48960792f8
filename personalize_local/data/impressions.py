"""Impressions (interactions-datasets.md "Impressions data"): the items users were shown.

Recorded events bring them two ways: an explicit ``impression`` list, or implicitly a
``recommendationId``, whose answer's items are what the user saw (explicit wins when both are given,
recording-events.md). Imports bring them in the IMPRESSION column. Exploration reads how often each
item was shown: the more often, the less it explores the item.

What each recommendation answered is remembered for the latest MAX_REMEMBERED answers only: an event
citing an older one has no implicit impressions.
"""
from __future__ import annotations

from collections import Counter, OrderedDict
from typing import Collection, Iterator, Mapping, Sequence

import pandas as pd

MAX_REMEMBERED = 20_000
SEPARATOR = "|"
# interactions-datasets.md: "Impression values can have at most 1000 characters (including the vertical bar character)".
MAX_IMPRESSION_CHARS = 1000
COLUMN = "IMPRESSION"


class Shown(Mapping[str, int]):
    """Times each item was shown: imported impressions plus recorded ones, read without copying either."""

    def __init__(self, imported: Mapping[str, int], recorded: Mapping[str, int]) -> None:
        self._imported, self._recorded = imported, recorded

    def __getitem__(self, item: str) -> int:
        count = self._imported.get(item, 0) + self._recorded.get(item, 0)
        if not count:
            raise KeyError(item)
        return count

    def get(self, item: str, default: int = 0) -> int:  # type: ignore[override]  # Mapping.get's overloads as one: a count
        return self._imported.get(item, 0) + self._recorded.get(item, 0) or default

    def __iter__(self) -> Iterator[str]:
        return iter(self._imported.keys() | self._recorded.keys())

    def __len__(self) -> int:
        return len(self._imported.keys() | self._recorded.keys())

    def __bool__(self) -> bool:
        return bool(self._imported) or bool(self._recorded)


class Impressions:
    """The impressions of one Interactions dataset's recorded events, and the answers events may cite."""

    def __init__(self, remembered: int = MAX_REMEMBERED) -> None:
        self._remembered = remembered
        self._answers: OrderedDict[str, tuple[str, ...]] = OrderedDict()
        self._by_user: dict[str, Counter[str]] = {}
        self._recorded: Counter[str] = Counter()
        self._imported: tuple[object, Counter[str]] = (None, Counter())
        # Changes whenever what users were shown does (a saved state holds it; not the answers, a cache).
        self.revision = 0

    def remember(self, recommendation_id: str, items: Sequence[str]) -> None:
        """What the recommendation ``recommendation_id`` answered; the oldest answer goes past the bound."""
        self._answers[recommendation_id] = tuple(items)
        if len(self._answers) > self._remembered:
            self._answers.popitem(last=False)

    def answered(self, recommendation_id: str | None) -> tuple[str, ...]:
        """The items that recommendation answered (none if unknown or forgotten)."""
        return self._answers.get(recommendation_id, ()) if recommendation_id else ()

    def record(self, user: str, items: Collection[str]) -> None:
        """``user`` was shown ``items`` with one recorded event."""
        if items:
            self._by_user.setdefault(user, Counter()).update(items)
            self._recorded.update(items)
            self.revision += 1

    def forget_users(self, users: Collection[str]) -> None:
        """Drop what ``users`` were shown (a data deletion job)."""
        for user in users:
            self._recorded -= self._by_user.pop(user, Counter())
        self.revision += 1

    def shown(self, bulk: pd.DataFrame, revision: object) -> Shown:
        """Times each item was shown, by ``bulk`` (the imported rows, counted once per ``revision``) and recorded events."""
        if self._imported[0] != revision:
            self._imported = (revision, imported_counts(bulk))
        return Shown(self._imported[1], self._recorded)


def imported_counts(bulk: pd.DataFrame) -> Counter[str]:
    """Times each item appears in the IMPRESSION column of imported rows."""
    if COLUMN not in bulk or bulk.empty:
        return Counter()
    lists = bulk[COLUMN].dropna().astype(str).str.split(SEPARATOR).explode()
    return Counter({str(item): int(n) for item, n in lists[lists != ""].value_counts().items()})


def fitting(items: Sequence[str]) -> list[str]:
    """The first of ``items`` that fit in one IMPRESSION value."""
    kept: list[str] = []
    length = -1
    for item in items:
        length += len(item) + 1
        if length > MAX_IMPRESSION_CHARS:
            break
        kept.append(item)
    return kept
