"""Automatic training (performAutoTraining): a new solution version every so many days.

As API_CreateSolution.md and AutoTrainingConfig describe it: on unless the solution says
``performAutoTraining: false``; every 7 days unless ``solutionConfig.autoTrainingConfig``
says ``rate(N days)`` with N from 1 to 30; the first within one hour after the solution is
ACTIVE, skipped when a version is created by hand within that hour. The versions it makes
say ``trainingType: AUTOMATIC``.

The schedule is held against the clock and looked at by the backend's clock, which every
call passes (core.py), so a test that moves the clock (freezegun, time-machine) sees automatic versions
appear; ``make_auto_training_due`` (the backend's) makes them due now.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from ..errors import InvalidInputException

RATE = re.compile(r"rate\((\d+) days?\)")
DEFAULT_RATE = "rate(7 days)"
DAYS = range(1, 31)
# API_CreateSolution.md: "Automatic solution version creation starts within one hour after the solution is ACTIVE."
FIRST_AFTER = timedelta(hours=1)
MEMBER = "solutionConfig.autoTrainingConfig.schedulingExpression"


@dataclass
class Schedule:
    """When a solution trains next on its own, and how often."""

    every: timedelta
    next_due: datetime
    # Until the first automatic training: a version made by hand before it skips it.
    first: bool = True
    # Changes to any schedule so far (its own turns, an update, a moment moved by hand): the clock reads the
    # schedules again after one (solutions.py).
    changes: ClassVar[int] = 0

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        Schedule.changes += 1

    def due(self, now: datetime) -> bool:
        return now >= self.next_due

    def trained(self, now: datetime) -> None:
        self.next_due, self.first = now + self.every, False

    def trained_by_hand(self, now: datetime) -> None:
        if self.first and now < self.next_due:
            self.next_due, self.first = self.next_due + self.every, False


def schedule_for(perform_auto_training: bool, config: dict[str, Any], active_at: datetime) -> Schedule | None:
    """The solution's schedule, or None without automatic training; bad expressions refused, naming the member."""
    expression = (config.get("autoTrainingConfig") or {}).get("schedulingExpression") or DEFAULT_RATE
    match = RATE.fullmatch(expression)
    if match is None or int(match.group(1)) not in DAYS:
        raise InvalidInputException(
            f"Value '{expression}' at '{MEMBER}' must be rate(N days) with N from {DAYS.start} to {DAYS.stop - 1}."
        )
    if not perform_auto_training:
        return None
    return Schedule(every=timedelta(days=int(match.group(1))), next_due=active_at + FIRST_AFTER)
